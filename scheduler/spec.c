/* Speculation: the node graph with loop iterations, predicted shell state, a window of
 * speculative runs, validation when the shell reaches a node, commit in program order,
 * output replay, and the "run" path.
 *
 * Position: the shell is at node N in iteration i of each enclosing announced for-loop
 * ("N@inst:i/..."). From there, the predicted sequence goes on in program order (node table
 * order), into the next iteration of a loop whose word list is known, and out of it; it stops
 * where the future cannot be predicted (an unannounced loop entry, a state-changing node
 * whose outcome is unknown). Each position of the sequence gets a job (a speculative run on
 * the predicted state); jobs no longer in the sequence are discarded. When the shell reaches
 * a position, its job is validated (state equal to the prediction, every read stamp still
 * live, nothing uncapturable) and committed, or discarded and the shell runs the node. */
#include "scheduler/loop.h"
#include "scheduler/runner.h"

#include "lib/state.h"
#include "lib/syscalls.h"
#include "lib/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_DEPTH 8
/* How far ahead of the shell the sequence looks, in positions, per window slot. */
#define HORIZON_PER_SLOT 4
#define MAX_RESTARTS 3
#define PROBE_AFTER 8
/* A node the shell ran in less than this is not worth a sandbox (setup and commit cost a
 * few ms, more with runs side by side): it is left to the shell from then on. */
#define MIN_SPEC_US 10000.0
/* A node the shell ran this many times in a row, each quicker than MIN_SPEC_US, is run by
 * the shell without asking (the "run N" reply): only a "ran" message says it did. */
#define QUIET_AFTER 3
/* A run the shell reaches less than this after it started is dropped, not waited for. */
#define JUST_STARTED_US 15000.0

#ifndef KCMP_FILE
#define KCMP_FILE 0
#endif

struct level {
	int loop;
	unsigned inst;
	long iter;
};

struct pos {
	unsigned node;
	unsigned depth;
	struct level lv[MAX_DEPTH]; /* outermost first */
};

struct loopinst {
	int loop;
	unsigned inst;
	size_t nwords;
	char **words;
	long iter; /* -1 before the first iteration */
};

enum job_state { JOB_RUNNING, JOB_DONE, JOB_BROKEN };

struct job {
	struct job *next;
	char key[160];
	struct pos pos;
	const struct hs_sched_node *node;
	struct hs_shstate pred;
	struct hs_runner *r;
	int out_fd, err_fd, state_fd; /* err_fd == out_fd when shared */
	enum job_state state;
	const char *broken_why;
	int status;
	bool has_post;
	struct hs_shstate post; /* pwd + written variables */
	double start_us, end_us;
	unsigned lane;
	uint64_t tag;
	int watched[2]; /* the runner's fds in the loop's epoll set, -1 when not */
	bool seen; /* still in the latest predicted sequence */
	/* Prelude entries the shell has already run with their effects in the prediction (bit
	 * i: node->prelude[i]; left out of the run), and whether any is replayed (the run then
	 * reports its environment after them: it is what validation compares). */
	uint32_t prelude_done;
	bool replays;
};

struct spec_state {
	bool enabled;
	char *shell_path;
	const struct hs_sched_node **by_id;
	size_t nby_id;
	unsigned *order; /* node ids in program order */
	size_t norder;
	struct loopinst stack[MAX_DEPTH];
	unsigned depth;
	unsigned next_inst;
	struct hs_shstate known; /* latest value of every variable ever reported */
	struct hs_shstate cur;   /* state reported at the latest node */
	bool have_cur;
	struct pos cur_pos;
	bool cur_pos_valid;
	/* Outcome of the latest node: 0 unknown (run by the shell, or a state-changing node not
	 * yet done), 1 known (no state change, or committed with its post-state in cur_post). */
	int cur_outcome;
	bool cur_has_post;
	struct hs_shstate cur_post;
	struct job *jobs;
	unsigned running;
	/* Adaptive window: halved by each run thrown away (stale read, state), grown by each
	 * commit; at 0, a probe of 1 after PROBE_AFTER nodes run by the shell. Scripts whose
	 * nodes keep conflicting (appends to one log) then cost little more than plain sh. */
	unsigned eff_window;
	unsigned since_probe;
	double *shell_us; /* by node id: how long the shell took to run it last, 0: unknown */
	unsigned char *quick_runs; /* by node id: its latest shell runs in a row under MIN_SPEC_US */
	/* By node id: the earlier node it reads what it writes (HS_DEP_ANY: several, or not
	 * known which), from the text (deps.c) or because a run of it went stale. Later runs of
	 * it start only once that node has taken effect, which a run cannot see before
	 * (years.sh: the analyses of a year read what its tar extracts). */
	unsigned *dep_on;
	unsigned ncpu; /* stacked runs only on an idle CPU (they compete with the shell's work) */
	unsigned *pending; /* scratch for hs_spec_schedule: the nodes not yet taken effect */
	struct job **pending_job; /* and their jobs (NULL: none) */
	uint64_t next_tag;
	unsigned long lanes; /* bitmap of busy timeline lanes */
	/* The node the shell waits on while its job still runs. */
	struct job *awaited;
	struct hs_msg await_msg;
	/* A node the shell runs itself: for the timeline and re-validation. */
	bool shell_running;
	unsigned shell_node;
	double shell_start_us;
	char *postdir;
	char *post_file;
	pid_t shell_pid;
	char why_buf[512];
};

/* ---- node table ---- */

static const struct hs_sched_node *node_by_id(const struct spec_state *sp, unsigned id)
{
	return id < sp->nby_id ? sp->by_id[id] : NULL;
}

static const struct hs_sched_loop *loop_by_id(const struct hs_sched_config *cfg, int id)
{
	for (size_t i = 0; i < cfg->nloops; i++)
		if (cfg->loops[i].id == id)
			return &cfg->loops[i];
	return NULL;
}

/* The loops around a node, outermost first. Returns the depth, or -1 when too deep or the
 * table is inconsistent. */
static int loop_chain(const struct hs_sched_config *cfg, int loop, int chain[MAX_DEPTH])
{
	int tmp[MAX_DEPTH], n = 0;

	while (loop >= 0) {
		const struct hs_sched_loop *l = loop_by_id(cfg, loop);
		if (!l || n == MAX_DEPTH)
			return -1;
		tmp[n++] = loop;
		loop = l->parent;
	}
	for (int i = 0; i < n; i++)
		chain[i] = tmp[n - 1 - i];
	return n;
}

static bool loop_contains(const struct hs_sched_config *cfg, int outer, int inner)
{
	while (inner >= 0) {
		if (inner == outer)
			return true;
		const struct hs_sched_loop *l = loop_by_id(cfg, inner);
		inner = l ? l->parent : -1;
	}
	return false;
}

static struct loopinst *stack_find(struct spec_state *sp, int loop)
{
	for (unsigned i = sp->depth; i-- > 0;)
		if (sp->stack[i].loop == loop)
			return &sp->stack[i];
	return NULL;
}

static struct loopinst *stack_find_inst(struct spec_state *sp, unsigned inst)
{
	for (unsigned i = 0; i < sp->depth; i++)
		if (sp->stack[i].inst == inst)
			return &sp->stack[i];
	return NULL;
}

static void stack_pop_to(struct spec_state *sp, unsigned depth)
{
	while (sp->depth > depth) {
		struct loopinst *li = &sp->stack[--sp->depth];
		for (size_t i = 0; i < li->nwords; i++)
			free(li->words[i]);
		free(li->words);
		memset(li, 0, sizeof(*li));
	}
}

static void pos_key(const struct pos *p, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%u", p->node);

	for (unsigned i = 0; i < p->depth && n > 0 && (size_t)n < len; i++)
		n += snprintf(buf + n, len - (size_t)n, "%s%u:%ld", i ? "/" : "@", p->lv[i].inst,
			      p->lv[i].iter + 1);
}

/* The iteration label for logs: "2" or "1.3" (1-based), "" outside loops. */
static void pos_iter(const struct pos *p, char *buf, size_t len)
{
	int n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < p->depth && n >= 0 && (size_t)n < len; i++)
		n += snprintf(buf + n, len - (size_t)n, "%s%ld", i ? "." : "", p->lv[i].iter + 1);
}

/* Index of a node id in program order, or -1. */
static long order_index(const struct spec_state *sp, unsigned id)
{
	for (size_t i = 0; i < sp->norder; i++)
		if (sp->order[i] == id)
			return (long)i;
	return -1;
}

/* The first node of loop L's body (program order), or -1. */
static long loop_first(const struct spec_state *sp, const struct hs_sched_config *cfg, int loop)
{
	for (size_t i = 0; i < sp->norder; i++) {
		const struct hs_sched_node *n = node_by_id(sp, sp->order[i]);
		if (n && loop_contains(cfg, loop, n->loop))
			return (long)i;
	}
	return -1;
}

/* The position after p, with the loop variable it assigns (name, value) when it starts an
 * iteration. Returns false where the future cannot be predicted. */
static bool pos_next(struct spec_state *sp, const struct hs_sched_config *cfg,
		     const struct pos *p, struct pos *out, const char **var, const char **val)
{
	long idx = order_index(sp, p->node);
	const struct hs_sched_node *cur = node_by_id(sp, p->node);
	const struct hs_sched_node *nx;
	struct pos q = *p;

	*var = *val = NULL;
	if (idx < 0 || !cur)
		return false;
	nx = (size_t)(idx + 1) < sp->norder ? node_by_id(sp, sp->order[idx + 1]) : NULL;
	int loop = cur->loop;
	for (;;) {
		if (nx && nx->loop == loop) {
			q.node = nx->id;
			*out = q;
			return true;
		}
		if (nx && loop_contains(cfg, loop, nx->loop)) {
			/* Entering an inner loop: only when it is announced and not yet entered
			 * from here (the shell is about to run it). */
			const struct hs_sched_loop *inner = loop_by_id(cfg, nx->loop);
			struct loopinst *li = stack_find(sp, nx->loop);
			if (!inner || inner->parent != loop || !li || q.depth == MAX_DEPTH)
				return false;
			bool in_pos = false;
			for (unsigned i = 0; i < q.depth; i++)
				if (q.lv[i].inst == li->inst)
					in_pos = true;
			if (in_pos || li->nwords == 0)
				return false;
			/* The instance must belong to the enclosing iterations of q. */
			long it = li->iter < 0 ? 0 : li->iter;
			q.lv[q.depth++] = (struct level){nx->loop, li->inst, it};
			q.node = nx->id;
			*var = inner->var;
			*val = li->words[it];
			*out = q;
			return true;
		}
		/* nx is outside `loop`: the current iteration of `loop` ends here. */
		if (loop < 0 || q.depth == 0)
			return false;
		struct level *lv = &q.lv[q.depth - 1];
		struct loopinst *li = stack_find_inst(sp, lv->inst);
		const struct hs_sched_loop *L = loop_by_id(cfg, loop);
		if (!li || !L || lv->loop != loop)
			return false;
		if ((size_t)(lv->iter + 1) < li->nwords) {
			long first = loop_first(sp, cfg, loop);
			const struct hs_sched_node *fn = first >= 0 ? node_by_id(sp, sp->order[first])
								    : NULL;
			if (!fn || fn->loop != loop)
				return false;
			lv->iter++;
			q.node = fn->id;
			*var = L->var;
			*val = li->words[lv->iter];
			*out = q;
			return true;
		}
		/* The loop is over: continue after it, one level up. */
		q.depth--;
		loop = L->parent;
	}
}

/* ---- state prediction ---- */

static int apply_post(struct hs_shstate *st, const struct hs_shstate *post)
{
	if (post->pwd) {
		char *p = strdup(post->pwd);
		if (!p)
			return -1;
		free(st->pwd);
		st->pwd = p;
	}
	for (size_t i = 0; i < post->nvars; i++)
		if (hs_shstate_setvar(st, post->vars[i].name,
				      post->vars[i].set ? post->vars[i].value : NULL) < 0)
			return -1;
	return 0;
}

static void note_known(struct spec_state *sp, const struct hs_shstate *st)
{
	for (size_t i = 0; i < st->nvars; i++)
		if (st->vars[i].name)
			hs_shstate_setvar(&sp->known, st->vars[i].name,
					  st->vars[i].set ? st->vars[i].value : NULL);
}

/* The state a node at some position is predicted to see: the running state (the latest
 * report plus the effects in between), with the node's variables taken from it, else from
 * the latest value ever reported, else unset. */
static int predict_for(struct spec_state *sp, const struct hs_shstate *running,
		       const struct hs_sched_node *node, struct hs_shstate *out)
{
	struct hs_shstate base = *running;

	base.nvars = 0;
	base.vars = NULL;
	if (hs_shstate_copy(out, &base) < 0)
		return -1;
	/* The node's variables, and those its prelude reads (the prelude's own results are
	 * what the run reports, not predictions). */
	for (size_t i = 0; i < node->nreads + node->nprelude_reads; i++) {
		const char *name = i < node->nreads ? node->reads[i]
						    : node->prelude_reads[i - node->nreads];
		const struct hs_var *v = hs_shstate_var(running, name);
		if (!v)
			v = hs_shstate_var(&sp->known, name);
		if (hs_shstate_setvar(out, name, v && v->set ? v->value : NULL) < 0) {
			hs_shstate_release(out);
			return -1;
		}
	}
	return 0;
}

/* ---- jobs ---- */

static struct job *job_find(struct spec_state *sp, const char *key)
{
	for (struct job *j = sp->jobs; j; j = j->next)
		if (strcmp(j->key, key) == 0)
			return j;
	return NULL;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void job_unlink(struct spec_state *sp, struct job *j)
{
	for (struct job **pp = &sp->jobs; *pp; pp = &(*pp)->next) {
		if (*pp == j) {
			*pp = j->next;
			return;
		}
	}
}

/* Stop watching the runner's fds that it no longer lists (all of them when all): the
 * listener once the trace is final (it is kept open, hung up); the wait fd once closed,
 * which took it out of the epoll set already (its number may be reused since). */
static void job_sync_watch(struct sched *s, struct job *j, bool all)
{
	int fds[2] = {-1, -1};

	if (j->r)
		hs_runner_fds(j->r, fds);
	for (int i = 0; i < 2; i++) {
		if (j->watched[i] < 0 || (!all && fds[i] == j->watched[i]))
			continue;
		bool open = i == 0 ? j->r != NULL : fds[1] == j->watched[1];
		if (open)
			hs_sched_unwatch(s, j->watched[i]);
		j->watched[i] = -1;
	}
}

static void job_stop_watch(struct sched *s, struct job *j)
{
	job_sync_watch(s, j, true);
}

/* Free a job; `used` says whether its work counts as saved or as wasted. */
static void job_free(struct sched *s, struct job *j, bool used, const char *why)
{
	struct spec_state *sp = s->spec;
	char name[200];
	double end = j->state == JOB_RUNNING ? hs_report_now_us() : j->end_us;

	job_unlink(sp, j);
	if (j->state == JOB_RUNNING && sp->running > 0)
		sp->running--;
	if (j->start_us > 0) {
		if (used)
			s->report.saved_us += end - j->start_us;
		else
			s->report.wasted_us += end - j->start_us;
		snprintf(name, sizeof(name), "node %s", j->key);
		hs_report_span(&s->report, j->lane, name, "speculation", j->start_us, end,
			       used ? "committed" : (why ? why : "discarded"));
	}
	if (!used && why) {
		char iter[64];
		pos_iter(&j->pos, iter, sizeof(iter));
		hs_report_log(&s->report, "discard", j->pos.node, iter, "\"reason\":\"%s\"", why);
	}
	if (j->lane > 0 && j->lane <= 8 * sizeof(sp->lanes))
		sp->lanes &= ~(1ul << (j->lane - 1));
	job_stop_watch(s, j);
	hs_runner_free(j->r);
	if (j->err_fd != j->out_fd)
		close_fd(&j->err_fd);
	close_fd(&j->out_fd);
	close_fd(&j->state_fd);
	hs_shstate_release(&j->pred);
	hs_shstate_release(&j->post);
	if (sp->awaited == j)
		sp->awaited = NULL;
	free(j);
}

static int make_memfd(const char *name)
{
	return (int)syscall(SYS_memfd_create, name, MFD_CLOEXEC);
}

static char *strv_join_env(char ***envp, const char *name, const char *value)
{
	size_t n = 0;
	char *e;

	while ((*envp)[n])
		n++;
	char **ne = realloc(*envp, (n + 2) * sizeof(char *));
	if (!ne)
		return NULL;
	*envp = ne;
	if (asprintf(&e, "%s=%s", name, value) < 0)
		return NULL;
	ne[n] = e;
	ne[n + 1] = NULL;
	return e;
}

struct sbuf {
	char *s;
	size_t len, cap;
	bool failed;
};

static void sb_add(struct sbuf *b, const char *s)
{
	size_t n = strlen(s);

	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *ns = realloc(b->s, cap);
		if (!ns) {
			b->failed = true;
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
}

/* Append ` "${NAME+1}" "${NAME-}"`: whether NAME is set, and its value (reported on fd 9). */
static void sb_add_var(struct sbuf *b, const char *name)
{
	sb_add(b, " \"${");
	sb_add(b, name);
	sb_add(b, "+1}\" \"${");
	sb_add(b, name);
	sb_add(b, "-}\"");
}

static bool exported(char *const *envp, const char *name)
{
	size_t n = strlen(name);

	for (; envp && *envp; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return true;
	return false;
}

static bool valid_name(const char *s)
{
	if (!*s || (*s >= '0' && *s <= '9'))
		return false;
	for (; *s; s++)
		if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9')))
			return false;
	return true;
}

/* The speculative shell's script: set the predicted variables (values travel in the
 * environment, so the script has no newline of its own before the node), the options and
 * umask, then the node's text on its original line (so the shell's messages carry the
 * same line number), then the post-state on fd 9. */
static char *build_script(const struct job *j, char ***envp)
{
	const struct hs_sched_node *node = j->node;
	const struct hs_shstate *pred = &j->pred;
	struct sbuf b = {0};
	char opts[16] = "";
	size_t no = 0;

	for (size_t i = 0; i < pred->nvars; i++) {
		const struct hs_var *v = &pred->vars[i];
		if (!valid_name(v->name))
			return NULL;
		/* The environment is the shell's export -p at the latest report: fresher than a
		 * value remembered from an older one (and `unset PATH` would lose it). */
		if (exported(*envp, v->name))
			continue;
		if (v->set) {
			char envname[300];
			snprintf(envname, sizeof(envname), "__hs_v_%s", v->name);
			if (!strv_join_env(envp, envname, v->value))
				return NULL;
			sb_add(&b, v->name);
			sb_add(&b, "=$");
			sb_add(&b, envname);
			sb_add(&b, "; unset ");
			sb_add(&b, envname);
			sb_add(&b, "; ");
		} else {
			sb_add(&b, "unset ");
			sb_add(&b, v->name);
			sb_add(&b, "; ");
		}
	}
	if (pred->umask && *pred->umask) {
		char um[32];
		snprintf(um, sizeof(um), "umask %.8s; ", pred->umask);
		char *nl = strchr(um, '\n');
		if (nl)
			memcpy(nl, "; ", 3);
		sb_add(&b, um);
	}
	for (const char *o = pred->opts ? pred->opts : ""; *o && no + 1 < sizeof(opts); o++)
		if (strchr("eufCa", *o))
			opts[no++] = *o;
	opts[no] = '\0';
	if (no) {
		sb_add(&b, "set -");
		sb_add(&b, opts);
		sb_add(&b, "; ");
	}
	/* The assignments before the node, then the values the node will see (and, after an
	 * assignment, the environment): they replace the predicted ones (job_read_post) and
	 * are what validation compares. */
	for (size_t i = 0; i < node->nprelude; i++) {
		if (j->prelude_done & (1u << i))
			continue;
		sb_add(&b, node->prelude[i].text);
		sb_add(&b, "; ");
	}
	sb_add(&b, "{ printf '%s\\0' x");
	for (size_t i = 0; i < node->nreads; i++) {
		if (!valid_name(node->reads[i]))
			continue;
		sb_add_var(&b, node->reads[i]);
	}
	sb_add(&b, j->replays ? "; export -p; printf '\\0'; } >&9; " : "; } >&9; ");
	for (unsigned l = 1; l < node->line; l++)
		sb_add(&b, "\n");
	sb_add(&b, "{ ");
	sb_add(&b, node->text);
	sb_add(&b, "\n} 9>&-\n__hs_st=$?; set +eu; printf '%s\\0' \"$__hs_st\" \"$PWD\"");
	for (size_t i = 0; i < node->nwrites; i++) {
		if (!valid_name(node->writes[i])) {
			free(b.s);
			return NULL;
		}
		sb_add_var(&b, node->writes[i]);
	}
	sb_add(&b, " >&9\n");
	if (b.failed) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

/* Whether the shell's fds 1 and 2 are one open file (then one capture keeps their order). */
/* Wait until the shell's fd 1 is no longer its runtime socket (fd 9): the runtime sends each
 * message from `{ ...; } >&9`, and dash restores fd 1 only after the message is out, so the
 * scheduler can see a message while the shell's stdout is still the socket. Output replayed
 * then would go back to the scheduler itself. Returns false if it does not settle. */
static bool shell_fds_settled(pid_t pid)
{
	for (int i = 0; i < 20000; i++) {
		if (syscall(SYS_kcmp, pid, pid, KCMP_FILE, 1, 9) != 0)
			return true;
		usleep(10);
	}
	return false;
}

static bool shell_out_shared(pid_t pid)
{
	shell_fds_settled(pid);
	return syscall(SYS_kcmp, pid, pid, KCMP_FILE, 1, 2) == 0;
}

static unsigned lane_take(struct spec_state *sp)
{
	for (unsigned i = 0; i < 8 * sizeof(sp->lanes); i++) {
		if (!(sp->lanes & (1ul << i))) {
			sp->lanes |= 1ul << i;
			return i + 1;
		}
	}
	return 8 * sizeof(sp->lanes);
}

/* Start j's run, stacked on base's (NULL: none; base's job may go before j: its runner
 * stays while j's runs). */
static int job_start(struct sched *s, struct job *j, const struct job *base)
{
	struct spec_state *sp = s->spec;
	struct hs_error err = HS_ERROR_INIT;
	char **envp = hs_exports_to_envp(j->pred.exports ? j->pred.exports : "", &err);
	char *script = NULL;
	char iter[64];
	int rc = -1;

	pos_iter(&j->pos, iter, sizeof(iter));
	if (!envp)
		goto out;
	script = build_script(j, &envp);
	if (!script) {
		hs_error_set(&err, 0, "cannot build the run's script");
		goto out;
	}
	j->out_fd = make_memfd("hs-out");
	j->err_fd = shell_out_shared(sp->shell_pid) ? j->out_fd : make_memfd("hs-err");
	j->state_fd = make_memfd("hs-state");
	if (j->out_fd < 0 || j->err_fd < 0 || j->state_fd < 0) {
		hs_error_errno(&err, "memfd");
		goto out;
	}
	size_t npos = j->pred.npos;
	char **argv = calloc(npos + 5, sizeof(char *));
	if (!argv)
		goto out;
	argv[0] = sp->shell_path;
	argv[1] = (char *)"-c";
	argv[2] = script;
	argv[3] = (char *)(s->cfg->arg0 ? s->cfg->arg0 : s->cfg->shell);
	for (size_t i = 0; i < npos; i++)
		argv[4 + i] = j->pred.pos[i];
	struct hs_run_req req = {
		.argv = argv,
		.envp = envp,
		.cwd = j->pred.pwd,
		.out_fd = j->out_fd,
		.err_fd = j->err_fd,
		.state_fd = j->state_fd,
		.base = base ? base->r : NULL,
	};
	j->start_us = hs_report_now_us();
	j->r = hs_runner_start(&req, &err);
	free(argv);
	if (!j->r)
		goto out;
	hs_runner_fds(j->r, j->watched);
	for (int i = 0; i < 2; i++)
		if (j->watched[i] >= 0 && hs_sched_watch(s, j->watched[i], j->tag) < 0)
			j->watched[i] = -1;
	j->state = JOB_RUNNING;
	j->lane = lane_take(sp);
	sp->running++;
	s->report.speculated++;
	if (base)
		hs_report_log(&s->report, "start", j->pos.node, iter,
			      "\"key\":\"%s\",\"lane\":%u,\"stacked_on\":\"%s\"", j->key, j->lane,
			      base->key);
	else
		hs_report_log(&s->report, "start", j->pos.node, iter, "\"key\":\"%s\",\"lane\":%u",
			      j->key, j->lane);
	rc = 0;
out:
	if (rc < 0) {
		j->state = JOB_BROKEN;
		j->broken_why = "setup failed";
		j->end_us = hs_report_now_us();
		/* Human text: quotes, backslashes and controls become plain characters. */
		for (char *c = err.msg; *c; c++)
			if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20)
				*c = *c == '"' ? '\'' : ' ';
		hs_report_log(&s->report, "start-failed", j->pos.node, iter, "\"error\":\"%s\"",
			      err.msg[0] ? err.msg : "unknown");
		if (getenv("HS_DEBUG"))
			hs_warn("speculative run of node %s: %s", j->key, err.msg);
	}
	hs_strv_free(envp);
	free(script);
	return rc;
}

/* Parse the post-state the run wrote on fd 9: status, PWD, then (set, value) per written
 * variable. */
static void job_read_post(struct job *j)
{
	size_t len = 0;
	char *buf;

	if (lseek(j->state_fd, 0, SEEK_SET) < 0 || !(buf = hs_read_all(j->state_fd, &len)))
		return;
	const char *p = buf, *end = buf + len;
	const char *fields[1 + 2 * 64 + 2 + 2 * 64];
	const char **f = fields;
	size_t nf = 0, nseen = 0;
	while (p < end && nf < HS_ARRAY_SIZE(fields)) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		if (!nul)
			break;
		fields[nf++] = p;
		p = nul + 1;
	}
	/* First "x" and (set, value) per read variable, as the run saw them: they become the
	 * prediction that validation checks. */
	for (size_t i = 0; i < j->node->nreads; i++)
		if (valid_name(j->node->reads[i]))
			nseen++;
	if (nf < 1 + 2 * nseen || strcmp(fields[0], "x") != 0) {
		free(buf);
		return;
	}
	for (size_t i = 0, k = 1; i < j->node->nreads; i++) {
		if (!valid_name(j->node->reads[i]))
			continue;
		if (hs_shstate_setvar(&j->pred, j->node->reads[i],
				      fields[k][0] == '1' ? fields[k + 1] : NULL) < 0) {
			free(buf);
			return;
		}
		k += 2;
	}
	f += 1 + 2 * nseen;
	nf -= 1 + 2 * nseen;
	if (j->replays) {
		char *ex = nf ? strdup(f[0]) : NULL;
		if (!ex) {
			free(buf);
			return;
		}
		free(j->pred.exports);
		j->pred.exports = ex;
		f++;
		nf--;
	}
	if (nf == 2 + 2 * j->node->nwrites) {
		j->status = atoi(f[0]);
		j->post.pwd = strdup(f[1]);
		j->has_post = j->post.pwd != NULL;
		for (size_t i = 0; i < j->node->nwrites && j->has_post; i++)
			if (hs_shstate_setvar(&j->post, j->node->writes[i],
					      f[2 + 2 * i][0] == '1' ? f[3 + 2 * i] : NULL) < 0)
				j->has_post = false;
	}
	free(buf);
}

static void job_finished(struct sched *s, struct job *j)
{
	struct spec_state *sp = s->spec;
	char iter[64];

	job_stop_watch(s, j);
	j->state = JOB_DONE;
	j->end_us = hs_report_now_us();
	if (sp->running > 0)
		sp->running--;
	job_read_post(j);
	pos_iter(&j->pos, iter, sizeof(iter));
	hs_report_log(&s->report, "finish", j->pos.node, iter,
		      "\"key\":\"%s\",\"status\":%d,\"completed\":%s,\"ms\":%.3f", j->key,
		      hs_runner_status(j->r), j->has_post ? "true" : "false",
		      (j->end_us - j->start_us) / 1000.0);
}

/* ---- answering the shell ---- */

/* A run thrown away: one more re-run; shrink: halve the window (once per event, however
 * many runs it throws away: one commit can make every run of a loop's next iteration
 * stale, and learning that must not stop speculation). */
static void count_rerun(struct sched *s, const char *why, bool shrink)
{
	if (shrink)
		s->spec->eff_window /= 2;
	s->report.rerun++;
	hs_report_reason(&s->report, why);
}

/* The shell runs node id itself, from now. */
static void shell_runs(struct sched *s, unsigned id, const char *why, bool rerun)
{
	struct spec_state *sp = s->spec;
	char iter[64] = "";

	if (sp->cur_pos_valid)
		pos_iter(&sp->cur_pos, iter, sizeof(iter));
	s->report.run_by_shell++;
	if (sp->eff_window == 0 && ++sp->since_probe >= PROBE_AFTER) {
		sp->eff_window = 1;
		sp->since_probe = 0;
	}
	if (rerun)
		count_rerun(s, why, true);
	hs_report_log(&s->report, rerun ? "re-run" : "run", id, iter, "\"reason\":\"%s\"", why);
	sp->shell_running = true;
	sp->shell_node = id;
	sp->shell_start_us = hs_report_now_us();
	const struct hs_sched_node *node = node_by_id(sp, id);
	sp->cur_outcome = node && (node->flags & HS_SCHED_NODE_CD || node->nwrites) ? 0 : 1;
	sp->cur_has_post = false;
}

/* Whether the shell may run node id from now on without asking: it changes no shell state,
 * and the scheduler would answer "run" anyway (never speculated, or quick every time). Its
 * runs are still reported ("ran"), and the runtime asks again every 64 of them, so a node
 * that turns slow is seen. */
static bool quiet(const struct spec_state *sp, unsigned id)
{
	const struct hs_sched_node *node = node_by_id(sp, id);
	return node && !(node->flags & HS_SCHED_NODE_CD) && !node->nwrites &&
	       ((node->flags & HS_SCHED_NODE_NOSPEC) || sp->quick_runs[id] >= QUIET_AFTER);
}

static void reply_run(struct sched *s, const struct hs_msg *m, const char *why, bool rerun)
{
	char line[32];

	shell_runs(s, m->id, why, rerun);
	if (quiet(s->spec, m->id))
		snprintf(line, sizeof(line), "run %u\n", m->id);
	else
		snprintf(line, sizeof(line), "run\n");
	hs_sched_reply(s, line);
}

/* Copy a capture to the shell's fd (taken from the shell with pidfd_getfd, so it is the
 * very open file, offset included). */
static int replay(int from, int to)
{
	char buf[65536];
	off_t off = 0;
	ssize_t n;

	while ((n = pread(from, buf, sizeof(buf), off)) > 0) {
		if (hs_write_full(to, buf, (size_t)n) < 0)
			return -1;
		off += n;
	}
	return n < 0 ? -1 : 0;
}

/* Write the post-state file the shell sources: assignments and cd, builtins only. */
static char *write_post_file(struct spec_state *sp, const struct job *j, const char *cur_pwd)
{
	struct sbuf b = {0};
	char *path;

	for (size_t i = 0; i < j->post.nvars; i++) {
		const struct hs_var *v = &j->post.vars[i];
		if (v->set) {
			char *q = hs_shquote(v->value);
			if (!q)
				return NULL;
			sb_add(&b, v->name);
			sb_add(&b, "=");
			sb_add(&b, q);
			sb_add(&b, "\n");
			free(q);
		} else {
			sb_add(&b, "unset ");
			sb_add(&b, v->name);
			sb_add(&b, "\n");
		}
	}
	if (j->post.pwd && cur_pwd && strcmp(j->post.pwd, cur_pwd) != 0) {
		char *q = hs_shquote(j->post.pwd);
		if (!q)
			return NULL;
		sb_add(&b, "cd -P -- ");
		sb_add(&b, q);
		sb_add(&b, " >/dev/null\n");
		free(q);
	}
	if (b.failed)
		return NULL;
	if (asprintf(&path, "%s/post-%s", sp->postdir, j->key) < 0) {
		free(b.s);
		return NULL;
	}
	for (char *c = path + strlen(sp->postdir) + 1; *c; c++)
		if (*c == '/' || *c == ':' || *c == '@')
			*c = '_';
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || hs_write_full(fd, b.s ? b.s : "", b.len) < 0) {
		if (fd >= 0)
			close(fd);
		free(b.s);
		free(path);
		return NULL;
	}
	close(fd);
	free(b.s);
	return path;
}

/* Note that node id read what `writer` wrote (HS_DEP_ANY: unknown). */
static void note_dep(struct spec_state *sp, unsigned id, unsigned writer)
{
	if (sp->dep_on[id] == 0)
		sp->dep_on[id] = writer;
	else if (sp->dep_on[id] != writer)
		sp->dep_on[id] = HS_DEP_ANY;
}

/* Throw away job k, whose reads went stale (path) after `after`, the doing of node `writer`:
 * its node reads what that one writes, and the window restarts it once that has taken
 * effect. */
static void drop_stale(struct sched *s, struct job *k, const char *path, const char *after,
		       unsigned writer)
{
	note_dep(s->spec, k->node->id, writer);
	count_rerun(s, "stale read (re-run speculatively)", false);
	hs_report_log(&s->report, "invalidate", k->pos.node, "",
		      "\"key\":\"%s\",\"path\":\"%s\",\"after\":\"%s\"", k->key,
		      path ? path : "", after);
	job_free(s, k, false, NULL);
}

/* The shell reached j's position: commit it, or answer "run". Frees j. */
static void answer(struct sched *s, struct job *j, const struct hs_msg *m)
{
	struct spec_state *sp = s->spec;
	const char *why = NULL;
	const char *stale = NULL;
	char iter[64];
	struct hs_error err = HS_ERROR_INIT;

	pos_iter(&j->pos, iter, sizeof(iter));
	if (j->state == JOB_BROKEN) {
		why = j->broken_why ? j->broken_why : "setup failed";
	} else if (!hs_runner_base_committed(j->r)) {
		why = "the run it was stacked on was not committed";
	} else if (!hs_runner_clean(j->r, &why)) {
		/* why: the flag */
	} else if (!j->has_post) {
		why = "did not complete (exit, signal or errexit)";
	} else if (!hs_shstate_matches(&j->pred, &m->st, j->node, &why)) {
		snprintf(sp->why_buf, sizeof(sp->why_buf), "state: %s", why);
		why = sp->why_buf;
	} else if (!hs_runner_reads_valid(j->r, &stale)) {
		why = "stale read";
		note_dep(sp, j->node->id, HS_DEP_ANY);
	}
	int out = -1, errfd = -1;
	if (!why) {
		int pidfd = shell_fds_settled(sp->shell_pid) ? hs_pidfd_open(sp->shell_pid, 0) : -1;
		if (pidfd >= 0) {
			out = hs_pidfd_getfd(pidfd, 1, 0);
			errfd = hs_pidfd_getfd(pidfd, 2, 0);
			close(pidfd);
		}
		bool shared = j->err_fd == j->out_fd;
		if (out < 0 || errfd < 0)
			why = "cannot reach the shell's output";
		else if (isatty(out) || isatty(errfd))
			why = "output is a terminal";
		else if (shared != shell_out_shared(sp->shell_pid))
			why = "output fds changed";
	}
	/* The runs stacked on this one saw its changes over the live files as they were: those
	 * must be unchanged up to this commit (hs_runner_reads_valid checks them against the
	 * stamps taken before those runs started). */
	char before[200];
	snprintf(before, sizeof(before), "before the commit of %s", j->key);
	for (struct job *k = sp->jobs, *nx; !why && k; k = nx) {
		const char *path;
		nx = k->next;
		if (k->r && hs_runner_base(k->r) == j->r && !hs_runner_reads_valid(k->r, &path))
			drop_stale(s, k, path, before, j->node->id);
	}
	if (!why && hs_runner_commit(j->r, &err) < 0) {
		hs_warn("commit of node %s failed: %s", j->key, err.msg);
		why = "commit failed";
	}
	if (why) {
		if (stale)
			hs_report_log(&s->report, "validate", m->id, iter,
				      "\"ok\":false,\"reason\":\"stale read\",\"path\":\"%s\"", stale);
		else
			hs_report_log(&s->report, "validate", m->id, iter,
				      "\"ok\":false,\"reason\":\"%s\"", why);
		if (out >= 0)
			close(out);
		if (errfd >= 0)
			close(errfd);
		job_free(s, j, false, NULL);
		reply_run(s, m, why, true);
		return;
	}
	hs_report_log(&s->report, "validate", m->id, iter, "\"ok\":true");
	if (replay(j->out_fd, out) < 0 || (j->err_fd != j->out_fd && replay(j->err_fd, errfd) < 0)) {
		/* The reader went away (EPIPE): the shell's own writes fail the same way next. */
	}
	close(out);
	close(errfd);
	char line[4200];
	int status = j->status & 255;
	free(sp->post_file);
	sp->post_file = NULL;
	if (j->node->nwrites || (j->node->flags & HS_SCHED_NODE_CD)) {
		sp->post_file = write_post_file(sp, j, m->st.pwd);
		if (!sp->post_file) {
			/* Too late to run it again (its effects are live): fail loudly. */
			hs_warn("cannot write the post-state of node %s", j->key);
		}
	}
	if (sp->post_file)
		snprintf(line, sizeof(line), "done %d %s\n", status, sp->post_file);
	else
		snprintf(line, sizeof(line), "done %d\n", status);
	s->report.committed++;
	if (sp->eff_window < s->cfg->window)
		sp->eff_window++;
	hs_report_log(&s->report, "commit", m->id, iter, "\"status\":%d,\"key\":\"%s\"", status,
		      j->key);
	/* What the shell knows after this node: its post-state. */
	hs_shstate_release(&sp->cur_post);
	sp->cur_has_post = j->has_post && hs_shstate_copy(&sp->cur_post, &j->post) == 0;
	sp->cur_outcome = 1;
	/* Runs that read what this one wrote are stale, whatever their stamps say. */
	char after[200];
	snprintf(after, sizeof(after), "commit of %s", j->key);
	bool dropped = false;
	for (struct job *k = sp->jobs, *nx; k; k = nx) {
		const char *path;
		nx = k->next;
		/* A run stacked on this one read its changes, not what was there before. */
		if (k != j && k->r && k->state != JOB_BROKEN && k != sp->awaited &&
		    hs_runner_base(k->r) != j->r && hs_runner_conflicts(k->r, j->r, &path)) {
			drop_stale(s, k, path, after, j->node->id);
			dropped = true;
		}
	}
	if (dropped)
		sp->eff_window /= 2;
	job_free(s, j, true, NULL);
	hs_sched_reply(s, line);
}

/* ---- scheduling ---- */

/* Whether position p is in the shell's instance of loop's body (loop -1: the top level). */
static bool shell_instance(const struct spec_state *sp, int loop, const struct pos *p)
{
	const struct level *a = NULL, *b = NULL;

	if (loop < 0)
		return true;
	for (unsigned i = 0; i < p->depth; i++)
		if (p->lv[i].loop == loop)
			a = &p->lv[i];
	for (unsigned i = 0; i < sp->cur_pos.depth; i++)
		if (sp->cur_pos.lv[i].loop == loop)
			b = &sp->cur_pos.lv[i];
	return a && b && a->inst == b->inst && a->iter == b->iter;
}

/* The prelude entries of j's node that the shell has already run in the same block (before
 * the node it reported) and whose variables the running state has: replaying them would
 * apply them twice (`PATH=/x:$PATH`). The rest run in the run, as the shell will. */
static void prelude_plan(const struct spec_state *sp, const struct hs_shstate *running,
			 char ***envp, struct job *j)
{
	const struct hs_sched_node *node = j->node, *cur = node_by_id(sp, sp->cur_pos.node);
	bool same = cur && !(cur->flags & HS_SCHED_NODE_INFUNC) &&
		    shell_instance(sp, node->loop, &j->pos);

	j->prelude_done = 0;
	j->replays = false;
	for (size_t i = 0; i < node->nprelude; i++) {
		const struct hs_sched_assign *e = &node->prelude[i];
		bool done = same && i < 32 && e->id < sp->cur_pos.node;
		/* Its variables reported, or set by a predicted node, or in the environment. */
		if (done && !*envp)
			*envp = hs_exports_to_envp(running->exports ? running->exports : "", NULL);
		for (size_t k = 0; done && k < e->nnames; k++)
			done = hs_shstate_var(running, e->names[k]) || exported(*envp, e->names[k]);
		if (done)
			j->prelude_done |= 1u << i;
		else
			j->replays = true;
	}
}

/* Recompute the predicted sequence from the shell's position; start jobs in it while the
 * window allows; discard jobs outside it. */
void hs_spec_schedule(struct sched *s)
{
	struct spec_state *sp = s->spec;
	const struct hs_sched_config *cfg = s->cfg;
	struct hs_shstate running;
	char **envp = NULL; /* running's environment, parsed when a prelude needs it */
	struct pos p;
	unsigned horizon = cfg->window * HORIZON_PER_SLOT;

	if (!sp || !sp->enabled || !sp->have_cur || !sp->cur_pos_valid)
		return;
	for (struct job *j = sp->jobs; j; j = j->next)
		j->seen = j == sp->awaited;
	if (hs_shstate_copy(&running, &sp->cur) < 0)
		return;
	p = sp->cur_pos;
	/* Past the current node: its outcome must be known to predict anything after it. */
	const struct hs_sched_node *cn = node_by_id(sp, p.node);
	bool ok = cn != NULL;
	if (ok && (cn->nwrites || (cn->flags & HS_SCHED_NODE_CD))) {
		if (sp->cur_outcome && sp->cur_has_post)
			ok = apply_post(&running, &sp->cur_post) == 0;
		else
			ok = false;
	}
	/* Whether everything before the position reached has taken effect: the shell's node is
	 * done (committed, or run by the shell and finished), and only nodes waiting for their
	 * dependencies, not started, lie in between. And the nodes that have not taken effect
	 * before it (pending). */
	bool settled = !sp->shell_running && !sp->awaited;
	size_t npending = 0;
	if (!settled && cn) {
		sp->pending_job[npending] = sp->awaited;
		sp->pending[npending++] = cn->id;
	}
	for (unsigned step = 0; ok && step < horizon; step++) {
		const char *var, *val;
		struct pos q;

		if (!pos_next(sp, cfg, &p, &q, &var, &val))
			break;
		if (var && hs_shstate_setvar(&running, var, val) < 0)
			break;
		p = q;
		const struct hs_sched_node *node = node_by_id(sp, p.node);
		if (!node)
			break;
		char key[160];
		pos_key(&p, key, sizeof(key));
		struct job *j = job_find(sp, key);
		bool quick = sp->shell_us[node->id] > 0 && sp->shell_us[node->id] < MIN_SPEC_US;
		unsigned dep = sp->dep_on[node->id];
		bool wait_deps = false;
		struct job *base = NULL;
		if (dep == HS_DEP_ANY) {
			wait_deps = !settled;
		} else if (dep) {
			size_t writers = 0;
			for (size_t k = 0; k < npending; k++)
				if (sp->pending[k] == dep && writers++ == 0)
					base = sp->pending_job[k];
			wait_deps = writers > 0;
			/* One run of the node it depends on, finished: run on top of its changes
			 * (docs/engine.md, "Stacking"). */
			if (writers != 1 || cfg->no_stack || !base || base->state != JOB_DONE ||
			    !base->has_post || sp->running + sp->shell_running >= sp->ncpu ||
			    !hs_runner_stackable(base->r))
				base = NULL;
		}
		if (j || !wait_deps)
			settled = false;
		sp->pending_job[npending] = j;
		sp->pending[npending++] = node->id;
		/* The shell's node is done and the shell on its way to this one: it runs it
		 * sooner than a run could be set up (a run started now would be dropped). */
		bool imminent = step == 0 && !sp->shell_running && !sp->awaited;
		if (!j && !(node->flags & HS_SCHED_NODE_NOSPEC) && !quick && (!wait_deps || base) &&
		    !imminent && sp->running < sp->eff_window) {
			j = calloc(1, sizeof(*j));
			if (!j)
				break;
			snprintf(j->key, sizeof(j->key), "%s", key);
			j->pos = p;
			j->node = node;
			j->out_fd = j->err_fd = j->state_fd = -1;
			j->watched[0] = j->watched[1] = -1;
			j->tag = HS_TAG_SPEC + sp->next_tag++;
			if (predict_for(sp, &running, node, &j->pred) < 0) {
				free(j);
				break;
			}
			prelude_plan(sp, &running, &envp, j);
			j->next = sp->jobs;
			sp->jobs = j;
			job_start(s, j, base);
			sp->pending_job[npending - 1] = j;
		}
		if (j)
			j->seen = true;
		/* A state-changing node: later positions need its post-state. */
		if (node->nwrites || (node->flags & HS_SCHED_NODE_CD)) {
			if (!j || j->state != JOB_DONE || !j->has_post ||
			    apply_post(&running, &j->post) < 0)
				break;
		}
	}
	hs_shstate_release(&running);
	hs_strv_free(envp);
	for (struct job *j = sp->jobs, *nx; j; j = nx) {
		nx = j->next;
		if (!j->seen)
			job_free(s, j, false, "not on the predicted path");
		else if (j->r && hs_runner_base_lost(j->r))
			job_free(s, j, false, "the run it was stacked on was discarded");
	}
}

/* Jobs whose reads went stale (an earlier node wrote what they read) are thrown away at
 * once, running ones too (what they read so far is already wrong), so the window restarts
 * them on the settled inputs. */
static void revalidate(struct sched *s, const char *cause, unsigned writer)
{
	struct spec_state *sp = s->spec;

	bool dropped = false;
	for (struct job *j = sp->jobs, *nx; j; j = nx) {
		const char *stale;

		nx = j->next;
		if (j->state == JOB_BROKEN || j == sp->awaited)
			continue;
		if (!hs_runner_reads_valid(j->r, &stale)) {
			drop_stale(s, j, stale, cause, writer);
			dropped = true;
		}
	}
	if (dropped)
		sp->eff_window /= 2;
}

static void close_shell_span(struct sched *s)
{
	struct spec_state *sp = s->spec;
	char name[32];

	if (!sp->shell_running)
		return;
	snprintf(name, sizeof(name), "node %u", sp->shell_node);
	double now = hs_report_now_us();
	hs_report_span(&s->report, 0, name, "shell", sp->shell_start_us, now, "run");
	if (sp->shell_node < sp->nby_id) {
		unsigned char *q = &sp->quick_runs[sp->shell_node];
		sp->shell_us[sp->shell_node] = now - sp->shell_start_us;
		*q = sp->shell_us[sp->shell_node] < MIN_SPEC_US ? (unsigned char)(*q < 255 ? *q + 1 : 255)
							       : 0;
	}
	hs_report_log(&s->report, "finish", sp->shell_node, "", "\"by\":\"shell\"");
	sp->shell_running = false;
	/* The node ran for real and may have written anything. */
	revalidate(s, "a node run by the shell", sp->shell_node);
}

/* Where the shell is now, from the loop stack: false when a loop around the node was not
 * announced, or the node is in a function body (then nothing is predicted from here). */
static bool locate(struct sched *s, const struct hs_sched_node *node, struct pos *p)
{
	struct spec_state *sp = s->spec;
	int chain[MAX_DEPTH];

	/* A function body runs where it is called: it says nothing about the loops. */
	if (node->flags & HS_SCHED_NODE_INFUNC)
		return false;
	int n = loop_chain(s->cfg, node->loop, chain);
	memset(p, 0, sizeof(*p));
	p->node = node->id;
	if (n < 0)
		return false;
	/* Loops on the stack that are not around this node have ended. */
	unsigned keep = 0;
	while (keep < sp->depth && (int)keep < n && sp->stack[keep].loop == chain[keep])
		keep++;
	stack_pop_to(sp, keep);
	if ((int)keep != n)
		return false;
	for (int i = 0; i < n; i++) {
		if (sp->stack[i].iter < 0)
			return false;
		p->lv[i] = (struct level){chain[i], sp->stack[i].inst, sp->stack[i].iter};
	}
	p->depth = (unsigned)n;
	return true;
}

static void on_node(struct sched *s, struct hs_msg *m)
{
	struct spec_state *sp = s->spec;
	const struct hs_sched_node *node = node_by_id(sp, m->id);

	s->report.nodes++;
	free(sp->post_file);
	sp->post_file = NULL;
	if (!node || node->nreads != m->st.nvars) {
		sp->have_cur = false;
		sp->cur_pos_valid = false;
		reply_run(s, m, node ? "variable count differs from the node table" : "unknown node",
			  false);
		return;
	}
	for (size_t i = 0; i < m->st.nvars; i++)
		if (!(m->st.vars[i].name = strdup(node->reads[i])))
			return (void)reply_run(s, m, "out of memory", false);
	note_known(sp, &m->st);
	hs_shstate_release(&sp->cur);
	sp->have_cur = hs_shstate_copy(&sp->cur, &m->st) == 0;
	sp->cur_pos_valid = locate(s, node, &sp->cur_pos);
	char key[160];
	pos_key(&sp->cur_pos, key, sizeof(key));
	struct job *j = sp->cur_pos_valid ? job_find(sp, key) : NULL;
	if (!sp->enabled || !j) {
		reply_run(s, m, !sp->enabled ? "speculation off" : "not speculated", false);
		return;
	}
	if (j->state == JOB_RUNNING) {
		/* Doomed already (stale reads so far, or another state than predicted, where the
		 * run replays no assignment whose results are still to come): the shell runs it
		 * now. */
		const char *why = NULL, *stale;
		if (!hs_runner_base_committed(j->r)) {
			why = "the run it was stacked on was not committed";
		} else if (!hs_runner_reads_valid(j->r, &stale)) {
			why = "stale read";
			note_dep(sp, j->node->id, HS_DEP_ANY);
		} else if (!j->replays && !hs_shstate_matches(&j->pred, &m->st, j->node, &why))
			why = "state";
		if (why) {
			job_free(s, j, false, NULL);
			reply_run(s, m, why, true);
			return;
		}
		/* Started just now (the shell caught up with it): a sandbox and a commit cost
		 * more than the little it has done, so the shell runs the node itself. */
		if (hs_report_now_us() - j->start_us < JUST_STARTED_US) {
			job_free(s, j, false, "just started");
			reply_run(s, m, "its run had just started", false);
			return;
		}
		/* Wait for it: running the node again would only compete with it. */
		char iter[64];
		pos_iter(&j->pos, iter, sizeof(iter));
		hs_report_log(&s->report, "wait", m->id, iter, "\"key\":\"%s\"", j->key);
		sp->awaited = j;
		hs_runner_boost(j->r);
		hs_msg_release(&sp->await_msg);
		sp->await_msg = *m;
		memset(m, 0, sizeof(*m));
		return;
	}
	answer(s, j, m);
}

/* The shell runs node m->id without asking (it was answered "run N"): where it is now. */
static void on_ran(struct sched *s, const struct hs_msg *m)
{
	struct spec_state *sp = s->spec;
	const struct hs_sched_node *node = node_by_id(sp, m->id);

	s->report.nodes++;
	sp->cur_pos_valid = node && locate(s, node, &sp->cur_pos);
	shell_runs(s, m->id, "quick, run without asking", false);
}

void hs_spec_on_message(struct sched *s, struct hs_msg *m)
{
	struct spec_state *sp = s->spec;

	close_shell_span(s);
	switch (m->kind) {
	case HS_MSG_HELLO:
		sp->shell_pid = m->pid;
		break;
	case HS_MSG_FOR: {
		/* A new instance of loop L: drop what is above L's parent on the stack. */
		const struct hs_sched_loop *L = loop_by_id(s->cfg, (int)m->id);
		int chain[MAX_DEPTH];
		int n = L ? loop_chain(s->cfg, L->parent, chain) : -1;
		unsigned keep = 0;
		if (n >= 0)
			while (keep < sp->depth && (int)keep < n && sp->stack[keep].loop == chain[keep])
				keep++;
		stack_pop_to(sp, keep);
		if (!L || n < 0 || (int)keep != n || sp->depth == MAX_DEPTH)
			break;
		struct loopinst *li = &sp->stack[sp->depth++];
		li->loop = L->id;
		li->inst = ++sp->next_inst;
		li->iter = -1;
		li->nwords = m->nwords;
		li->words = m->words;
		m->words = NULL;
		m->nwords = 0;
		hs_report_log(&s->report, "for", m->id, "", "\"words\":%zu", li->nwords);
		break;
	}
	case HS_MSG_ITER: {
		struct loopinst *li = stack_find(sp, (int)m->id);
		if (!li)
			break;
		stack_pop_to(sp, (unsigned)(li - sp->stack) + 1);
		li->iter++;
		const struct hs_sched_loop *L = loop_by_id(s->cfg, (int)m->id);
		if (L && L->var)
			hs_shstate_setvar(&sp->known, L->var, m->value ? m->value : "");
		break;
	}
	case HS_MSG_NODE:
		on_node(s, m);
		break;
	case HS_MSG_RAN:
		on_ran(s, m);
		break;
	}
}

bool hs_spec_on_event(struct sched *s, uint64_t tag, uint32_t events)
{
	struct spec_state *sp = s->spec;
	struct job *j;
	struct hs_error err = HS_ERROR_INIT;

	(void)events;
	for (j = sp->jobs; j; j = j->next)
		if (j->tag == tag)
			break;
	if (!j || j->state != JOB_RUNNING)
		return false;
	int r = hs_runner_handle(j->r, &err);
	if (r == 0) {
		job_sync_watch(s, j, false);
		return false;
	}
	if (r < 0) {
		job_stop_watch(s, j);
		if (sp->running > 0)
			sp->running--;
		j->state = JOB_BROKEN;
		j->broken_why = "tracer failed";
		j->end_us = hs_report_now_us();
		if (getenv("HS_DEBUG"))
			hs_warn("speculative run of node %s: %s", j->key, err.msg);
	} else {
		job_finished(s, j);
	}
	if (sp->awaited == j) {
		sp->awaited = NULL;
		struct hs_msg m = sp->await_msg;
		memset(&sp->await_msg, 0, sizeof(sp->await_msg));
		answer(s, j, &m);
		hs_msg_release(&m);
	}
	return true;
}

void hs_spec_stop(struct sched *s)
{
	struct spec_state *sp = s->spec;

	if (!sp)
		return;
	sp->enabled = false;
	sp->awaited = NULL;
	while (sp->jobs)
		job_free(s, sp->jobs, false, "speculation off");
}

static char *find_in_path(const char *name)
{
	const char *path = getenv("PATH");
	char *r;

	if (strchr(name, '/'))
		return realpath(name, NULL);
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		const char *c = strchr(path, ':');
		size_t n = c ? (size_t)(c - path) : strlen(path);
		if (asprintf(&r, "%.*s/%s", (int)n, n ? path : ".", name) < 0)
			return NULL;
		if (access(r, X_OK) == 0)
			return r;
		free(r);
		path += n + (c ? 1 : 0);
	}
	return NULL;
}

static int cmp_id(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

int hs_spec_init(struct sched *s, struct hs_error *err)
{
	const struct hs_sched_config *cfg = s->cfg;
	struct spec_state *sp = calloc(1, sizeof(*sp));
	unsigned max = 0;

	if (!sp)
		return hs_error_set(err, ENOMEM, "speculation state");
	s->spec = sp;
	for (size_t i = 0; i < cfg->nnodes; i++)
		if (cfg->nodes[i].id > max)
			max = cfg->nodes[i].id;
	sp->nby_id = (size_t)max + 1;
	sp->by_id = calloc(sp->nby_id, sizeof(*sp->by_id));
	sp->order = calloc(cfg->nnodes, sizeof(unsigned));
	sp->shell_us = calloc(sp->nby_id, sizeof(double));
	sp->quick_runs = calloc(sp->nby_id, 1);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	sp->ncpu = ncpu > 0 ? (unsigned)ncpu : 1;
	sp->dep_on = calloc(sp->nby_id, sizeof(unsigned));
	sp->pending = calloc((size_t)cfg->window * HORIZON_PER_SLOT + 1, sizeof(unsigned));
	sp->pending_job = calloc((size_t)cfg->window * HORIZON_PER_SLOT + 1, sizeof(struct job *));
	if (!sp->by_id || !sp->order || !sp->shell_us || !sp->quick_runs || !sp->dep_on ||
	    !sp->pending || !sp->pending_job)
		return hs_error_set(err, ENOMEM, "node table");
	for (size_t i = 0; i < cfg->nnodes; i++) {
		sp->by_id[cfg->nodes[i].id] = &cfg->nodes[i];
		sp->order[sp->norder++] = cfg->nodes[i].id;
	}
	qsort(sp->order, sp->norder, sizeof(unsigned), cmp_id);
	if (cfg->window == 0 || cfg->nnodes == 0)
		return 0;
	const struct hs_sched_node **in_order = calloc(sp->norder + 1, sizeof(*in_order));
	if (!in_order)
		return hs_error_set(err, ENOMEM, "node table");
	for (size_t i = 0; i < sp->norder; i++)
		in_order[i] = sp->by_id[sp->order[i]];
	hs_sched_text_deps(in_order, sp->norder, sp->dep_on);
	free(in_order);
	sp->shell_path = find_in_path(cfg->shell);
	struct hs_error e2 = HS_ERROR_INIT;
	_cleanup_free_ char *state = hs_state_dir(&e2);
	if (state && asprintf(&sp->postdir, "%s/post-XXXXXX", state) >= 0 && !mkdtemp(sp->postdir)) {
		free(sp->postdir);
		sp->postdir = NULL;
	}
	sp->enabled = sp->shell_path && sp->postdir;
	sp->eff_window = cfg->window;
	return 0;
}

void hs_spec_cleanup(struct sched *s)
{
	struct spec_state *sp = s->spec;

	if (!sp)
		return;
	close_shell_span(s);
	while (sp->jobs)
		job_free(s, sp->jobs, false, NULL);
	hs_runner_flush();
	stack_pop_to(sp, 0);
	hs_msg_release(&sp->await_msg);
	hs_shstate_release(&sp->known);
	hs_shstate_release(&sp->cur);
	hs_shstate_release(&sp->cur_post);
	if (sp->postdir) {
		free(sp->post_file);
		/* Remove the post-state files and the dir. */
		int dfd = open(sp->postdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			DIR *d = fdopendir(dfd);
			struct dirent *e;
			while (d && (e = readdir(d)))
				if (e->d_name[0] != '.')
					unlinkat(dfd, e->d_name, 0);
			if (d)
				closedir(d);
			else
				close(dfd);
		}
		rmdir(sp->postdir);
		free(sp->postdir);
	}
	free(sp->shell_path);
	free(sp->by_id);
	free(sp->order);
	free(sp->shell_us);
	free(sp->quick_runs);
	free(sp->dep_on);
	free(sp->pending);
	free(sp->pending_job);
	free(sp);
	s->spec = NULL;
}

int hs_sched_probe(struct hs_error *err)
{
	return hs_runner_probe(err);
}
