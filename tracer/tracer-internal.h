/* Internals shared by the tracer's files: the tracer object, the record sets, the filter, path
 * resolution and the backend-independent event handler. */
#ifndef HS_TRACER_INTERNAL_H
#define HS_TRACER_INTERNAL_H

#include "tracer/tracer.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <uthash.h>

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

/* Highest syscall number (x86_64) the tracer knows; numbers above, up to HS_NR_PROBE_MAX,
 * are trapped and denied with a flag, so a new file syscall cannot slip through silently. */
#define HS_NR_KNOWN_MAX 469
#define HS_NR_PROBE_MAX 639

/* Deduplicated records, keyed by canonical path. */
struct rd_entry {
	UT_hash_handle hh;
	struct hs_tracer_read pub;
	char path[];
};

struct wr_entry {
	UT_hash_handle hh;
	struct hs_tracer_write pub;
	char path[];
};

struct flag_entry {
	UT_hash_handle hh;
	struct hs_tracer_flag pub;
	char key[]; /* "<kind>:<detail>" */
};

/* The identity of an object as statx sees it: a directory, or a non-directory with a single
 * link, has exactly one name under one mount (up to renames), so the identity names it. The
 * mount id is the 64-bit one that is never reused (STATX_MNT_ID_UNIQUE). */
struct hs_ident {
	uint64_t mnt, dev, ino;
};

/* Identity cache: the canonical name of an object reached through a tracee's cwd or fd, so
 * that /proc/<tid>/{cwd,fd/N} need one statx instead of a readlink and a walk of the name.
 * Cleared whenever the tree renames, links or removes a name (resolve.c explains why this is
 * enough). */
#define HS_IDENT_MAX 8192
#define HS_IDENT_MAX_FDS 256

struct ident_entry {
	UT_hash_handle hh;
	struct hs_ident key;
	int fd;		/* a directory: an O_PATH fd of it in our view (-1 until needed) */
	mode_t mode;	/* type in our view when cached */
	dev_t odev;	/* identity in our view when cached (the stdin check) */
	ino_t oino;
	size_t len;	/* canonical name; length 0 is the root */
	char path[];
};

/* /proc/<tid> and /proc/<tid>/fd kept open for a thread seen several times (resolve.c). */
#define HS_PROC_SLOTS 16
struct proc_slot {
	pid_t tid;
	unsigned uses;
	int dir, fddir; /* -1 until opened */
};

/* Absolute-path lookups already recorded (cleared on any name change by the tree). */
struct seen_entry {
	UT_hash_handle hh;
	char key[]; /* "<kind char><follow char><path>" */
};

/* Absolute exec paths already resolved (event.c; cleared with the seen cache). */
struct exec_entry {
	UT_hash_handle hh;
	char *path; /* canonical, inside name[] after the key */
	size_t len;
	char name[]; /* the path as executed */
};

/* Tasks known to the ptrace backend. */
struct task_entry {
	UT_hash_handle hh;
	pid_t tid;
	bool live, started;
	bool announced;	   /* its parent's fork/clone event was seen */
	bool initial_done; /* its first (attach) stop was seen */
	bool saw_seccomp;  /* a seccomp stop since its last exec */
};

/* Program exported once per process per backend. */
struct hs_filter_prog {
	struct sock_filter *insns;
	unsigned short len;
};

struct hs_tracer {
	struct hs_tracer_opts opts;
	enum hs_tracer_backend used;
	int sock[2];	  /* handshake: [0] parent end, [1] child end */
	pid_t child;	  /* as the caller sees it */
	int listener;	  /* notif: the seccomp listener */
	int event_fd;	  /* ptrace: eventfd signalled by the tracer thread when done */
	bool done;
	bool have_stdin;
	dev_t stdin_dev;
	ino_t stdin_ino;
	uint64_t nevents;
	int root_fd;	/* O_PATH fd of our root: absolute paths are resolved from it */
	void *notif_buf, *resp_buf; /* sized by SECCOMP_GET_NOTIF_SIZES */
	size_t notif_size, resp_size;

	/* ptrace backend */
	pthread_t thread;
	bool thread_started;
	struct task_entry *tasks;
	size_t nlive;
	int root_status; /* status of `child` if the tracer thread had to reap it, else -1 */
	struct hs_error thread_err;
	int thread_rc;

	/* filter programs for the child (pointers into the process-wide cache) */
	const struct hs_filter_prog *prog_notif, *prog_trace;
	bool killable_ok;

	/* records */
	struct rd_entry *reads;
	struct wr_entry *writes;
	struct flag_entry *flags;
	struct hs_tracer_exec *execs;
	size_t nexecs, cap_execs;
	struct proc_slot procs[HS_PROC_SLOTS];
	struct ident_entry *idents;
	size_t nidents, nident_fds;
	bool ident_ok; /* the kernel reports STATX_MNT_ID_UNIQUE: the identity cache is usable */
	struct seen_entry *seen;
	struct seen_entry *seen_absent; /* names cached lookups found absent (event.c) */
	struct exec_entry *exec_cache;
	size_t nseen;
	char **bound; /* AF_UNIX paths bound by the tree */
	size_t nbound;

	/* sorted views built once done */
	const struct hs_tracer_read **rd_sorted_p;
	struct hs_tracer_read *rd_sorted;
	struct hs_tracer_write *wr_sorted;
	struct hs_tracer_flag *fl_sorted;
	size_t nrd_sorted, nwr_sorted, nfl_sorted;
	bool sorted;
};

/* filter.c: the programs (RET_USER_NOTIF with or without the fd-0 read rules, RET_TRACE);
 * built once, never freed. */
int hs_tracer_filters(const struct hs_filter_prog **notif, const struct hs_filter_prog **trace,
		      bool stdin_rules, struct hs_error *err);

/* record.c */
void hs_rec_read(struct hs_tracer *t, const char *path, size_t len, unsigned kinds,
		 const struct hs_tracer_stamp *st);
void hs_rec_write(struct hs_tracer *t, const char *path, size_t len, unsigned kinds);
void hs_rec_exec(struct hs_tracer *t, const char *path, pid_t tid);
void hs_rec_flag(struct hs_tracer *t, enum hs_tracer_flag_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void hs_records_free(struct hs_tracer *t);
/* Forget cached resolutions: after a name change (seen cache), after a rename, link or removal
 * (identity cache). */
void hs_seen_clear(struct hs_tracer *t);
void hs_ident_clear(struct hs_tracer *t);
void hs_proc_close(struct hs_tracer *t);
/* The path has a read record already (whatever its kinds). */
bool hs_rec_has_read(struct hs_tracer *t, const char *path, size_t len);

/* resolve.c */
enum {
	RES_FOLLOW = 1 << 0,	 /* follow a symlink in the final component */
	RES_EMPTY_OK = 1 << 1,	 /* AT_EMPTY_PATH: "" means the dirfd itself */
	RES_IN_ROOT = 1 << 2,	 /* openat2 RESOLVE_IN_ROOT/BENEATH: dirfd is the root */
	RES_PARENT = 1 << 3,	 /* a name to create or remove: record nothing for the final one */
	RES_REMEMBER = 1 << 4,	 /* an open: put the object in the identity cache (its fd will
				    be fstat'ed or used as a dirfd) */
	RES_KNOWN_OK = 1 << 5,	 /* fd forms: when the fd's name has a read record already, only
				    the type, dev and ino of out->sb are needed (a STAT lookup) */
	RES_NAME_ONLY = 1 << 6,	 /* fd forms: only the name is needed, not out->sb */
};

enum res_status {
	RES_OK,		  /* final object exists: *st filled */
	RES_FINAL_ABSENT, /* parent exists, final name missing (recorded as absent if asked) */
	RES_FAILED,	  /* an earlier component missing or not a directory (recorded) */
	RES_NOFILE,	  /* not a file system object (pipe, socket, anon inode, deleted) */
	RES_ERROR,	  /* could not resolve (unreadable memory, dead task, too long) */
};

struct res_out {
	char path[4096 + 64];
	size_t len;
	struct stat sb;
};

/* Resolve (dirfd, path) for thread tid. path == NULL means "use the fd" (AT_EMPTY_PATH/NULL
 * forms). Records symlinks followed (READ) and a missing non-final component (STAT absent). */
enum res_status hs_resolve(struct hs_tracer *t, pid_t tid, int dirfd, const char *path,
			   unsigned flags, struct res_out *out);
/* Resolve an fd of tid to its path and stamp (flags: RES_KNOWN_OK, RES_NAME_ONLY). */
enum res_status hs_resolve_fd(struct hs_tracer *t, pid_t tid, int fd, unsigned flags,
			      struct res_out *out);
/* Probe the kernel for what the identity cache needs (tracer creation). */
bool hs_ident_probe(void);
/* Read a NUL-terminated string from tid's memory. Returns its length or -1. */
ssize_t hs_read_string(pid_t tid, uint64_t addr, char *buf, size_t size);
int hs_read_mem(pid_t tid, uint64_t addr, void *buf, size_t len);

/* event.c: classify one trapped syscall. Returns 0 to let it run, or an errno to deny it. */
int hs_tracer_event(struct hs_tracer *t, pid_t tid, const struct seccomp_data *d);

/* notif.c / ptrace.c */
int hs_notif_handle(struct hs_tracer *t, struct hs_error *err);
int hs_notif_handle_one(struct hs_tracer *t, struct hs_error *err);
int hs_ptrace_start(struct hs_tracer *t, struct hs_error *err);
int hs_ptrace_finish(struct hs_tracer *t, struct hs_error *err);

#endif
