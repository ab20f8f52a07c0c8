# One list of numbers for the fully dependent chain.
. "$(dirname "$0")/common-inputs.sh"
n=400000
[ "$quick" = 1 ] && n=100000
awk -v n=$n 'BEGIN { srand(5); for (i = 0; i < n; i++) printf "%d %d\n", int(rand() * 1000000), i }' > s0
