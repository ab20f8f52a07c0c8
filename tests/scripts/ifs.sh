# IFS: splitting of expansions and command output in loops and commands.
data="a:b:c"
IFS=:
for p in $data; do echo "part $p"; done
set -- $(echo "x:y:z")
echo "$# args: $1 $2 $3"
IFS=' 	
'
for w in $(printf 'one two\nthree\tfour'); do echo "w=$w"; done
old=$IFS; IFS=,
list=$(echo "p,q,r" | tr -d '\n')
for i in $list; do printf '%s\n' "$i" | tr p-r P-R; done
IFS=$old
line="  lead  and trail  "
echo [$line]
printf '%s\n' $line | wc -l
