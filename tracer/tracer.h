/* The tracer: records what a process tree reads (with a stamp of each object read), writes,
 * executes, and which attempts it made that a sandbox cannot capture (network, setuid exec,
 * ptrace of outsiders, reading the caller's stdin, denied syscalls).
 *
 * Mechanism: a seccomp-bpf filter (built once with libseccomp) traps only the syscalls that
 * carry a name, the fd-based metadata writes and the network calls; events arrive by seccomp
 * user notification (continue flag, sync wake-up where the kernel has it), or, when a
 * notifier already exists above the tree (EBUSY) or on request, by ptrace + SECCOMP_RET_TRACE.
 * Paths are resolved with the kernel as the oracle (/proc/<tid>/{cwd,fd/N}), component by
 * component where symlinks are involved; stamps are taken while the caller is still blocked,
 * before its syscall runs. See docs/tracer.md.
 *
 * Use (one struct hs_tracer per traced tree):
 *
 *	t = hs_tracer_new(&opts, &err);
 *	pid = fork();
 *	if (pid == 0) { if (hs_tracer_child_install(t) < 0) _exit(127); execve(...); }
 *	hs_tracer_attach(t, pid, &err);
 *	// either: hs_tracer_run(t, pid, &status, &err);
 *	// or, in an event loop: poll(hs_tracer_fd(t)) and call hs_tracer_handle(t, &err)
 *	//     until it returns 1 (the whole tree, orphans included, is gone: see below)
 *	hs_tracer_print(t, stdout, HS_TRACER_PRINT_JSON);
 *	hs_tracer_free(t);
 *
 * Waiting: with the ptrace backend, do not wait (waitpid/waitid) for the child or its
 * orphans before hs_tracer_handle returned 1: the kernel treats a wait by the tracer's
 * thread group on a tracee as a ptrace wait and the tracer thread would miss the stop.
 * Polling a pidfd is fine.
 *
 * End of tree: with the notif backend the listener hangs up only once every task that carried
 * the filter has been *reaped*; the caller must reap its child, and orphans (set
 * PR_SET_CHILD_SUBREAPER, or run the tree in a pid namespace). hs_tracer_run does both.
 */
#ifndef HS_TRACER_TRACER_H
#define HS_TRACER_TRACER_H

#include "lib/error.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

struct hs_tracer;

enum hs_tracer_backend {
	HS_TRACER_AUTO = 0, /* user notification; ptrace when a notifier already exists (EBUSY) */
	HS_TRACER_NOTIF,
	HS_TRACER_PTRACE,
};

struct hs_tracer_opts {
	enum hs_tracer_backend backend;
	/* Let network attempts proceed (they are still recorded as flags). */
	bool allow_net;
	/* An fd of the caller whose open file counts as "the caller's stdin": a read of the
	 * tree's fd 0 while it is that file, or an open that reaches it, is flagged. -1: none,
	 * and reads of fd 0 are not trapped at all (the notif backend's filter has no rule for
	 * them: pipelines run at full speed). */
	int stdin_fd;
	/* The tree's network namespace is shared with other runs (HS_SANDBOX_SHARED_NET): a
	 * bind to an abstract AF_UNIX name, which another run could hold or see, is flagged
	 * external-ipc like a connect to a name the tree did not bind. */
	bool shared_net;
};

#define HS_TRACER_OPTS_INIT {HS_TRACER_AUTO, false, -1, false}

/* Version stamp of an object, taken before the syscall that read it ran. */
struct hs_tracer_stamp {
	bool absent; /* the name did not exist; the other fields are 0 */
	dev_t dev;
	ino_t ino;
	mode_t mode; /* type and permission bits */
	off_t size;
	struct timespec mtime, ctime;
	struct timespec taken; /* CLOCK_REALTIME when the read was recorded (just after the stat) */
};

struct stat;
/* A stamp of what sb describes (present; `taken` left as it is). */
void hs_stamp_from_stat(struct hs_tracer_stamp *st, const struct stat *sb);

/* What a read was (a bit set: one path can be read several ways). */
enum {
	HS_TRACER_READ = 1 << 0, /* content (open for reading, readlink, a followed symlink) */
	HS_TRACER_LIST = 1 << 1, /* directory listing (a directory opened for reading) */
	HS_TRACER_EXEC = 1 << 2, /* executed, or loaded as an interpreter */
	HS_TRACER_STAT = 1 << 3, /* metadata, existence, lookup (absent names are STAT) */
	HS_TRACER_AFTER_WRITE = 1 << 4, /* first read after the tree itself wrote the path */
};

struct hs_tracer_read {
	const char *path; /* canonical absolute path (symlinks resolved, no . or ..) */
	unsigned kinds;
	struct hs_tracer_stamp stamp; /* of the first read */
};

/* What a write was. */
enum {
	HS_TRACER_WRITE = 1 << 0,  /* content or name write */
	HS_TRACER_BLIND = 1 << 1,  /* replaced without regard to old content (O_TRUNC, creat,
				      rename onto, unlink) */
	HS_TRACER_META = 1 << 2,   /* metadata: mode, owner, times, xattrs, flags, link count */
	HS_TRACER_CREATE = 1 << 3, /* a name was (possibly) created */
	HS_TRACER_REMOVE = 1 << 4, /* a name was (possibly) removed or renamed away */
	HS_TRACER_PREFIX = 1 << 5, /* a directory renamed or removed: everything under it */
};

struct hs_tracer_write {
	const char *path;
	unsigned kinds;
};

struct hs_tracer_exec {
	const char *path; /* the file executed (canonical), in order of the attempts */
	pid_t tid;
};

enum hs_tracer_flag_kind {
	HS_TRACER_FLAG_NET = 1,	    /* network: non-AF_UNIX socket, INET connect/sendto */
	HS_TRACER_FLAG_IPC,	    /* AF_UNIX connect/sendto to a socket not bound by the tree */
	HS_TRACER_FLAG_SETUID,	    /* exec of a setuid/setgid or file-capability binary */
	HS_TRACER_FLAG_PTRACE,	    /* ptrace of a process outside the tree */
	HS_TRACER_FLAG_STDIN,	    /* read the caller's stdin */
	HS_TRACER_FLAG_DENIED,	    /* a denied syscall: io_uring, mount API, chroot, ... */
	HS_TRACER_FLAG_FOREIGN_ABI, /* i386 or x32 syscall from a 64-bit process (denied) */
	HS_TRACER_FLAG_UNKNOWN,	    /* a syscall number the tracer does not know (denied) */
	HS_TRACER_FLAG_LOST,	    /* an event could not be resolved (memory unreadable) */
};

struct hs_tracer_flag {
	enum hs_tracer_flag_kind kind;
	const char *detail; /* e.g. "connect AF_INET 1.1.1.1:80", "io_uring_setup" */
};

/* Create a tracer for one tree. Builds (once per process) and caches the filters.
 * Returns NULL with err set. */
struct hs_tracer *hs_tracer_new(const struct hs_tracer_opts *opts, struct hs_error *err);

/* Free the tracer and its results. NULL is a no-op. Does not kill the tree. */
void hs_tracer_free(struct hs_tracer *t);

/* Child side: install the filter in the calling (forked, single-threaded) child and hand the
 * listener to the parent; call it last before execve. Async-signal-safe: no allocation.
 * The child needs its own fd table (fork, or clone without CLONE_FILES): it closes the
 * parent's end of the handshake socket. Sets PR_SET_NO_NEW_PRIVS.
 * Signature fits the sandbox's child hook (`int (*)(void *)`, arg = the struct hs_tracer).
 * Blocks until the parent has attached. Returns 0, or -1 with errno set. */
int hs_tracer_child_install(void *tracer);

/* Parent side: wait for the child's handshake and start tracing it (pid as the caller sees
 * it; 0: the pid the handshake's credentials carry, for a child in a pid namespace, e.g. a
 * sandbox's command). Call after fork, while the child is in hs_tracer_child_install.
 * Returns 0, or -1 with err set (the child then gets an error from hs_tracer_child_install,
 * or is killed). */
int hs_tracer_attach(struct hs_tracer *t, pid_t child, struct hs_error *err);

/* The fd to poll for POLLIN (events pending, or the tree is done). */
int hs_tracer_fd(const struct hs_tracer *t);

/* Handle all pending events without blocking. Returns 1 once the tree is done (results are
 * final), 0 while it runs, -1 with err set on a tracer failure. */
int hs_tracer_handle(struct hs_tracer *t, struct hs_error *err);

/* Run to completion: handle events until the tree is done, reaping `child` (its shell-style
 * status, 128+signo for a signal, goes to *status) and any orphan reparented to the caller.
 * Returns 0, or -1 with err set. */
int hs_tracer_run(struct hs_tracer *t, pid_t child, int *status, struct hs_error *err);

/* The backend in use after attach (HS_TRACER_NOTIF or HS_TRACER_PTRACE). */
enum hs_tracer_backend hs_tracer_backend_used(const struct hs_tracer *t);

/* Results, sorted by path (execs in order): a snapshot, final once the tree is done, that may
 * also be taken while it runs. Valid until the next call or hs_tracer_free. */
size_t hs_tracer_reads(struct hs_tracer *t, const struct hs_tracer_read **out);
size_t hs_tracer_writes(struct hs_tracer *t, const struct hs_tracer_write **out);
size_t hs_tracer_execs(struct hs_tracer *t, const struct hs_tracer_exec **out);
size_t hs_tracer_flags(struct hs_tracer *t, const struct hs_tracer_flag **out);
/* Number of trapped syscalls handled (for statistics). */
uint64_t hs_tracer_nevents(const struct hs_tracer *t);

/* True when nothing was flagged: the tree did nothing a sandbox cannot capture. */
bool hs_tracer_can_speculate(struct hs_tracer *t);

/* Names for printing. */
const char *hs_tracer_flag_name(enum hs_tracer_flag_kind kind);

enum { HS_TRACER_PRINT_HUMAN = 0, HS_TRACER_PRINT_JSON = 1 };

/* Print reads, writes, execs and flags (JSON: one object per line, "type" first). */
void hs_tracer_print(struct hs_tracer *t, FILE *out, int format);

#endif
