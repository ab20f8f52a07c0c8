# positional parameters: shift, set --, "$@" and "$*" in nodes and functions.
set -- one "two words" three
printf '[%s]\n' "$@"
echo "$*" | tr ' ' '_'
shift
echo "$# left: $1" | cat
show() { printf '<%s>' "$@"; echo; printf '%s\n' "$#" | cat; }
show "$@"
show a "b c" d
set --
printf 'none: %s\n' "$#"
set -- x y
for a in "$@"; do echo "loop $a" | tr a-z A-Z; done
