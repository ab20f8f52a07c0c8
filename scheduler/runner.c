/* Speculative runs: one overlay sandbox (sandbox/) per run, its command under the tracer
 * (tracer/), started at idle priority. The run's stdin is a pipe holding one byte, with no
 * writer: a node that reads its stdin takes the byte (then sees EOF), which the runner sees
 * afterwards, so such a run is never committed (the shell runs it on the real stdin). This
 * costs nothing per read, where trapping reads of fd 0 would stop every pipeline stage. */
#include "scheduler/runner.h"
#include "scheduler/loop.h"

#include "engine/commit/commit.h"
#include "lib/util.h"
#include "sandbox/sandbox.h"
#include "tracer/tracer.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* After this many setup failures in a row, stop trying: the host cannot run them. */
#define MAX_SETUP_FAILURES 3
/* A run is a base for stacked runs only if its changes are this small: they are listed and
 * stamped, and copied at its commit while a stacked run still uses them. */
#define MAX_BASE_ENTRIES 4096
#define MAX_BASE_BYTES (64LL << 20)

/* What a run stacked on this one needs of it: the live path of every entry of its upper
 * dirs (sorted), each one's live stamp when the first stacked run was started (pre), and
 * after its commit (post). */
struct base_cover {
	char **paths;
	struct hs_tracer_stamp *pre, *post;
	size_t n;
};

struct hs_runner {
	struct hs_runner *next; /* in the graveyard */
	struct hs_sandbox *sb;
	struct hs_tracer *t;
	pid_t pid;
	int waitfd;
	int stdin_fd;   /* read end of the run's stdin pipe: its byte gone = stdin was read */
	int status;
	bool sb_done, tr_done;
	bool committed, given_up;
	/* Stacking: the run this one is stacked on; for a base, the runs stacked on it that
	 * are not buried yet (it stays until they are) and those of them still running, its
	 * cover (NULL until asked), and whether it cannot be a base. */
	struct hs_runner *base;
	unsigned users, live_users;
	struct base_cover *cover;
	bool unstackable;
	char missing[4096];
};

static long long ts_ns(struct timespec t)
{
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* File times are coarse (one tick of CLOCK_REALTIME_COARSE, 4 ms at HZ=250, where the file
 * system has no multigrain timestamps): a change in the same tick as the stamped one leaves
 * mtime and ctime equal. An object changed within two ticks before its stamp was taken may
 * change again unseen, so the stamp proves nothing: such a read counts as stale. */
static long long tick_margin_ns(void)
{
	static long long margin;
	struct timespec res;

	if (!margin)
		margin = clock_getres(CLOCK_REALTIME_COARSE, &res) == 0 && ts_ns(res) > 0
				 ? 2 * ts_ns(res)
				 : 20000000LL;
	return margin;
}

static unsigned setup_failures;

static bool sweep(bool block);

/* A small /proc or /sys file as a string, or NULL. */
static char *read_small(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	char *s = hs_read_all(fd, NULL);
	close(fd);
	return s;
}

int hs_runner_probe(struct hs_error *err)
{
	struct hs_tracer_opts to = HS_TRACER_OPTS_INIT;
	struct hs_tracer *t;
	struct stat sb;

	if (stat("/proc/self/ns/pid", &sb) < 0 || stat("/proc/self/ns/mnt", &sb) < 0)
		return hs_error_set(err, ENOTSUP, "no namespaces on this host") + 1;
	if (geteuid() != 0) {
		/* Debian's switch, and the generic limit. */
		_cleanup_free_ char *v = read_small("/proc/sys/kernel/unprivileged_userns_clone");
		_cleanup_free_ char *m = read_small("/proc/sys/user/max_user_namespaces");
		if ((v && atoi(v) == 0) || (m && atoi(m) == 0))
			return hs_error_set(err, EPERM, "unprivileged user namespaces are disabled") + 1;
	}
	_cleanup_free_ char *fs = read_small("/proc/filesystems");
	if (fs && !strstr(fs, "\toverlay\n"))
		return hs_error_set(err, ENOTSUP, "no overlayfs in this kernel") + 1;
	t = hs_tracer_new(&to, err);
	if (!t)
		return 0;
	hs_tracer_free(t);
	return 1;
}

/* In the run's command process, right before execve: the post-state fd as fd 9, then the
 * tracer's filter. */
struct hook_arg {
	int state_fd;
	struct hs_tracer *t;
};

static int pre_exec(void *arg)
{
	struct hook_arg *h = arg;
	sigset_t set;

	/* The signals the scheduler blocks for itself, unblocked as for the shell: a blocked
	 * SIGPIPE would turn `sort | head` into write errors. */
	hs_sched_sigset(&set);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	if (h->state_fd == 9) {
		if (fcntl(9, F_SETFD, 0) < 0)
			return -1;
	} else if (dup2(h->state_fd, 9) < 0) {
		return -1;
	}
	return hs_tracer_child_install(h->t);
}

/* One network namespace for every run (root mode): a namespace of its own costs a run ~1 ms
 * of CPU to create and as much to tear down. Made at the first run, kept for the process's
 * life; -1 where it cannot be (not root): each run then makes its own. */
static int runs_netns(void)
{
	static int fd = -2;

	if (fd == -2) {
		struct hs_error e = HS_ERROR_INIT;
		fd = geteuid() == 0 ? hs_sandbox_netns_new(&e) : -1;
	}
	return fd;
}

struct hs_runner *hs_runner_start(const struct hs_run_req *req, struct hs_error *err)
{
	struct hs_tracer_opts to = HS_TRACER_OPTS_INIT;
	struct hs_sandbox_options so = {0};
	struct hs_sandbox_cmd cmd = HS_SANDBOX_CMD_INIT;
	struct hs_runner *r;
	int in[2] = {-1, -1};

	sweep(false);
	if (setup_failures >= MAX_SETUP_FAILURES) {
		hs_error_set(err, ENOTSUP, "speculative runs failed to start %u times",
			     setup_failures);
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		hs_error_set(err, ENOMEM, "runner");
		return NULL;
	}
	r->waitfd = -1;
	r->pid = -1;
	r->stdin_fd = -1;
	if (pipe2(in, O_CLOEXEC) < 0) {
		hs_error_errno(err, "runner: pipe");
		goto fail;
	}
	if (write(in[1], "", 1) != 1) {
		hs_error_errno(err, "runner: pipe");
		close(in[1]);
		goto fail;
	}
	close(in[1]);
	in[1] = -1;
	cmd.netns_fd = runs_netns();
	to.shared_net = cmd.netns_fd >= 0;
	r->t = hs_tracer_new(&to, err);
	if (!r->t)
		goto fail;
	const char *lower = req->base ? hs_sandbox_dir(req->base->sb) : NULL;
	if (lower) {
		so.lowers = &lower;
		so.n_lowers = 1;
	}
	r->sb = hs_sandbox_new(&so, err);
	if (!r->sb)
		goto fail;
	struct hook_arg hook = {req->state_fd, r->t};
	cmd.argv = req->argv;
	cmd.envp = req->envp;
	cmd.cwd = req->cwd;
	cmd.fds[0] = in[0];
	cmd.fds[1] = req->out_fd;
	cmd.fds[2] = req->err_fd;
	cmd.flags = HS_SANDBOX_IDLE | HS_SANDBOX_VOLATILE |
		    (to.shared_net ? HS_SANDBOX_SHARED_NET : 0);
	cmd.pre_exec = pre_exec;
	cmd.pre_exec_arg = &hook;
	if (hs_sandbox_spawn(r->sb, &cmd, &r->pid, &r->waitfd, err) < 0) {
		r->pid = -1;
		goto fail;
	}
	r->stdin_fd = in[0];
	in[0] = -1;
	if (req->base) {
		r->base = req->base;
		r->base->users++;
		r->base->live_users++;
	}
	if (hs_tracer_attach(r->t, 0, err) < 0)
		goto fail;
	setup_failures = 0;
	return r;
fail:
	if (in[0] >= 0)
		close(in[0]);
	setup_failures++;
	hs_runner_free(r);
	return NULL;
}

void hs_runner_fds(const struct hs_runner *r, int fds[2])
{
	/* The listener stays open (and, hung up, readable) until hs_runner_free: the caller
	 * must stop watching it once the trace is final, or its loop spins until the sandbox
	 * is done too. The wait fd is closed when the sandbox is done. */
	fds[0] = r->tr_done ? -1 : hs_tracer_fd(r->t);
	fds[1] = r->sb_done ? -1 : r->waitfd;
}

/* The run's processes are gone: its base's changes are no longer in use by it. */
static void set_sb_done(struct hs_runner *r)
{
	r->sb_done = true;
	if (r->base && r->base->live_users > 0)
		r->base->live_users--;
}

int hs_runner_handle(struct hs_runner *r, struct hs_error *err)
{
	if (!r->tr_done) {
		int rc = hs_tracer_handle(r->t, err);
		if (rc < 0)
			return -1;
		r->tr_done = rc == 1;
	}
	if (!r->sb_done) {
		struct pollfd p = {r->waitfd, POLLIN, 0};
		if (poll(&p, 1, 0) > 0) {
			r->status = hs_sandbox_wait(r->pid, r->waitfd, err);
			r->waitfd = -1;
			set_sb_done(r);
			if (r->status < 0)
				return -1;
		}
	}
	return r->tr_done && r->sb_done;
}

/* Normal priority for every thread of pid and of its descendants, depth first through
 * /proc/PID/task/TID/children. */
static void boost_tree(pid_t pid, unsigned depth)
{
	char path[64];
	struct dirent *d;
	struct sched_param sp = {0};

	if (depth > 64)
		return;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	DIR *dir = opendir(path);
	if (!dir)
		return;
	while ((d = readdir(dir))) {
		pid_t tid = (pid_t)atoi(d->d_name);
		if (tid <= 0)
			continue;
		sched_setscheduler(tid, SCHED_OTHER, &sp);
		setpriority(PRIO_PROCESS, (id_t)tid, 0);
		snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)tid);
		FILE *f = fopen(path, "re");
		int child;
		while (f && fscanf(f, "%d", &child) == 1)
			boost_tree(child, depth + 1);
		if (f)
			fclose(f);
	}
	closedir(dir);
}

void hs_runner_boost(struct hs_runner *r)
{
	if (!r->sb_done)
		boost_tree(r->pid, 0);
}

int hs_runner_status(const struct hs_runner *r)
{
	return r->status;
}

/* Paths whose stamps say nothing about what earlier nodes commit (kernel views, devices). */
static bool virtual_path(const char *p)
{
	static const char *const roots[] = {"/proc", "/sys", "/dev"};
	for (size_t i = 0; i < HS_ARRAY_SIZE(roots); i++) {
		size_t n = strlen(roots[i]);
		if (strncmp(p, roots[i], n) == 0 && (p[n] == '/' || p[n] == '\0'))
			return true;
	}
	return false;
}

bool hs_runner_clean(struct hs_runner *r, const char **why)
{
	const struct hs_tracer_flag *f;
	const struct hs_tracer_read *rd;

	if (!hs_tracer_can_speculate(r->t)) {
		*why = hs_tracer_flags(r->t, &f) ? hs_tracer_flag_name(f[0].kind) : "flagged";
		return false;
	}
	int left = 0;
	if (ioctl(r->stdin_fd, FIONREAD, &left) < 0 || left != 1) {
		*why = "read stdin";
		return false;
	}
	/* The commit writes a hard-linked file in place (its other names change too, as under
	 * the shell), which is wrong where the run replaced that name (rm f; echo > f, sed -i,
	 * mv onto it): the shell runs those. */
	const struct hs_tracer_write *wr;
	size_t nw = hs_tracer_writes(r->t, &wr);
	for (size_t i = 0; i < nw; i++) {
		struct stat sb;
		if ((wr[i].kinds & (HS_TRACER_REMOVE | HS_TRACER_PREFIX)) &&
		    lstat(wr[i].path, &sb) == 0 && !S_ISDIR(sb.st_mode) && sb.st_nlink > 1) {
			*why = "replaced a hard-linked file";
			return false;
		}
	}
	/* A run sees only its own pid namespace: what lists processes would differ. */
	size_t n = hs_tracer_reads(r->t, &rd);
	for (size_t i = 0; i < n; i++) {
		if ((rd[i].kinds & HS_TRACER_LIST) && strcmp(rd[i].path, "/proc") == 0) {
			*why = "listed processes";
			return false;
		}
	}
	return true;
}

/* Whether the live object at path still has the stamp a read recorded. Stamps taken through
 * the run's overlay carry the overlay's device (and, for directories, its inode numbers): the
 * identity is compared only when the devices agree; type, size and both times always. */
static bool stamp_live(const struct hs_tracer_read *rd)
{
	const struct hs_tracer_stamp *s = &rd->stamp;
	struct stat sb;

	if (lstat(rd->path, &sb) < 0)
		return s->absent && (errno == ENOENT || errno == ENOTDIR);
	if (s->absent)
		return false;
	/* A directory only looked up or stat'ed (a cwd, a path component, `test -d`): its
	 * entries and times changing is no conflict (DESIGN.md §3: listed directories only). A
	 * command that prints a directory's mtime is the case this misses. But a directory made
	 * after the stamp is another one: `rm -r D; mkdir D` by the shell while the run looked
	 * D up (the stamp is taken before the syscall runs, which then found no D). Its birth
	 * time tells; where the file system has none, its ctime must be the stamped one. */
	if (S_ISDIR(sb.st_mode) && !(rd->kinds & (HS_TRACER_LIST | HS_TRACER_READ))) {
		struct statx x;
		if (s->mode != sb.st_mode)
			return false;
		if (statx(AT_FDCWD, rd->path, AT_SYMLINK_NOFOLLOW, STATX_BTIME, &x) == 0 &&
		    (x.stx_mask & STATX_BTIME))
			return (long long)x.stx_btime.tv_sec * 1000000000LL + x.stx_btime.tv_nsec <=
			       ts_ns(s->taken) - tick_margin_ns();
		return s->ctime.tv_sec == sb.st_ctim.tv_sec && s->ctime.tv_nsec == sb.st_ctim.tv_nsec;
	}
	if (s->mode != sb.st_mode || s->mtime.tv_sec != sb.st_mtim.tv_sec ||
	    s->mtime.tv_nsec != sb.st_mtim.tv_nsec || s->ctime.tv_sec != sb.st_ctim.tv_sec ||
	    s->ctime.tv_nsec != sb.st_ctim.tv_nsec)
		return false;
	/* A directory's size (ext4: its blocks) says nothing its mtime does not. */
	if (!S_ISDIR(sb.st_mode) && s->size != sb.st_size)
		return false;
	if (s->dev == sb.st_dev && s->ino != sb.st_ino)
		return false;
	/* Equal, but changed too close to when the stamp was taken to tell a later change in
	 * the same tick apart. */
	if (ts_ns(s->ctime) > ts_ns(s->taken) - tick_margin_ns())
		return false;
	return true;
}

/* ---- stacking ---- */

/* The live stamp of path now (absent when it does not exist). Returns -1 when it cannot be
 * taken (no permission). */
static int stamp_now(const char *path, struct hs_tracer_stamp *s)
{
	struct stat sb;

	memset(s, 0, sizeof(*s));
	if (lstat(path, &sb) < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			return -1;
		s->absent = true;
	} else {
		hs_stamp_from_stat(s, &sb);
	}
	clock_gettime(CLOCK_REALTIME, &s->taken);
	return 0;
}

static void cover_free(struct base_cover *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->paths[i]);
	free(c->paths);
	free(c->pre);
	free(c->post);
	free(c);
}

struct cover_walk {
	char **paths;
	size_t n, cap;
	long long bytes;
};

static int cover_add(struct cover_walk *w, const char *path)
{
	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 64;
		char **p = reallocarray(w->paths, cap, sizeof(*p));
		if (!p)
			return -1;
		w->paths = p;
		w->cap = cap;
	}
	if (!(w->paths[w->n] = strdup(path)))
		return -1;
	w->n++;
	return 0;
}

/* Every entry under the upper dir `dir` (fd), as live paths under `live`. Returns -1 when
 * the changes are too many or too large to keep, or cannot be read. */
static int cover_walk(struct cover_walk *w, int dir, const char *live, unsigned depth)
{
	DIR *d = fdopendir(dir);
	struct dirent *e;
	int rc = 0;

	if (!d) {
		close(dir);
		return -1;
	}
	while (rc == 0 && (e = readdir(d))) {
		char path[PATH_MAX];
		struct stat sb;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
		    snprintf(path, sizeof(path), "%s%s%s", live, strcmp(live, "/") ? "/" : "",
			     e->d_name) >= (int)sizeof(path) ||
		    cover_add(w, path) < 0 || w->n > MAX_BASE_ENTRIES ||
		    (w->bytes += S_ISREG(sb.st_mode) ? sb.st_size : 0) > MAX_BASE_BYTES ||
		    depth > 256) {
			rc = -1;
			break;
		}
		if (S_ISDIR(sb.st_mode)) {
			int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
								  O_CLOEXEC);
			rc = sub < 0 ? -1 : cover_walk(w, sub, path, depth + 1);
		}
	}
	closedir(d);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The cover of r's changes: every entry of its uppers (and the mount points they apply to),
 * each stamped live now. */
static struct base_cover *cover_build(struct hs_runner *r)
{
	const struct hs_commit_layer *layers;
	size_t nl = hs_sandbox_layers(r->sb, &layers);
	struct cover_walk w = {0};
	struct base_cover *c = NULL;

	for (size_t i = 0; i < nl; i++) {
		int fd = open(layers[i].upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || cover_add(&w, layers[i].target) < 0 ||
		    cover_walk(&w, fd, layers[i].target, 0) < 0)
			goto fail;
	}
	qsort(w.paths, w.n, sizeof(*w.paths), cmp_str);
	c = calloc(1, sizeof(*c));
	if (!c)
		goto fail;
	c->paths = w.paths;
	c->n = w.n;
	w.paths = NULL;
	c->pre = calloc(c->n ? c->n : 1, sizeof(*c->pre));
	if (!c->pre)
		goto fail;
	for (size_t i = 0; i < c->n; i++)
		if (stamp_now(c->paths[i], &c->pre[i]) < 0)
			goto fail;
	return c;
fail:
	for (size_t i = 0; i < w.n && w.paths; i++)
		free(w.paths[i]);
	free(w.paths);
	cover_free(c);
	return NULL;
}

/* Index of path in the cover of r's base, or -1. */
static long cover_find(const struct hs_runner *r, const char *path)
{
	const struct base_cover *c = r->base ? r->base->cover : NULL;
	if (!c)
		return -1;
	char **hit = bsearch(&path, c->paths, c->n, sizeof(*c->paths), cmp_str);
	return hit ? hit - c->paths : -1;
}

bool hs_runner_stackable(struct hs_runner *r)
{
	const char *why;

	if (r->unstackable || !r->sb || !r->sb_done || !r->tr_done || r->base || r->committed ||
	    r->given_up)
		return false;
	if (!r->cover && (!hs_runner_clean(r, &why) || !(r->cover = cover_build(r)))) {
		r->unstackable = true;
		return false;
	}
	return true;
}

struct hs_runner *hs_runner_base(const struct hs_runner *r)
{
	return r->base;
}

bool hs_runner_base_lost(const struct hs_runner *r)
{
	return r->base && r->base->given_up && !r->base->committed;
}

bool hs_runner_base_committed(const struct hs_runner *r)
{
	return !r->base || r->base->committed;
}

static int cmp_write(const void *key, const void *elem)
{
	return strcmp(key, ((const struct hs_tracer_write *)elem)->path);
}

/* Whether the run created path itself (its writes are sorted by path). */
static bool created_by_run(const struct hs_tracer_write *wr, size_t nw, const char *path)
{
	const struct hs_tracer_write *w = bsearch(path, wr, nw, sizeof(*wr), cmp_write);
	return w && (w->kinds & HS_TRACER_CREATE);
}

/* Every directory the run wrote into, and did not create itself, must still be a directory:
 * the tracer does not record the lookups of a path's parents, and an earlier node may have
 * removed one (`rm -r d` before `cmd > d/f`). Returns the first missing one in buf. */
static bool parents_live(const struct hs_runner *r, const struct hs_tracer_write *wr,
			 size_t nw, char *buf, size_t len)
{
	struct stat sb;
	bool base_pending = r->base && !r->base->committed;

	for (size_t i = 0; i < nw; i++) {
		if (virtual_path(wr[i].path) || strlen(wr[i].path) >= len)
			continue;
		strcpy(buf, wr[i].path);
		for (char *slash = strrchr(buf, '/'); slash && slash > buf; slash = strrchr(buf, '/')) {
			*slash = '\0';
			if (created_by_run(wr, nw, buf))
				continue;
			/* A directory of the base's changes: its commit makes it what the run saw
			 * (the base's cover stamps check the rest). */
			if (base_pending && cover_find(r, buf) >= 0)
				break;
			if (lstat(buf, &sb) < 0 || !S_ISDIR(sb.st_mode))
				return false;
			break; /* it exists: so do its parents */
		}
	}
	return true;
}

bool hs_runner_reads_valid(struct hs_runner *r, const char **path)
{
	const struct hs_tracer_read *rd;
	const struct hs_tracer_write *wr;
	size_t n = hs_tracer_reads(r->t, &rd);
	size_t nw = hs_tracer_writes(r->t, &wr);

	*path = NULL;
	if (!parents_live(r, wr, nw, r->missing, sizeof(r->missing))) {
		*path = r->missing;
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		/* The run's own writes are in its sandbox; what it read first is what matters. */
		if ((rd[i].kinds & HS_TRACER_AFTER_WRITE) || virtual_path(rd[i].path))
			continue;
		/* Stacked, it saw there what its base made of the live object: that object must
		 * not have changed since the base's stamp (taken before the run started), and
		 * after the base's commit, since the commit. */
		long k = cover_find(r, rd[i].path);
		struct hs_tracer_read alt;
		if (k >= 0) {
			const struct base_cover *c = r->base->cover;
			if (r->base->committed && !c->post) {
				*path = rd[i].path;
				return false;
			}
			alt = rd[i];
			alt.stamp = r->base->committed ? c->post[k] : c->pre[k];
		}
		if (!stamp_live(k >= 0 ? &alt : &rd[i])) {
			*path = rd[i].path;
			return false;
		}
	}
	return true;
}

static int cmp_read(const void *key, const void *elem)
{
	return strcmp(key, ((const struct hs_tracer_read *)elem)->path);
}

/* The read of exactly path, or NULL (reads are sorted by path). */
static const struct hs_tracer_read *find_read(const struct hs_tracer_read *rd, size_t n,
					      const char *path)
{
	return bsearch(path, rd, n, sizeof(*rd), cmp_read);
}

/* The first read at or after key in path order. */
static size_t lower_bound(const struct hs_tracer_read *rd, size_t n, const char *key)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(rd[mid].path, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool hs_runner_conflicts(struct hs_runner *r, struct hs_runner *w, const char **path)
{
	const struct hs_tracer_read *rd;
	const struct hs_tracer_write *wr;
	size_t nr = hs_tracer_reads(r->t, &rd);
	size_t nw = hs_tracer_writes(w->t, &wr);
	char buf[sizeof(r->missing)];

	*path = NULL;
	for (size_t i = 0; i < nw; i++) {
		const char *p = wr[i].path;
		size_t len = strlen(p);
		const struct hs_tracer_read *x = find_read(rd, nr, p);

		if (len + 2 > sizeof(buf))
			continue;
		if (x && !(x->kinds & HS_TRACER_AFTER_WRITE)) {
			*path = x->path;
			return true;
		}
		/* A directory removed or renamed: everything read under it. */
		if (wr[i].kinds & HS_TRACER_PREFIX) {
			memcpy(buf, p, len);
			memcpy(buf + len, "/", 2);
			size_t k = lower_bound(rd, nr, buf);
			if (k < nr && strncmp(rd[k].path, buf, len + 1) == 0) {
				*path = rd[k].path;
				return true;
			}
		}
		/* An entry created or removed: a listing of its directory. */
		if (wr[i].kinds & (HS_TRACER_CREATE | HS_TRACER_REMOVE)) {
			const char *slash = strrchr(p, '/');
			if (!slash)
				continue;
			size_t pl = slash == p ? 1 : (size_t)(slash - p);
			memcpy(buf, p, pl);
			buf[pl] = '\0';
			x = find_read(rd, nr, buf);
			if (x && (x->kinds & HS_TRACER_LIST)) {
				*path = x->path;
				return true;
			}
		}
	}
	return false;
}

/* Stamp the cover of a committed base, and wait until a later change of any of its paths
 * would show in their stamps: two ticks past the newest change time. */
static int stamp_committed(struct base_cover *c)
{
	long long newest = 0;

	c->post = calloc(c->n ? c->n : 1, sizeof(*c->post));
	if (!c->post)
		return -1;
	for (size_t i = 0; i < c->n; i++) {
		if (stamp_now(c->paths[i], &c->post[i]) < 0)
			memset(&c->post[i], 0, sizeof(c->post[i])); /* matches nothing: stale */
		if (ts_ns(c->post[i].ctime) > newest)
			newest = ts_ns(c->post[i].ctime);
	}
	long long ready = newest + tick_margin_ns();
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	if (ts_ns(now) < ready) {
		long long d = ready - ts_ns(now);
		struct timespec t = {d / 1000000000LL, d % 1000000000LL};
		while (nanosleep(&t, &t) < 0 && errno == EINTR)
			;
	}
	struct timespec taken = {ready / 1000000000LL, ready % 1000000000LL};
	for (size_t i = 0; i < c->n; i++)
		if (ts_ns(c->post[i].taken) < ready)
			c->post[i].taken = taken;
	return 0;
}

int hs_runner_commit(struct hs_runner *r, struct hs_error *err)
{
	const struct hs_commit_layer *layers;
	size_t n = hs_sandbox_layers(r->sb, &layers);
	/* Runs stacked on this one still read its uppers: copy, leave them as they are. */
	bool keep = r->live_users > 0;

	if (hs_commit_apply(layers, n, NULL, HS_COMMIT_NOSYNC | (keep ? HS_COMMIT_COPY : 0),
			    err) < 0)
		return -1;
	r->committed = true;
	/* Without these stamps (out of memory), a stacked run's read there counts as stale. */
	if (r->users > 0 && r->cover)
		stamp_committed(r->cover);
	if (keep)
		return 0; /* removed once the last stacked run is buried */
	struct hs_error e2 = HS_ERROR_INIT;
	if (hs_sandbox_destroy(r->sb, &e2) < 0)
		hs_warn("removing a committed sandbox: %s", e2.msg);
	r->sb = NULL;
	return 0;
}

/* Runs given up (killed, or done with): their processes die, their sandboxes are removed
 * later, off the path of the shell's answers (dropping a run used to wait for its
 * namespaces and remove its dirs there, tens of ms on chain.sh). */
static struct hs_runner *graveyard;

static void bury(struct hs_runner *r)
{
	struct hs_error err = HS_ERROR_INIT;

	if (r->base)
		r->base->users--;
	cover_free(r->cover);
	hs_tracer_free(r->t);
	if (r->stdin_fd >= 0)
		close(r->stdin_fd);
	if (r->sb && hs_sandbox_destroy(r->sb, &err) < 0)
		hs_warn("removing a sandbox: %s", err.msg);
	free(r);
}

/* Finish the runs in the graveyard whose processes are gone (all of them with block). A
 * base stays until the runs stacked on it are buried. */
static bool sweep(bool block)
{
	bool buried = false;

	for (struct hs_runner **pp = &graveyard, *r; (r = *pp);) {
		if (r->users > 0) {
			pp = &r->next;
			continue;
		}
		if (r->pid > 0 && !r->sb_done) {
			struct pollfd p = {r->waitfd, POLLIN, 0};
			struct hs_error err = HS_ERROR_INIT;
			if (!block && poll(&p, 1, 0) <= 0) {
				pp = &r->next;
				continue;
			}
			hs_sandbox_wait(r->pid, r->waitfd, &err);
			set_sb_done(r);
		}
		*pp = r->next;
		bury(r);
		buried = true;
	}
	return buried;
}

void hs_runner_free(struct hs_runner *r)
{
	if (!r)
		return;
	r->given_up = true;
	if (r->pid > 0 && !r->sb_done)
		kill(r->pid, SIGKILL);
	r->next = graveyard;
	graveyard = r;
}

void hs_runner_flush(void)
{
	/* Stacked runs first, then their bases. */
	while (sweep(true))
		;
}
