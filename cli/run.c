/* hs [options] script.sh [args...]: the sh-compatible front end.
 *
 * hs's own options come first (--shell, --window, --stats, --log, --timeline); from the first
 * other argument on, the command line is the real shell's, exactly as `sh` would take it.
 * With speculation on, the script is rewritten (engine/) and run by the real shell as
 * `shell [opts] -c TEXT arg0 args...` under the scheduler; anything hs cannot handle safely
 * (a script from stdin, -x/-v/-i, unknown options, an unreadable or huge script) is handed to
 * the real shell unchanged, so hs never fails where sh would succeed. */
#include "cli/commands.h"
#include "engine/analyze.h"
#include "engine/rewrite.h"
#include "lib/util.h"
#include "scheduler/scheduler.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* MAX_ARG_STRLEN is 128 KiB; keep room for the runtime prelude. */
#define MAX_SCRIPT (120 * 1024)

static void usage_run(FILE *out)
{
	fputs("usage: hs [hs options] [sh options] script.sh [args...]\n"
	      "       hs [hs options] [sh options] -c 'commands' [arg0 [args...]]\n"
	      "       hs [hs options] [sh options] [-s] < script\n"
	      "\n"
	      "hs options (before any sh option):\n"
	      "  --shell PATH      the real shell (default: dash; bash for bash scripts)\n"
	      "  --window N        speculative runs kept ahead of the shell (0: none, the\n"
	      "                    script runs in the real shell with no overhead)\n"
	      "  --no-stack        start a run only on committed files, never on the changes\n"
	      "                    of a finished run it depends on\n"
	      "  --stats           print nodes, speculated, committed, re-runs and times on\n"
	      "                    stderr at the end\n"
	      "  --log FILE        one JSON line per scheduler event\n"
	      "  --timeline FILE   Chrome trace-event JSON (Perfetto, chrome://tracing)\n"
	      "  -h, --help        this text\n"
	      "sh options are the real shell's: -e -u -x -v -f -C -a, -o NAME, +o NAME ...\n"
	      "Environment: HS_SHELL (default shell), HS_WINDOW (default window).\n",
	      out);
}

struct run_opts {
	const char *shell;
	bool shell_given;
	long window;
	bool no_stack;
	bool stats;
	const char *log_path;
	const char *timeline_path;
};

/* What the sh part of the command line asks for. */
struct sh_cmdline {
	int opt_start, opt_end;  /* argv[opt_start..opt_end) are sh option words */
	bool cmd_mode;           /* -c */
	bool stdin_mode;         /* -s or no script operand */
	bool unsafe;             /* -x, -v, -i, unknown letters...: run unchanged */
	char opts[16];           /* letters in effect for speculative runs (e u f C a) */
	int operand;             /* index of the script path or the -c string; argc if none */
};

static void set_opt(struct sh_cmdline *c, char letter, bool on)
{
	char *p = strchr(c->opts, letter);

	if (on && !p) {
		size_t n = strlen(c->opts);
		if (n + 1 < sizeof(c->opts)) {
			c->opts[n] = letter;
			c->opts[n + 1] = '\0';
		}
	} else if (!on && p) {
		memmove(p, p + 1, strlen(p));
	}
}

static const struct {
	const char *name;
	char letter;
} long_opts[] = {
	{"errexit", 'e'}, {"nounset", 'u'}, {"noglob", 'f'}, {"noclobber", 'C'},
	{"allexport", 'a'}, {"hashall", 'h'}, {"notify", 'b'},
};

static void parse_sh(int argc, char **argv, int i, struct sh_cmdline *c)
{
	memset(c, 0, sizeof(*c));
	c->opt_start = i;
	while (i < argc) {
		const char *a = argv[i];
		bool on = a[0] == '-';

		if ((a[0] != '-' && a[0] != '+') || !a[1])
			break;
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		i++;
		for (const char *p = a + 1; *p; p++) {
			switch (*p) {
			case 'c':
				c->cmd_mode = on;
				break;
			case 's':
				c->stdin_mode = on;
				break;
			case 'e': case 'u': case 'f': case 'C': case 'a':
				set_opt(c, *p, on);
				break;
			case 'h': case 'b':
				break;
			case 'o': {
				size_t k;
				if (i >= argc) {
					c->unsafe = true; /* `-o` alone lists options */
					break;
				}
				for (k = 0; k < HS_ARRAY_SIZE(long_opts); k++)
					if (strcmp(argv[i], long_opts[k].name) == 0)
						break;
				if (k == HS_ARRAY_SIZE(long_opts))
					c->unsafe = true;
				else if (long_opts[k].letter != 'h' && long_opts[k].letter != 'b')
					set_opt(c, long_opts[k].letter, on);
				i++;
				break;
			}
			default:
				c->unsafe = true; /* -x -v -i -n -m ... or unknown: the shell decides */
			}
		}
	}
	c->opt_end = i;
	c->operand = i < argc ? i : argc;
	if (!c->cmd_mode && i >= argc)
		c->stdin_mode = true;
	if (c->cmd_mode && i >= argc)
		c->unsafe = true; /* "-c requires an argument": the shell's message */
}

static bool is_bash_shebang(const char *text)
{
	const char *nl, *p;

	if (strncmp(text, "#!", 2) != 0)
		return false;
	nl = strchr(text, '\n');
	if (!nl)
		nl = text + strlen(text);
	for (p = text + 2; p + 4 <= nl; p++)
		if (strncmp(p, "bash", 4) == 0 && (p + 4 == nl || p[4] == ' ' || p[4] == '\t' ||
						  p[4] == '\r'))
			return p == text + 2 || p[-1] == '/' || p[-1] == ' ';
	return false;
}

/* The first 256 bytes of a script file, for its shebang (NULL when unreadable). */
static char *read_head(const char *path)
{
	char *buf = calloc(1, 257);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	ssize_t n;

	if (!buf || fd < 0) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	n = read(fd, buf, 256);
	close(fd);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The whole script when it is a readable regular file under the size limit, else NULL. */
static char *read_script(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	size_t len;
	char *text;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_SCRIPT)
		return NULL;
	text = hs_read_all(fd, &len);
	if (text && (len > MAX_SCRIPT || strlen(text) != len)) { /* NUL bytes: not for -c */
		free(text);
		return NULL;
	}
	return text;
}

/* The innermost announced for-loop around entry c (skipping while/until and loops the
 * rewriter does not announce), or 0. */
static unsigned announced_loop(const struct hs_analysis *a, unsigned loop)
{
	while (loop) {
		const struct hs_cmd *l = hs_analysis_cmd(a, loop);
		if (!l)
			return 0;
		if (l->kind == HS_CMD_FOR && (l->flags & HS_CMD_F_ANNOUNCED))
			return loop;
		loop = l->loop;
	}
	return 0;
}

/* At most this many assignments before a node are replayed in its speculative runs. */
#define MAX_PRELUDE 16

/* The plain assignments (HS_CMD_ASSIGN, one line, not in an and-or list) that come before
 * entry c in its block: the block of c's innermost announced loop, or the top level. A
 * speculative run replays them, so `name=${f#dir/}` in a loop body before a node needs no
 * prediction. Sets node->prelude (program order) and the variables they read. */
static void node_prelude(const struct hs_analysis *a, const struct hs_cmd *c, unsigned loop,
			 struct hs_sched_node *node)
{
	const struct hs_cmd *anc = c;
	const struct hs_cmd *pick[MAX_PRELUDE];
	size_t n = 0;

	while (anc->parent != loop) {
		anc = hs_analysis_cmd(a, anc->parent);
		if (!anc)
			return;
	}
	for (unsigned id = anc->id - 1; id >= 1 && n < MAX_PRELUDE; id--) {
		const struct hs_cmd *p = hs_analysis_cmd(a, id);
		if (!p || p->parent != loop || p->kind != HS_CMD_ASSIGN ||
		    p->andor_op != HS_ANDOR_FIRST)
			continue;
		const struct hs_cmd *next = hs_analysis_cmd(a, p->end_id + 1);
		if (next && next->parent == loop && next->andor_op != HS_ANDOR_FIRST)
			continue;
		if (memchr(a->src + p->range.start, '\n', p->range.end - p->range.start))
			continue;
		pick[n++] = p;
	}
	if (!n)
		return;
	size_t nvars = 0;
	for (size_t k = 0; k < n; k++)
		nvars += pick[k]->n_vars;
	struct hs_sched_assign *pre = calloc(n, sizeof(*pre));
	const char **vars = calloc(nvars + 1, sizeof(*vars));
	if (!pre || !vars)
		hs_die(2, "out of memory");
	node->prelude = pre;
	node->prelude_reads = vars;
	while (n--) {
		const struct hs_cmd *p = pick[n];
		struct hs_sched_assign *e = &pre[node->nprelude++];
		e->id = p->id;
		e->text = strndup(a->src + p->range.start, p->range.end - p->range.start);
		if (!e->text)
			hs_die(2, "out of memory");
		e->names = (const char **)p->assigns;
		e->nnames = p->n_assigns;
		for (size_t k = 0; k < p->n_vars; k++)
			vars[node->nprelude_reads++] = p->vars[k];
	}
}

/* The scheduler's node and loop tables from the rewriter's analysis. Nodes the scheduler
 * cannot speculate on correctly (function calls, fds above 2, background, unknown reads,
 * assignments other than x=$(cmd)) are marked NOSPEC: the shell runs them. */
static void build_tables(const struct hs_rewrite *rw, struct hs_sched_config *cfg)
{
	const struct hs_analysis *a = rw->analysis;
	struct hs_sched_node *nodes = calloc(a->n + 1, sizeof(*nodes));
	struct hs_sched_loop *loops = calloc(a->n + 1, sizeof(*loops));
	size_t nn = 0, nl = 0;

	if (!nodes || !loops)
		hs_die(2, "out of memory");
	for (size_t i = 0; i < a->n; i++) {
		const struct hs_cmd *c = &a->cmds[i];

		if (c->kind == HS_CMD_FOR && (c->flags & HS_CMD_F_ANNOUNCED)) {
			unsigned parent = announced_loop(a, c->loop);
			loops[nl++] = (struct hs_sched_loop){(int)c->id, c->name,
							     parent ? (int)parent : -1};
		}
		if (!(c->flags & HS_CMD_F_SPECULATE))
			continue;
		struct hs_sched_node *n = &nodes[nn++];
		unsigned loop = announced_loop(a, c->loop);
		char *text = strndup(a->src + c->range.start, c->range.end - c->range.start);
		if (!text)
			hs_die(2, "out of memory");
		n->id = c->id;
		n->text = text;
		n->line = c->range.line;
		n->loop = loop ? (int)loop : -1;
		n->reads = (const char **)c->vars;
		n->nreads = c->n_vars;
		if (!(c->flags & HS_CMD_F_IN_FUNCTION))
			node_prelude(a, c, loop, n);
		if (c->kind == HS_CMD_ASSIGN_SUBST) {
			n->writes = (const char **)c->assigns;
			n->nwrites = c->n_assigns;
		} else if (c->n_assigns) {
			n->flags |= HS_SCHED_NODE_NOSPEC;
		}
		if (c->kind == HS_CMD_CALL || c->n_calls ||
		    (c->flags & (HS_CMD_F_BACKGROUND | HS_CMD_F_READS_UNKNOWN | HS_CMD_F_FD_ABOVE_2 |
				 HS_CMD_F_EXPAND_ASSIGNS | HS_CMD_F_SUBSHELL | HS_CMD_F_BASH |
				 HS_CMD_F_READS_PID | HS_CMD_F_READS_OPTS | HS_CMD_F_READS_STATUS |
				 HS_CMD_F_READS_SHELL)))
			n->flags |= HS_SCHED_NODE_NOSPEC;
		if (c->flags & HS_CMD_F_IN_FUNCTION)
			n->flags |= HS_SCHED_NODE_INFUNC | HS_SCHED_NODE_NOSPEC;
	}
	cfg->nodes = nodes;
	cfg->nnodes = nn;
	cfg->loops = loops;
	cfg->nloops = nl;
}

__attribute__((noreturn)) static void exec_shell(const char *shell, char **argv, int from,
						 int argc)
{
	char **sh_argv = calloc((size_t)(argc - from) + 2, sizeof(char *));

	if (!sh_argv)
		hs_die(2, "out of memory");
	sh_argv[0] = (char *)shell;
	for (int k = from; k < argc; k++)
		sh_argv[k - from + 1] = argv[k];
	execvp(shell, sh_argv);
	hs_die(127, "cannot run the shell %s: %s", shell, strerror(errno));
}

/* Create FILE (truncated) and write text into it, as hs_report_init would create it. */
static void write_report_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || hs_write_full(fd, text, strlen(text)) < 0)
		hs_die(2, "%s: %s", path, strerror(errno));
	if (close(fd) < 0)
		hs_die(2, "%s: %s", path, strerror(errno));
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static volatile pid_t plain_shell_pid;

/* A signal sent to hs alone goes on to the shell; one from the terminal (SI_KERNEL) already
 * reached the whole foreground group, the shell included. */
static void forward_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (si && si->si_code == SI_KERNEL)
		return;
	if (plain_shell_pid > 0)
		kill(plain_shell_pid, sig);
}

static void exit_like(int status) __attribute__((noreturn));

/* Speculation off (a refused script, --window 0, options or input hs does not speculate
 * with, a host that cannot sandbox): the script runs exactly as plain sh would run it,
 * `shell [sh options] FILE args` from the original argv (never `-c TEXT`: dash reads a
 * script file as it runs, which set -v and self-modifying scripts see). --log and
 * --timeline still get their files (no events), written before the shell starts; --stats
 * still gets its counters (all 0) at the end, for which hs waits for the shell instead of
 * becoming it. */
__attribute__((noreturn)) static void run_plain(const struct run_opts *o, char **argv, int from,
						int argc, const char *why)
{
	double t0;
	pid_t pid;
	int status;

	if (o->log_path)
		write_report_file(o->log_path, "");
	if (o->timeline_path)
		write_report_file(o->timeline_path,
				  "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[]}\n");
	if (!o->stats)
		exec_shell(o->shell, argv, from, argc);

	t0 = now_s();
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		hs_die(2, "fork: %s", strerror(errno));
	if (pid == 0)
		exec_shell(o->shell, argv, from, argc);
	plain_shell_pid = pid;

	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
	struct sigaction sa = {.sa_sigaction = forward_signal, .sa_flags = SA_SIGINFO | SA_RESTART};
	sigemptyset(&sa.sa_mask);
	for (size_t k = 0; k < HS_ARRAY_SIZE(sigs); k++)
		sigaction(sigs[k], &sa, NULL);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			hs_die(2, "waitpid: %s", strerror(errno));
	}
	fprintf(stderr,
		"hs: nodes 0 (0 run by the shell), speculated 0, committed 0, re-run 0\n"
		"hs: speculation off: %s\n"
		"hs: time saved 0.000 s (committed speculative work), wasted 0.000 s "
		"(discarded speculative work), wall %.3f s\n",
		why, now_s() - t0);
	exit_like(status);
}

/* Exit the way the shell did: same code, or the same signal. */
static void exit_like(int status)
{
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		sigset_t set;

		signal(sig, SIG_DFL);
		sigemptyset(&set);
		sigaddset(&set, sig);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		fflush(NULL);
		raise(sig);
		_exit(128 + sig);
	}
	fflush(NULL);
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 2);
}

static int parse_long(const char *opt, const char *v)
{
	char *end;
	long w;

	errno = 0;
	w = strtol(v, &end, 10);
	if (!*v || *end || errno || w < 0 || w > 4096)
		hs_die(2, "%s: not a number between 0 and 4096: %s", opt, v);
	return (int)w;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = {0};
	struct sh_cmdline c;
	const char *env_window = getenv("HS_WINDOW");
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int i = 1;

	o.shell = getenv("HS_SHELL");
	o.shell_given = o.shell && *o.shell;
	if (!o.shell_given)
		o.shell = "dash";
	o.window = env_window && *env_window ? parse_long("HS_WINDOW", env_window)
					     : (ncpu > 0 ? 2 * ncpu : 2);
	while (i < argc) {
		const char *a = argv[i];
		const char *eq = strchr(a, '=');
		size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
		const char *val = eq ? eq + 1 : (i + 1 < argc ? argv[i + 1] : NULL);
		int used = eq ? 1 : 2;

#define IS(name) (strlen(name) == nlen && strncmp(a, name, nlen) == 0)
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 ||
			   strcmp(a, "--help-run") == 0) {
			usage_run(stdout);
			return 0;
		} else if (strcmp(a, "--stats") == 0) {
			o.stats = true;
			i++;
		} else if (strcmp(a, "--no-stack") == 0) {
			o.no_stack = true;
			i++;
		} else if (IS("--shell") || IS("--window") || IS("--log") || IS("--timeline")) {
			if (!val)
				hs_die(2, "%.*s needs a value", (int)nlen, a);
			if (IS("--shell")) {
				o.shell = val;
				o.shell_given = true;
			} else if (IS("--window")) {
				o.window = parse_long("--window", val);
			} else if (IS("--log")) {
				o.log_path = val;
			} else {
				o.timeline_path = val;
			}
			i += used;
		} else if (strncmp(a, "--", 2) == 0) {
			hs_warn("unknown option: %s", a);
			usage_run(stderr);
			return 2;
		} else {
			break;
		}
#undef IS
	}

	parse_sh(argc, argv, i, &c);

	/* The shell: bash for a bash script (shebang), unless one was named. */
	const char *script_path = !c.cmd_mode && !c.stdin_mode ? argv[c.operand] : NULL;
	if (script_path && !o.shell_given) {
		_cleanup_free_ char *head = read_head(script_path);
		if (head && is_bash_shebang(head))
			o.shell = "bash";
	}

	if (o.window == 0)
		run_plain(&o, argv, i, argc, "--window 0");
	if (c.unsafe)
		run_plain(&o, argv, i, argc, "sh options hs does not speculate with");
	if (c.stdin_mode)
		run_plain(&o, argv, i, argc, "the script comes from stdin");

	_cleanup_free_ char *text = NULL;
	if (c.cmd_mode) {
		text = strlen(argv[c.operand]) <= MAX_SCRIPT ? strdup(argv[c.operand]) : NULL;
	} else {
		text = read_script(script_path);
	}
	if (!text)
		run_plain(&o, argv, i, argc, "the script is unreadable, not a file or over 120 KiB");

	struct hs_error err = HS_ERROR_INIT;
	if (!hs_sched_probe(&err)) {
		/* The host cannot sandbox or trace: say so once, run plainly. */
		if (err.code != ENOSYS)
			hs_warn("speculation off: %s", err.msg);
		run_plain(&o, argv, i, argc, err.msg);
	}

	size_t text_len = strlen(text);
	struct hs_rewrite *rw = hs_rewrite_script(text, text_len, script_path ? script_path : "-c",
						  0, &err);
	if (!rw)
		hs_die(2, "%s", err.msg);
	/* A bash-only construct the parser saw: bash runs it (unless a shell was named). */
	if (!o.shell_given && rw->analysis) {
		for (size_t k = 0; k < rw->analysis->n; k++)
			if (rw->analysis->cmds[k].flags & HS_CMD_F_BASH)
				o.shell = "bash";
	}

	if (rw->refused) {
		if (getenv("HS_DEBUG"))
			hs_warn("runs unchanged: %s (%s)", rw->refused, rw->refused_where);
		run_plain(&o, argv, i, argc, rw->refused);
	}
	/* shell [sh options] -c TEXT arg0 args: in -c mode the options already hold the c and
	 * the operand is the command string; for a script file, -c is added and the path
	 * becomes $0, which is what `sh script.sh` would make it. */
	char **sh_argv = calloc((size_t)argc + 4, sizeof(char *));
	int n = 0;
	if (!sh_argv)
		hs_die(2, "out of memory");
	sh_argv[n++] = (char *)o.shell;
	for (int k = c.opt_start; k < c.opt_end; k++)
		sh_argv[n++] = argv[k];
	if (!c.cmd_mode)
		sh_argv[n++] = (char *)"-c";
	sh_argv[n++] = rw->text;
	for (int k = c.operand + (c.cmd_mode ? 1 : 0); k < argc; k++)
		sh_argv[n++] = argv[k];
	sh_argv[n] = NULL;

	struct hs_sched_config cfg = {
		.shell = o.shell,
		.argv = sh_argv,
		.arg0 = c.cmd_mode ? (c.operand + 1 < argc ? argv[c.operand + 1] : o.shell)
				   : script_path,
		.opts = c.opts,
		.window = (unsigned)o.window,
		.no_stack = o.no_stack,
		.stats = o.stats ? stderr : NULL,
		.log_path = o.log_path,
		.timeline_path = o.timeline_path,
	};
	if (rw->analysis)
		build_tables(rw, &cfg);
	int status = hs_sched_run(&cfg, &err);
	if (status < 0)
		hs_die(2, "%s", err.msg);
	free(sh_argv);
	exit_like(status);
}
