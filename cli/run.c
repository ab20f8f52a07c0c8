/* hs [options] script.sh [args...]: the sh-compatible front end.
 *
 * Until the out-of-order engine lands, script mode runs the script in the real shell with
 * speculation off (the same result as sh, no speedup). Options before the script are hs's own;
 * everything from the first non-hs argument on is passed to the shell untouched. */
#include "cli/commands.h"
#include "lib/util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage_run(FILE *out)
{
	fputs("usage: hs [--shell PATH] [--window N] [--] [sh options] script.sh [args...]\n"
	      "       hs [hs options] -c 'commands' [arg0 [args...]]\n"
	      "       hs [hs options] [-s] < script\n"
	      "\n"
	      "  --shell PATH   the real shell that runs the script (default: dash)\n"
	      "  --window N     speculative runs kept ahead of the shell (0: none)\n"
	      "  -h, --help     this text\n"
	      "All other options are the shell's (-e -u -x -v -f -C -a -o ...).\n",
	      out);
}

int cmd_run(int argc, char **argv)
{
	const char *shell = getenv("HS_SHELL");
	int i = 1;

	if (!shell || !*shell)
		shell = "dash";
	while (i < argc) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		} else if (strcmp(a, "--help-run") == 0 || strcmp(a, "--help") == 0) {
			usage_run(stdout);
			return 0;
		} else if (strcmp(a, "--shell") == 0 && i + 1 < argc) {
			shell = argv[i + 1];
			i += 2;
		} else if (strcmp(a, "--window") == 0 && i + 1 < argc) {
			char *end;
			long w = strtol(argv[i + 1], &end, 10);
			if (*end || w < 0)
				hs_die(2, "--window: not a number: %s", argv[i + 1]);
			i += 2;
		} else if (strncmp(a, "--", 2) == 0) {
			hs_warn("unknown option: %s", a);
			usage_run(stderr);
			return 2;
		} else {
			break;
		}
	}

	/* argv[i - 1] becomes the shell's argv[0]; the shell sees exactly the remaining args. */
	char **sh_argv = calloc((size_t)(argc - i) + 2, sizeof(char *));
	if (!sh_argv)
		hs_die(2, "out of memory");
	sh_argv[0] = (char *)shell;
	for (int k = i; k < argc; k++)
		sh_argv[k - i + 1] = argv[k];
	execvp(shell, sh_argv);
	hs_die(127, "cannot run the shell %s: %s", shell, strerror(errno));
}
