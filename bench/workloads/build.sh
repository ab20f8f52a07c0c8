#!/bin/sh
# Build-style script with real dependencies: compile each module, link, run the tests.
# ideal: stages cc -O2 -c|-o build/app|./build/app|cmp
mkdir -p build test
for c in src/*.c; do
	o=${c#src/}
	cc -O2 -c "$c" -o "build/${o%.c}.o"
done
cc -o build/app build/*.o
for t in 1 2 3 4; do
	./build/app $t > test/$t.out
	if cmp -s test/$t.out expected/$t.out; then echo "test $t ok"; else echo "test $t FAILED"; fi
done
