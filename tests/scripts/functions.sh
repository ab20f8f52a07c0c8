# functions: arguments, return status, recursion, globals, calls in pipelines and $( ).
greet() { echo "hello $1 ($#)"; tr a-z A-Z <<EOF2
$2
EOF2
}
count() { n=$(printf '%s\n' "$@" | wc -l); echo "count=$n"; return $((n % 3)); }
fact() { if [ "$1" -le 1 ]; then echo 1; else echo $(( $1 * $(fact $(( $1 - 1 ))) )); fi; }
greet world "lower words"
count a b c d; echo "status $?"
count a b; echo "status $?"
echo "fact 5 = $(fact 5)"
greet pipe x | sed 's/hello/bye/'
global=start
setg() { global=$(echo "set by $1" | cut -d' ' -f1-3); }
setg func; echo "$global"
out=$(greet sub y); echo "captured: $out"
wrapper() { "$@"; echo "wrapper rc=$?"; }
wrapper ls /nonexistent-dir 2>/dev/null
wrapper true
f_in_loop() { ls "$1" >/dev/null 2>&1 && echo "$1 exists" || echo "$1 missing"; }
for p in / /nope /tmp; do f_in_loop "$p"; done
