/* hs: argument dispatch only. Each subcommand lives in cli/<name>.c. */
#include "cli/commands.h"
#include "engine/commit/commit.h"
#include "lib/state.h"
#include "lib/util.h"

#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} subcommands[] = {
	{"sandbox", cmd_sandbox, "run a command in an overlay sandbox; summary, commit, explore"},
	{"trace", cmd_trace, "run a command under the tracer; print its read and write sets"},
	{"parse", cmd_parse, "parse a shell script and print its syntax tree"},
	{"preprocess", cmd_preprocess, "print the rewritten script (or its node table)"},
};

static void usage(FILE *out)
{
	fputs("usage: hs [options] script.sh [args...]\n"
	      "       hs [options] -c 'commands' [arg0 [args...]]\n"
	      "       hs [options] [-s] < script\n"
	      "       hs <subcommand> [--help] ...\n"
	      "\n"
	      "Runs a shell script out of order, speculatively and in parallel, with the same\n"
	      "result as sh. Subcommands expose each layer:\n\n",
	      out);
	for (size_t i = 0; i < HS_ARRAY_SIZE(subcommands); i++)
		fprintf(out, "  %-11s %s\n", subcommands[i].name, subcommands[i].help);
	fputs("\nRun 'hs --help-run' for the options of script mode.\n", out);
}

/* Finish or roll back a commit that an earlier hs was killed in the middle of. Costs an
 * open of an empty dir when there is nothing to do; never stops hs from starting. */
static void recover_commits(void)
{
	struct hs_error err = HS_ERROR_INIT;
	_cleanup_free_ char *state = hs_state_dir(&err);
	int n;

	if (!state)
		return;
	n = hs_commit_recover(state, &err);
	if (n < 0)
		hs_warn("%s", err.msg);
	else if (n > 0)
		hs_warn("recovered %d interrupted commit%s (journals under %s/commits)", n,
			n == 1 ? "" : "s", state);
}

int main(int argc, char **argv)
{
	recover_commits();
	if (argc >= 2) {
		if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
			usage(stdout);
			return 0;
		}
		for (size_t i = 0; i < HS_ARRAY_SIZE(subcommands); i++)
			if (strcmp(argv[1], subcommands[i].name) == 0)
				return subcommands[i].fn(argc - 1, argv + 1);
	}
	return cmd_run(argc, argv);
}
