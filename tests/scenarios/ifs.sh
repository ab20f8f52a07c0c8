#!/bin/sh
# Pins: IFS changes between commands: field splitting of variables and $(cmd) for later
# commands and loops, and IFS restored.
# setup: printf 'a:b:c\n' > colon; printf 'x y\tz\n' > blank
line=$(cat colon)
env printf '[%s]\n' $line
old=$IFS
IFS=:
env printf '<%s>\n' $line
for f in $line; do env echo "field $f" > "fld.$f"; done
IFS=$old
w=$(cat blank)
env printf '{%s}\n' $w
IFS=
env printf '(%s)\n' $w
unset IFS
env printf '|%s|\n' $w
ls fld.*
