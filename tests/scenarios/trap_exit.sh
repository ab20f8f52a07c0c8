#!/bin/sh
# Pins: a trap on EXIT that runs commands (cleanup) after the script's last command, and the
# exit status it keeps.
trap 'env echo cleanup; rm -f tmpfile; cat log' EXIT
env echo working > tmpfile
env echo step1 >> log
sh -c 'exit 4'
env echo step2 >> log
false
