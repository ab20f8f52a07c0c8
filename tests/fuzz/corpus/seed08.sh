cat <<EOF
hello $name
$(date)
EOF
cat <<-'END'
	no $expansion
	END
echo after
