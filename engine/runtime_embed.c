/* The shell runtime (engine/runtime.sh) embedded into the binary, and its one-line form. */
#include "engine/rewrite.h"

#include <stdlib.h>
#include <string.h>

/* .incbin keeps runtime.sh a plain, testable shell file; engine/module.mk makes this object
 * depend on it. The path is relative to the repository root, where make runs the compiler. */
__asm__(".section .rodata\n"
	".global hs_runtime_sh_text\n"
	".type hs_runtime_sh_text, @object\n"
	"hs_runtime_sh_text:\n"
	".incbin \"engine/runtime.sh\"\n"
	".byte 0\n"
	".previous\n");
extern const char hs_runtime_sh_text[];

const char *hs_runtime_source(void)
{
	return hs_runtime_sh_text;
}

/* Comment lines and leading blanks dropped, lines joined by one space. runtime.sh is written
 * so that this is valid (see its header); tests/e2e/runtime.sh checks it with dash -n. */
static char *join(const char *s)
{
	size_t n = strlen(s);
	char *out = malloc(n + 2), *o = out;
	if (!out)
		return NULL;
	while (*s) {
		const char *eol = strchr(s, '\n');
		size_t len = eol ? (size_t)(eol - s) : strlen(s);
		const char *p = s;
		while (p < s + len && (*p == ' ' || *p == '\t'))
			p++;
		if (p < s + len && *p != '#') {
			memcpy(o, p, (size_t)(s + len - p));
			o += s + len - p;
			*o++ = ' ';
		}
		s += len + (eol ? 1 : 0);
	}
	*o = '\0';
	return out;
}

const char *hs_runtime_prelude(void)
{
	static char *prelude;
	if (!prelude)
		prelude = join(hs_runtime_sh_text);
	return prelude;
}
