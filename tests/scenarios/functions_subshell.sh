#!/bin/sh
# Pins: a function whose body has nodes and an announced loop, called in the main shell and
# from subshells (a pipeline, $( ), &, ( )): only the main shell talks to the scheduler
# (the body's wrappers check the pid), and every call runs as under sh.
# setup: printf 'b\na\nc\n' > in
f() {
	sort in > "out.$1"
	for w in x y; do
		cat "out.$1" > "$w.$1"
	done
	wc -l < "out.$1"
}
f main
f pipe | cat
v=$(f sub)
echo "v=$v"
f bg > bg.out &
wait
( f paren )
cat bg.out
ls
