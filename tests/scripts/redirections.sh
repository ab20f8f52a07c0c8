# redirections: files, appends, fds, compound commands, noclobber.
echo first > out.txt
echo second >> out.txt
ls /nonexistent 2> err.txt || echo "ls failed"
wc -l < out.txt
cat out.txt err.txt 2>&1 | wc -l
exec 3> fd3.txt
echo "to fd3" >&3
ls -d / >&3
exec 3>&-
cat fd3.txt
{ echo g1; echo g2 | tr a-z A-Z; } > group.txt
cat group.txt
for i in 1 2; do echo "loop $i"; done > loop.txt
cat loop.txt
while read -r l; do echo "got $l"; done < loop.txt
set -C
echo again > out.txt 2>/dev/null || echo "noclobber refused"
echo forced >| out.txt
cat out.txt
cat <> out.txt
ls / 1>/dev/null 2>&1 && echo quiet
