#!/bin/sh
# Pins: symlinks (to files, dirs, dangling), hard links that must stay linked, chmod/umask
# results and a symlink replaced by a file.
# setup: echo data > f; mkdir d
ln -s f sym
ln -s d dsym
ln -s missing dangling
ln f hard
chmod 640 hard
env echo more >> f
cat hard
ln -s f tmp && rm tmp && env echo plain > tmp
umask 077
env echo secret > private
mkdir pdir
umask 022
chmod +x f
ls -l f hard | cut -c1-10
readlink sym dsym dangling
cat dsym/../f
