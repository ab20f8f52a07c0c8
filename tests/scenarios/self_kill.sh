#!/bin/sh
# Pins: the script's shell killed by a signal (kill -TERM $$): what ran before stays, nothing
# after runs, and the status is 128+15.
env echo before > before
sh -c 'sleep 0.1; echo slow > slow'
kill -TERM $$
env echo after > after
