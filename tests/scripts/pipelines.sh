# pipelines: multi-stage, builtins in pipelines, into while, negation, status of the last.
printf '%s\n' c a b a | sort | uniq -c | sort -rn | head -2
echo "one two three" | tr ' ' '\n' | while read -r w; do echo "<$w>"; done
seq 1 10 | awk '{s+=$1} END {print s}'
false | true; echo "status $?"
true | false; echo "status $?"
! true | false; echo "negated $?"
yes | head -3
ls / | grep -c . >/dev/null && echo counted
cat <<EOF | sort -r | tr a-z A-Z
x
y
EOF
echo end
