# $? after nodes, in conditions and in arithmetic.
ls /nonexistent 2>/dev/null; echo "ls status $?"
grep -q root /etc/passwd; rc=$?; echo "grep status $rc"
if cat /nonexistent 2>/dev/null; then echo yes; else echo "no: $?"; fi
sh -c 'exit 7'; echo "exit 7 -> $?"
false; [ $? -eq 1 ] && echo "false is 1"
expr 1 + 1 >/dev/null; echo "$(( $? + 10 ))"
f() { return 4; }; f; echo "func $?"
x=$(exit 5); echo "assign $?"
