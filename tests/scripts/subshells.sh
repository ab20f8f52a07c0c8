# subshells, command substitution, background jobs.
( cd / && pwd && ls -d tmp )
pwd | sed 's|.*/||' | wc -c
v=$( (echo inner; ls -d /) | tr '\n' ' ')
echo "v=$v"
( exit 3 ); echo "subshell status $?"
{ echo group; ls -d /etc; } | sort
(sleep 0.1; echo background > bg.txt) &
wait
cat bg.txt
x=outer; (x=inner; echo "$x"); echo "$x"
echo "$(echo "$(echo nested "$(echo deep)")")"
