# reading the script's stdin in loops, nodes that read stdin.
printf 'l1\nl2\nl3\n' > input.txt
while read -r a; do
	echo "$a" | sed 's/l/L/'
done < input.txt
exec < input.txt
read -r first
echo "first=$first"
cat
