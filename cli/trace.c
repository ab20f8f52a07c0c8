/* hs trace: run a command tree under the tracer and print what it read, wrote, executed and
 * attempted (network, setuid exec, ...). Exits with the command's status. */
#include "cli/commands.h"
#include "lib/util.h"
#include "tracer/tracer.h"

#include <getopt.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

static void usage(FILE *out)
{
	fputs("usage: hs trace [--json] [--allow-net] [--backend notif|ptrace] [-o FILE] [--stats]\n"
	      "                -- CMD [ARGS...]\n"
	      "\n"
	      "Runs CMD and every process it starts under the seccomp tracer, then prints its\n"
	      "read set (with the stamp of each object when first read), write set, exec list\n"
	      "and flagged attempts (network, external IPC, setuid exec, ptrace of outsiders,\n"
	      "reading this stdin, denied syscalls). Network attempts are denied unless\n"
	      "--allow-net. Output goes to stderr (or FILE): human-readable, or one JSON object\n"
	      "per line with --json. Exits with CMD's status (128+N if killed by signal N).\n",
	      out);
}

int cmd_trace(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},     {"allow-net", no_argument, NULL, 'n'},
		{"backend", required_argument, NULL, 'b'}, {"output", required_argument, NULL, 'o'},
		{"stats", no_argument, NULL, 's'},    {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct hs_tracer_opts opts = HS_TRACER_OPTS_INIT;
	struct hs_error err = HS_ERROR_INIT;
	const char *outpath = NULL;
	bool json = false, stats = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'n': opts.allow_net = true; break;
		case 's': stats = true; break;
		case 'o': outpath = optarg; break;
		case 'b':
			if (strcmp(optarg, "notif") == 0)
				opts.backend = HS_TRACER_NOTIF;
			else if (strcmp(optarg, "ptrace") == 0)
				opts.backend = HS_TRACER_PTRACE;
			else if (strcmp(optarg, "auto") == 0)
				opts.backend = HS_TRACER_AUTO;
			else
				hs_die(2, "trace: unknown backend '%s' (notif, ptrace, auto)", optarg);
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	FILE *out = stderr;
	if (outpath) {
		out = fopen(outpath, "we");
		if (!out)
			hs_die(2, "trace: %s: %s", outpath, strerror(errno));
	}
	opts.stdin_fd = 0;
	/* Orphans of the tree are reparented to us, so that we can reap them: the listener
	 * hangs up only when every traced task is gone. */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	struct hs_tracer *t = hs_tracer_new(&opts, &err);
	if (!t)
		hs_die(2, "trace: %s", err.msg);
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		hs_die(2, "trace: fork: %s", strerror(errno));
	if (pid == 0) {
		if (hs_tracer_child_install(t) < 0) {
			fprintf(stderr, "hs: trace: installing the tracer: %s\n", strerror(errno));
			_exit(126);
		}
		execvp(argv[optind], argv + optind);
		int e = errno;
		fprintf(stderr, "hs: trace: %s: %s\n", argv[optind], strerror(e));
		_exit(e == ENOENT ? 127 : 126);
	}
	if (hs_tracer_attach(t, pid, &err) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		hs_die(2, "trace: %s", err.msg);
	}
	int status;
	if (hs_tracer_run(t, pid, &status, &err) < 0) {
		kill(pid, SIGKILL);
		hs_die(2, "trace: %s", err.msg);
	}
	hs_tracer_print(t, out, json ? HS_TRACER_PRINT_JSON : HS_TRACER_PRINT_HUMAN);
	if (stats)
		fprintf(stderr, "hs: trace: %llu events, backend %s\n",
			(unsigned long long)hs_tracer_nevents(t),
			hs_tracer_backend_used(t) == HS_TRACER_PTRACE ? "ptrace" : "notif");
	if (out != stderr)
		fclose(out);
	hs_tracer_free(t);
	return status;
}
