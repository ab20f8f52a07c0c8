/* hs preprocess: print the rewritten script, its node table, or the runtime prelude. */
#include "cli/commands.h"
#include "engine/rewrite.h"
#include "lib/util.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
	fputs("usage: hs preprocess [--nodes] [--explain] FILE\n"
	      "       hs preprocess --runtime\n"
	      "Prints the script as hs hands it to the shell (each speculatable command wrapped\n"
	      "in a runtime call, line numbers kept), or with --nodes its node table as JSON.\n"
	      "--runtime prints the one-line shell runtime prepended to line 1.\n",
	      out);
}

int cmd_preprocess(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "--runtime") == 0) {
			const char *p = hs_runtime_prelude();
			if (!p)
				hs_die(1, "preprocess: out of memory");
			printf("%s\n", p);
			return fflush(stdout) == 0 ? 0 : 1;
		}
	}
	hs_warn("preprocess: the rewriter is not in this build yet (only --runtime)");
	return 2;
}
