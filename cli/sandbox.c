/* hs sandbox: run a command in an overlay sandbox, then summarise, ask, commit (like try). */
#include "cli/commands.h"
#include "engine/commit/commit.h"
#include "lib/state.h"
#include "lib/util.h"
#include "sandbox/sandbox.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Exit statuses of hs sandbox itself (the command's own status passes through unchanged
 * when nothing of ours failed). */
#define ST_USAGE 2
#define ST_SANDBOX 125 /* the sandbox could not be set up */
#define ST_COMMIT 124  /* the command ran, but its changes could not be committed */

static const char usage_run[] =
    "usage: hs sandbox [-y|-n|-d] [-L DIR]... [-D DIR] [--] CMD [ARGS...]\n"
    "       hs sandbox summary DIR\n"
    "       hs sandbox commit [-y] DIR\n"
    "       hs sandbox explore [DIR]\n"
    "       hs sandbox recover\n"
    "\n"
    "Runs CMD (an argv, not a shell string) in an overlay sandbox over the whole file\n"
    "system: every change is captured, nothing reaches the live system. Then shows a\n"
    "summary of the changes and asks whether to commit them.\n"
    "\n"
    "  -y        commit without asking\n"
    "  -n        do not commit: keep the sandbox and print its directory\n"
    "  -d, --discard  throw the changes away after the run (no summary, no commit)\n"
    "  -L DIR    stack an earlier sandbox's changes below this one (repeatable; later\n"
    "            ones lie over earlier ones); implies -n\n"
    "  -D DIR    create the sandbox in DIR (default: under the hs state dir)\n"
    "  -h, --help  this help; 'hs sandbox SUBCOMMAND --help' for the others\n"
    "\n"
    "The exit status is CMD's (128+N when signal N killed it), except: 125 when the sandbox\n"
    "could not be set up, 124 when committing failed, 2 for bad usage.\n";

static const char usage_summary[] =
    "usage: hs sandbox summary DIR\n"
    "Prints what committing sandbox DIR would change. Exit status 0 when\n"
    "there are changes, 1 when there are none, 2 on error.\n";
static const char usage_commit[] =
    "usage: hs sandbox commit [-y] DIR\n"
    "Shows the changes of sandbox DIR, asks, and merges them into the live\n"
    "file system (-y: without asking); the sandbox is removed afterwards.\n";
static const char usage_explore[] =
    "usage: hs sandbox explore [DIR]\n"
    "Starts an interactive $SHELL inside sandbox DIR (a new sandbox when DIR is not\n"
    "given); afterwards shows the changes and asks whether to commit them.\n";
static const char usage_recover[] =
    "usage: hs sandbox recover\n"
    "Finishes or rolls back commits that were interrupted (a crash, kill -9).\n";

static int want_help(int argc, char **argv, const char *text)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(text, stdout);
			return 1;
		}
	}
	return 0;
}

static int show_summary(struct hs_sandbox *sb, FILE *out)
{
	struct hs_error err = HS_ERROR_INIT;
	const struct hs_commit_layer *layers;
	size_t n = hs_sandbox_layers(sb, &layers);
	int r;

	r = hs_commit_summary(layers, n, out, 0, &err);

	if (r < 0)
		hs_warn("summary: %s", err.msg);
	return r;
}

static int do_commit(struct hs_sandbox *sb)
{
	struct hs_error err = HS_ERROR_INIT;
	const struct hs_commit_layer *layers;
	size_t n = hs_sandbox_layers(sb, &layers);

	if (hs_commit_apply(layers, n, NULL, 0, &err) < 0) {
		hs_warn("commit failed: %s", err.msg);
		hs_warn("the sandbox is kept in %s", hs_sandbox_dir(sb));
		return -1;
	}
	return 0;
}

/* Ask on the terminal (or stdin) whether to commit. */
static int ask(void)
{
	char line[64];
	FILE *in = fopen("/dev/tty", "re");
	int yes;

	fputs("Commit these changes? [y/N] ", stderr);
	fflush(stderr);
	if (!fgets(line, sizeof(line), in ? in : stdin))
		line[0] = '\0';
	if (in)
		fclose(in);
	yes = line[0] == 'y' || line[0] == 'Y';
	return yes;
}

/* After a run: summary, then commit (-y), keep (-n), or ask. Returns our exit status
 * contribution: 0 or ST_COMMIT. The sandbox is freed (and removed unless kept). */
static int finish(struct hs_sandbox *sb, int yes, int keep)
{
	int changes;

	if (keep) {
		printf("%s\n", hs_sandbox_dir(sb));
		hs_sandbox_free(sb);
		return 0;
	}
	changes = show_summary(sb, stderr);
	if (changes < 0) {
		hs_warn("the sandbox is kept in %s", hs_sandbox_dir(sb));
		hs_sandbox_free(sb);
		return ST_COMMIT;
	}
	if (changes == 0) {
		hs_sandbox_destroy(sb, NULL);
		return 0;
	}
	if (!yes && !ask()) {
		fprintf(stderr, "Not committing. The sandbox is in %s\n", hs_sandbox_dir(sb));
		hs_sandbox_free(sb);
		return 0;
	}
	if (do_commit(sb) < 0) {
		hs_sandbox_free(sb);
		return ST_COMMIT;
	}
	hs_sandbox_destroy(sb, NULL);
	return 0;
}

static int cmd_summary(int argc, char **argv)
{
	struct hs_error err = HS_ERROR_INIT;
	struct hs_sandbox *sb;
	int r;

	if (want_help(argc, argv, usage_summary))
		return 0;
	if (argc != 2) {
		fputs(usage_summary, stderr);
		return ST_USAGE;
	}
	if (!(sb = hs_sandbox_open(argv[1], &err))) {
		hs_warn("%s", err.msg);
		return ST_USAGE;
	}
	r = show_summary(sb, stdout);
	hs_sandbox_free(sb);
	return r < 0 ? ST_USAGE : r == 0 ? 1 : 0;
}

static int cmd_commit(int argc, char **argv)
{
	struct hs_error err = HS_ERROR_INIT;
	struct hs_sandbox *sb;
	int yes = 0, i = 1;

	if (want_help(argc, argv, usage_commit))
		return 0;
	if (i < argc && strcmp(argv[i], "-y") == 0) {
		yes = 1;
		i++;
	}
	if (argc - i != 1) {
		fputs(usage_commit, stderr);
		return ST_USAGE;
	}
	if (!(sb = hs_sandbox_open(argv[i], &err))) {
		hs_warn("%s", err.msg);
		return ST_USAGE;
	}
	return finish(sb, yes, 0) ? ST_COMMIT : 0;
}

static int cmd_recover(int argc, char **argv)
{
	struct hs_error err = HS_ERROR_INIT;
	_cleanup_free_ char *state = NULL;
	int r;

	if (want_help(argc, argv, usage_recover))
		return 0;
	if (argc != 1) {
		fputs(usage_recover, stderr);
		return ST_USAGE;
	}
	if (!(state = hs_state_dir(&err)) || (r = hs_commit_recover(state, &err)) < 0) {
		hs_warn("recover: %s", err.msg);
		return 1;
	}
	fprintf(stderr, "hs: recovered %d interrupted commit%s\n", r, r == 1 ? "" : "s");
	return 0;
}

/* Run argv in sb like a shell runs a foreground command: Ctrl-C and Ctrl-\ go to the
 * command (hs ignores them while it waits, then shows the summary). */
static int run_in(struct hs_sandbox *sb, char **argv, unsigned flags, int *status)
{
	struct hs_error err = HS_ERROR_INIT;
	struct hs_sandbox_cmd cmd = HS_SANDBOX_CMD_INIT;
	_cleanup_free_ char *cwd = getcwd(NULL, 0);
	struct sigaction ign = {.sa_handler = SIG_IGN}, old_int, old_quit;
	pid_t pid;
	int fd;

	cmd.argv = argv;
	cmd.cwd = cwd;
	cmd.flags = flags;
	if (hs_sandbox_spawn(sb, &cmd, &pid, &fd, &err) < 0) {
		hs_warn("%s", err.msg);
		return -1;
	}
	/* After the spawn: the command must not inherit the ignored dispositions. */
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	*status = hs_sandbox_wait(pid, fd, &err);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	if (*status < 0) {
		hs_warn("%s", err.msg);
		return -1;
	}
	return 0;
}

static int cmd_explore(int argc, char **argv)
{
	struct hs_error err = HS_ERROR_INIT;
	struct hs_sandbox *sb;
	const char *shell = getenv("SHELL");
	char *sargv[] = {(char *)(shell && *shell ? shell : "/bin/sh"), NULL};
	int status;

	if (want_help(argc, argv, usage_explore))
		return 0;
	if (argc > 2) {
		fputs(usage_explore, stderr);
		return ST_USAGE;
	}
	sb = argc == 2 ? hs_sandbox_open(argv[1], &err) : hs_sandbox_new(NULL, &err);
	if (!sb) {
		hs_warn("%s", err.msg);
		return argc == 2 ? ST_USAGE : ST_SANDBOX;
	}
	if (run_in(sb, sargv, isatty(0) ? HS_SANDBOX_TTY : 0, &status) < 0) {
		hs_sandbox_free(sb);
		return ST_SANDBOX;
	}
	return finish(sb, 0, 0) ? ST_COMMIT : status;
}

int cmd_sandbox(int argc, char **argv)
{
	struct hs_error err = HS_ERROR_INIT;
	struct hs_sandbox_options opts = {0};
	_cleanup_free_ const char **lowers = NULL;
	struct hs_sandbox *sb;
	int yes = 0, keep = 0, discard = 0, status, c, r;
	static const struct option longopts[] = {
	    {"help", no_argument, NULL, 'h'}, {"discard", no_argument, NULL, 'd'}, {0}};

	if (argc >= 2) {
		if (strcmp(argv[1], "summary") == 0)
			return cmd_summary(argc - 1, argv + 1);
		if (strcmp(argv[1], "commit") == 0)
			return cmd_commit(argc - 1, argv + 1);
		if (strcmp(argv[1], "explore") == 0)
			return cmd_explore(argc - 1, argv + 1);
		if (strcmp(argv[1], "recover") == 0)
			return cmd_recover(argc - 1, argv + 1);
	}
	lowers = calloc((size_t)argc, sizeof(*lowers));
	if (!lowers)
		hs_die(ST_SANDBOX, "out of memory");
	optind = 1;
	while ((c = getopt_long(argc, argv, "+ynL:D:dh", longopts, NULL)) != -1) {
		switch (c) {
		case 'y':
			yes = 1;
			break;
		case 'n':
			keep = 1;
			break;
		case 'd':
			discard = 1;
			break;
		case 'L':
			lowers[opts.n_lowers++] = optarg;
			break;
		case 'D':
			opts.dir = optarg;
			break;
		case 'h':
			fputs(usage_run, stdout);
			return 0;
		default:
			fputs(usage_run, stderr);
			return ST_USAGE;
		}
	}
	if (optind >= argc) {
		hs_warn("sandbox: missing command");
		fputs(usage_run, stderr);
		return ST_USAGE;
	}
	if ((yes && keep) || (discard && (yes || keep))) {
		hs_warn("sandbox: -y, -n and -d exclude each other");
		return ST_USAGE;
	}
	/* Committing over stacked layers would need theirs first: keep instead. */
	if (opts.n_lowers && !discard)
		keep = 1;
	opts.lowers = lowers;
	if (!(sb = hs_sandbox_new(&opts, &err))) {
		hs_warn("sandbox: %s", err.msg);
		return ST_SANDBOX;
	}
	if (run_in(sb, argv + optind, isatty(0) ? HS_SANDBOX_TTY : 0, &status) < 0) {
		hs_sandbox_destroy(sb, NULL);
		return ST_SANDBOX;
	}
	if (discard) {
		if (hs_sandbox_destroy(sb, &err) < 0)
			hs_warn("sandbox: %s", err.msg);
		return status;
	}
	r = finish(sb, yes, keep);
	return r ? r : status;
}
