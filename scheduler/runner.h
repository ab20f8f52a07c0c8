/* One speculative run: a shell command in its own overlay sandbox under the tracer.
 * Internal to scheduler/; keeps spec.c free of the sandbox's and tracer's types. */
#ifndef HS_SCHED_RUNNER_H
#define HS_SCHED_RUNNER_H

#include "lib/error.h"

#include <stdbool.h>
#include <stddef.h>

struct hs_run_req {
	char *const *argv;   /* shell -c SCRIPT arg0 args... */
	char *const *envp;
	const char *cwd;
	int out_fd, err_fd;  /* where the run's fds 1 and 2 go (may be the same fd) */
	int state_fd;        /* becomes the run's fd 9 (the post-state) */
	/* A finished run not committed yet whose changes this run sees as a lower layer
	 * (hs_runner_stackable), or NULL. */
	struct hs_runner *base;
};

struct hs_runner;

/* Whether runs can work on this host; 0 with err saying why not. */
int hs_runner_probe(struct hs_error *err);

/* Start a run at idle priority. Returns NULL with err set. */
struct hs_runner *hs_runner_start(const struct hs_run_req *req, struct hs_error *err);

/* The fds to poll for POLLIN (up to 2; -1 for none): [0] the tracer's listener, until the
 * trace is final (then it stays open but must no longer be polled: hung up, it is always
 * readable); [1] the sandbox's wait fd, until the sandbox is done (then it is closed). */
void hs_runner_fds(const struct hs_runner *r, int fds[2]);

/* Handle pending events. Returns 1 once the run is over (process tree gone, trace final),
 * 0 while it runs, -1 with err set on a failure (the run is then unusable). */
int hs_runner_handle(struct hs_runner *r, struct hs_error *err);

/* The shell waits for this run: raise it (each of its processes, best effort) from idle
 * to normal priority, so that other load, speculative runs included, does not hold up the
 * script. Processes it starts later inherit that priority. */
void hs_runner_boost(struct hs_runner *r);

/* Whether a later run may be stacked on r (see docs/engine.md, "Stacking"): r has finished,
 * is clean, is not stacked itself, and changed few enough files to keep them until its
 * stacked runs end. The first call lists r's changes and stamps their live paths: what a
 * stacked run reads there is checked against those stamps until r commits, and against the
 * state r's commit left after that. */
bool hs_runner_stackable(struct hs_runner *r);

/* The run r is stacked on, or NULL. */
struct hs_runner *hs_runner_base(const struct hs_runner *r);

/* Whether the run r is stacked on was given up without being committed: r is worthless. */
bool hs_runner_base_lost(const struct hs_runner *r);

/* Whether r may be committed as far as its base goes: it has none, or it was committed. A
 * base the shell went past without committing it (a branch not taken) is not given up yet
 * when the shell reaches r. */
bool hs_runner_base_committed(const struct hs_runner *r);

/* Shell-style exit status of a finished run. */
int hs_runner_status(const struct hs_runner *r);

/* Whether the run did nothing a sandbox cannot capture; *why names the first flag. */
bool hs_runner_clean(struct hs_runner *r, const char **why);

/* Whether every read stamp still matches the live file system; on a mismatch *path is the
 * first stale path (owned by r). A stacked run's reads of what its base changed are checked
 * against the base's stamps instead (see hs_runner_stackable). */
bool hs_runner_reads_valid(struct hs_runner *r, const char **path);

/* Whether r read what w wrote (w committed before r, in program order): a path w wrote, a
 * path under a directory w removed or renamed, or a listing of a directory where w created or
 * removed an entry. Exact, unlike stamps on a file system with coarse times. *path names it
 * (owned by r). */
bool hs_runner_conflicts(struct hs_runner *r, struct hs_runner *w, const char **path);

/* Merge the run's file effects into the live file system (program order is the caller's
 * business). Returns 0, or -1 with err set. A run with stacked runs still running keeps its
 * changes for them (commit by copy); its stamps of what it changed are taken after the
 * commit, and it returns only once a later change there would show in them (two ticks of
 * the file time clock after the newest change): the shell, held until the commit is
 * answered, cannot change those paths unseen. */
int hs_runner_commit(struct hs_runner *r, struct hs_error *err);

/* Kill the run if it still runs and give it up: its processes are reaped and its sandbox
 * removed later (at the next hs_runner_start, or hs_runner_flush). NULL is a no-op. */
void hs_runner_free(struct hs_runner *r);

/* Reap and remove every run given up: before the scheduler returns. */
void hs_runner_flush(void);

#endif
