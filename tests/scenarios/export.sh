#!/bin/sh
# Pins: export, unexport-by-unset and per-command assignments: what child processes see.
export FOO=bar
env | grep '^FOO='
FOO=baz
sh -c 'echo "child sees $FOO"'
BAR=only-here sh -c 'echo "BAR=$BAR"'
sh -c 'echo "BAR after: ${BAR-unset}"'
unset FOO
env | grep -c '^FOO=' 
export PATH="$PWD/bin:$PATH"
mkdir bin
printf '#!/bin/sh\necho my-tool "$@"\n' > bin/mytool
chmod +x bin/mytool
mytool 1 2
