# set -u: an unset variable in a node is an error with the shell's message.
set -u
defined=yes
echo "$defined" | cat
echo "${maybe-default}" | cat
ls / >/dev/null
echo "$undefined_var" | cat
echo "not reached"
