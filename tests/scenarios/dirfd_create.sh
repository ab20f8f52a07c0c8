#!/bin/sh
# Pins: commands that open a directory only to create entries through it (tar -C work uses
# work as a dirfd) do not conflict with each other: opening a directory is not a listing of
# it (getdents is), so none of them is re-run, and the files are the same as under sh.
# setup: mkdir -p src/a src/b src/c work; seq 1 1000000 > src/a/x; seq 2 1000000 > src/b/y; seq 3 1000000 > src/c/z; for d in a b c; do tar --mtime=@0 --owner=0 --group=0 --numeric-owner -czf $d.tgz -C src $d; done; rm -r src
# expect-reruns: 0
tar -xzf a.tgz -C work
tar -xzf b.tgz -C work
tar -xzf c.tgz -C work
