# exit from a loop and from a function; trap on EXIT.
trap 'echo "trap: exiting with $?"' EXIT
f() { ls / > /dev/null; exit 6; }
for i in 1 2 3; do
	echo "iteration $i" | cat
	if [ $i = 2 ]; then f; fi
done
echo "not reached"
