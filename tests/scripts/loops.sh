# for loops: literal, glob, command substitution, nested, break/continue; while/until.
mkdir -p d && for n in 3 1 2; do echo "file $n" > d/f$n.txt; done
for f in d/*.txt; do wc -c < "$f"; cat "$f"; done
for w in $(ls d | sort -r) "quoted $(echo two words)" tail; do echo "[$w]"; done
for i in 1 2 3; do
	for j in a b c; do
		[ "$j" = b ] && continue
		[ "$i" = 3 ] && break 2
		printf '%s%s\n' "$i" "$j" | tr a-z A-Z
	done
done
echo "after nested: $i $j"
for x; do echo "arg: $x"; done
for e in; do echo never; done
n=0
while [ $n -lt 4 ]; do n=$((n + 1)); seq $n | tail -1; done
until [ $n -le 0 ]; do n=$((n - 2)); ls d | head -n 1; done
while read -r line; do echo "read: $line" | sed 's/file/FILE/'; done < d/f2.txt
for k in `echo back quoted`; do echo "bq $k"; done
for v in "$(printf 'a\nb')"; do echo "dq: $v"; done
for g in d/f[12]*; do basename "$g"; done
