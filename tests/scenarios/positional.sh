#!/bin/sh
# Pins: script arguments, set --, shift and "$@" / "$*" / $# as seen by commands.
# args: alpha "beta gamma" ''
env printf '[%s]\n' "$@"
env echo "$#"
set -- x y "z w"
env printf '<%s>\n' "$@"
shift
env echo "$# $1 $*"
set --
env echo "none: $#"
set -- $(seq 3)
for a; do env echo "arg $a"; done
