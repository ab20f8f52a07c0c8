# case: patterns, alternatives, defaults, nodes in arms, case in a loop.
for w in apple banana cherry "two words" 42 ""; do
	case $w in
	a*) echo "$w starts with a" | tr a-z A-Z ;;
	banana|cherry) ls / >/dev/null && echo "$w is a fruit" ;;
	*' '*) echo "$w has a space" ;;
	[0-9]*) expr "$w" + 1 ;;
	'') echo empty ;;
	esac
done
case $(uname -s) in
Linux) echo linux-ish ;;
*) echo other ;;
esac
case x in (x) echo "paren pattern" ;; esac
