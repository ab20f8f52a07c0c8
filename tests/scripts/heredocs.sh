# here-documents: expanding, quoted, <<-, two on one line, in loops, piped, in $( ).
name=World
cat <<EOF
Hello $name, $(echo from cmdsub) and `echo backticks`
  indented \$literal
EOF
cat <<'EOF'
No $expansion here $(nor this)
EOF
	cat <<-EOF
	tabs stripped for $name
	EOF
cat <<A; cat <<B
first
A
second
B
for i in 1 2; do
	tr a-z A-Z <<EOF
loop $i
EOF
done
wc -l <<EOF | tr -d ' '
1
2
3
EOF
v=$(cat <<EOF
inside cmdsub $name
EOF
)
echo "$v"
f() {
	cat <<EOF
in function: $1
EOF
}
f arg | sed 's/arg/ARG/'
