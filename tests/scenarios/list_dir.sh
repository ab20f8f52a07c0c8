#!/bin/sh
# Pins: a command that lists a directory another (earlier) command creates entries in must
# see the new entries; the listing must not be taken from before the creation.
# setup: mkdir d; touch d/old
sh -c 'sleep 0.2; touch d/new1 d/new2'
ls d
ls d > listing
sh -c 'sleep 0.1; rm d/old'
ls -a d
find d | sort
cat listing
