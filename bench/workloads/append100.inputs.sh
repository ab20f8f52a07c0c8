# A small binary blob for the 100 appending commands.
. "$(dirname "$0")/common-inputs.sh"
head -c 20000 /dev/zero | tr '\0' 'x' > data
