/* Overlay sandbox: run a command over a copy-on-write view of the whole host file system.
 *
 * A sandbox is a directory (under hs_state_dir()/sandboxes by default) holding one overlay
 * upper dir per captured host mount. Each run builds a fresh mount, pid, IPC and network
 * namespace (plus a user namespace when not root) in which every host mount is covered in
 * place by an overlay (read-only and pseudo mounts by a read-only bind), /proc is fresh, /dev
 * minimal, /sys read-only and only loopback is up. Nothing the command does reaches the live
 * file system; the captured changes are exposed as struct hs_commit_layer for engine/commit.
 * See docs/sandbox.md. */
#ifndef HS_SANDBOX_H
#define HS_SANDBOX_H

#include "lib/error.h"

#include <stddef.h>
#include <sys/types.h>

struct hs_commit_layer; /* engine/commit/commit.h: { const char *upper, *target; } */

struct hs_sandbox;

/* Force the user-namespace (unprivileged) mode even when running as root. */
#define HS_SANDBOX_USERNS 0x1u

struct hs_sandbox_options {
	/* Directory to create the sandbox in (must not exist, or be empty); NULL: a new one
	 * under hs_state_dir()/sandboxes. */
	const char *dir;
	/* Earlier sandbox dirs stacked as extra lower layers, earlier first (later ones lie
	 * over earlier ones). They must stay until this sandbox is destroyed. */
	const char *const *lowers;
	size_t n_lowers;
	unsigned flags; /* HS_SANDBOX_* */
};

/* Run flags. */
#define HS_SANDBOX_IDLE 0x1u /* SCHED_IDLE, nice 19, oom_score_adj 1000 */
/* Give the command the caller's /dev/tty and the host's ptys (interactive use only:
 * speculative runs must not reach the terminal). */
#define HS_SANDBOX_TTY 0x2u
/* Join the network namespace open on netns_fd (from hs_sandbox_netns_new) instead of making
 * one per run: a run's network namespace costs ~1 ms of CPU to create and to tear down.
 * Runs then share loopback and the abstract AF_UNIX names, so the caller must keep them
 * from meeting there (the tracer's shared_net option). Root mode only: a sandbox with a
 * user namespace cannot join a namespace the host's user namespace owns, and makes its own
 * network namespace as without the flag. */
#define HS_SANDBOX_SHARED_NET 0x4u
/* Mount the overlays "volatile": no sync of the upper file system when the run's mounts go.
 * Without it every run's end syncs the whole file system its uppers are on (a syncfs: every
 * dirty page there, the live tree's included, written out and waited for). For throwaway
 * runs only: after a crash the uppers may have lost writes (Linux >= 5.10; ignored before). */
#define HS_SANDBOX_VOLATILE 0x8u

struct hs_sandbox_cmd {
	char *const *argv;   /* argv[0] is looked up in envp's PATH when it has no '/' */
	char *const *envp;   /* NULL: the caller's environ */
	const char *cwd;     /* NULL: the caller's cwd; must exist inside the sandbox */
	int fds[3];	     /* fd for the command's 0, 1, 2; -1: inherit the caller's (see
			      * HS_SANDBOX_CMD_INIT: a zeroed struct would mean fd 0 for all three) */
	const int *keep_fds; /* further fds passed through at the same numbers */
	size_t n_keep_fds;
	unsigned flags; /* HS_SANDBOX_IDLE, HS_SANDBOX_TTY, ..._SHARED_NET, ..._VOLATILE */
	int netns_fd;	/* with HS_SANDBOX_SHARED_NET: the network namespace to join */
	/* Called in the command's process (a child of the sandbox's init) after fds, cwd and
	 * priority are set, right before execve. Returns 0, or -1 (the command then exits with
	 * status 125 after printing "hs: sandbox: pre-exec hook failed" to its stderr). */
	int (*pre_exec)(void *arg);
	void *pre_exec_arg;
};

#define HS_SANDBOX_CMD_INIT                                                                        \
	{                                                                                          \
		.fds = { -1, -1, -1 }                                                              \
	}

/* Create a sandbox: a new dir with an upper/work dir per captured mount (on that mount's
 * file system when a writable place exists there). Returns NULL with err set; the error
 * names the missing feature (user namespaces, overlayfs) where that is the cause. */
struct hs_sandbox *hs_sandbox_new(const struct hs_sandbox_options *opts, struct hs_error *err);

/* A new network namespace with loopback up, for runs to share (HS_SANDBOX_SHARED_NET):
 * an O_CLOEXEC fd that keeps it alive, or -1 with err set (not root: EPERM). */
int hs_sandbox_netns_new(struct hs_error *err);

/* Reopen an existing sandbox dir (hs sandbox summary|commit DIR). Fails with a clear message
 * when dir does not exist or is not a sandbox. */
struct hs_sandbox *hs_sandbox_open(const char *dir, struct hs_error *err);

/* The sandbox's absolute directory (owned by sb). */
const char *hs_sandbox_dir(const struct hs_sandbox *sb);

/* The captured layers, in mount order (parents before children), for hs_commit_apply and
 * hs_commit_summary. The array and its strings are owned by sb. */
size_t hs_sandbox_layers(const struct hs_sandbox *sb, const struct hs_commit_layer **layers);

/* Runs: call from one thread, in a process that is not multi-threaded while it spawns (the
 * clone child allocates memory before execve). */

/* Start cmd inside a fresh set of namespaces over the sandbox. Returns 0 once the sandbox
 * is set up (before the command's execve: a pre_exec hook may wait for the caller) with *pid,
 * the sandbox's init (pid 1 inside; the command is its child), and *waitfd (O_CLOEXEC, for
 * poll/epoll: readable once the command has finished and every process of the run is gone).
 * Pass both to hs_sandbox_wait. Setup failures return -1 with err set (the failing step and
 * path); exec failures are the command's: 127/126 and a message on its stderr, as a shell
 * does. Signals sent to pid (HUP INT QUIT TERM USR1 USR2 ALRM CONT WINCH) are forwarded to
 * the command; SIGKILL ends every process of the run at once. The caller must not reap pid
 * itself (no waitpid(-1)); hs_sandbox_wait does. The run is killed when the calling thread
 * exits (PR_SET_PDEATHSIG), so nothing outlives hs. */
int hs_sandbox_spawn(struct hs_sandbox *sb, const struct hs_sandbox_cmd *cmd, pid_t *pid,
		     int *waitfd, struct hs_error *err);

/* The command's shell-style status (0-255; 128+signo when a signal killed it or the whole
 * run was SIGKILLed), or -1 with err set. Blocks until waitfd is readable, closes it. The
 * init is reaped without waiting for the kernel to tear its namespaces down (that finishes
 * in the background; hs_sandbox_destroy waits for it). */
int hs_sandbox_wait(pid_t pid, int waitfd, struct hs_error *err);

/* hs_sandbox_spawn + hs_sandbox_wait: the command's shell-style status, or -1 with err. */
int hs_sandbox_run(struct hs_sandbox *sb, const struct hs_sandbox_cmd *cmd, struct hs_error *err);

/* Remove the sandbox's dirs (uppers included) and free sb. sb may be NULL. Returns 0 or -1
 * with err set (sb is freed anyway). Only once its runs have ended (hs_sandbox_wait): a
 * running command is not stopped. An empty sandbox dir is recycled for the next
 * hs_sandbox_new instead of removed. */
int hs_sandbox_destroy(struct hs_sandbox *sb, struct hs_error *err);

/* Free sb, keeping its dirs on disk. sb may be NULL. */
void hs_sandbox_free(struct hs_sandbox *sb);

/* Whether dir looks like a sandbox dir (has a valid hs-sandbox file). */
int hs_sandbox_is_sandbox(const char *dir);

#endif
