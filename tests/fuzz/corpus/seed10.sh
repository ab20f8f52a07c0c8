x=$(cat <<EOF
paren ) here "$(echo "it's $v")"
EOF
)
echo $x
