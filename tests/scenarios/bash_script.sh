#!/bin/bash
# Pins: a bash script (shebang) runs under bash with hs too: [[ ]], arrays, $(( )), brace
# expansion, process substitution, local, pipefail.
# shell: bash
set -o pipefail
arr=(one two three)
for w in "${arr[@]}"; do tr a-z A-Z <<< "$w" > "$w.up"; done
[[ -f one.up && $(cat one.up) == ONE ]] && echo matched
f() { local v=$1; echo "v=$v"; }
f inner
echo {1..3}
diff <(sort one.up) <(sort one.up) && echo same
false | true
echo "pipefail rc=$?"
cat *.up
