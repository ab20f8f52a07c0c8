# A small C project: 8 generated modules (~0.5 s each to compile at -O2), a main, 4 tests with
# expected outputs (computed once here with -O0).
. "$(dirname "$0")/common-inputs.sh"
mkdir -p src expected
nmod=8 nfun=40
[ "$quick" = 1 ] && nmod=3 nfun=15
m=1
while [ $m -le $nmod ]; do
	awk -v m=$m -v n=$nfun 'BEGIN {
		print "#include <stdint.h>"
		print "#include \"mods.h\""
		for (i = 0; i < n; i++) {
			printf "static uint64_t f%d(uint64_t x)\n{\n\tuint64_t h = x ^ %du;\n", i, i
			print "\tfor (int k = 0; k < 64; k++) {\n\t\tswitch ((h >> (k % 13)) & 7) {"
			printf "\t\tcase 0: h = h * 6364136223846793005ull + %d; break;\n", i
			printf "\t\tcase 1: h ^= h >> 17; h += k * %d; break;\n", i + 3
			print "\t\tcase 2: h = (h << 7) | (h >> 57); break;"
			printf "\t\tcase 3: h -= 0x9e3779b97f4a7c15ull ^ (uint64_t)%d; break;\n", i
			print "\t\tcase 4: h ^= (h * 31) + k; break;"
			printf "\t\tcase 5: h += (h >> 3) ^ %d; break;\n", i * 7 + m
			print "\t\tdefault: h = ~h + k; break;\n\t\t}\n\t}\n\treturn h;\n}"
		}
		printf "uint64_t mod%d(uint64_t x)\n{\n\tuint64_t s = 0;\n", m
		for (i = 0; i < n; i++) printf "\ts += f%d(x + %d);\n", i, i
		print "\treturn s;\n}"
	}' > src/mod$m.c
	m=$((m + 1))
done
{
	echo "#include <stdint.h>"
	m=1; while [ $m -le $nmod ]; do echo "uint64_t mod$m(uint64_t x);"; m=$((m + 1)); done
} > src/mods.h
{
	echo '#include <stdio.h>'
	echo '#include <stdlib.h>'
	echo '#include "mods.h"'
	echo 'int main(int argc, char **argv)'
	echo '{'
	echo '	uint64_t x = argc > 1 ? strtoull(argv[1], NULL, 10) : 0, s = 0;'
	echo '	for (uint64_t r = 0; r < 400; r++) {'
	m=1; while [ $m -le $nmod ]; do echo "		s ^= mod$m(x * 1000 + r);"; m=$((m + 1)); done
	echo '	}'
	printf '%s\n' '	printf("%llu\n", (unsigned long long)s);'
	echo '	return 0;'
	echo '}'
} > src/main.c
cc -O0 -o ref src/*.c
for t in 1 2 3 4; do ./ref $t > expected/$t.out; done
rm -f ref
