/* Path resolution with the kernel as the oracle.
 *
 * The base directory of a relative lookup is read from /proc/<tid>/{cwd,fd/N} while the
 * thread is blocked in its syscall, so chdir, fchdir, CLONE_FS sharing, dup2, SCM_RIGHTS and
 * renamed directories need no model. The path is then walked in the tracer's own view (the
 * live file system: names inside a sandbox are the same as outside, DESIGN.md §4):
 *
 * - one component ("f", the common dirfd/cwd case): one fstatat;
 * - fast path: one openat2(O_PATH, RESOLVE_NO_SYMLINKS) + statx. When it succeeds no symlink
 *   was crossed, so `..` can be collapsed lexically and the name is canonical;
 * - slow path (a symlink, a magic /proc link, a missing component): component by component
 *   with openat(O_PATH|O_NOFOLLOW) + fstatat, recording every symlink followed as a read and
 *   the first missing component as an absent STAT. `..` is always physical.
 */
#include "tracer/tracer-internal.h"
#include "lib/util.h"

#include <ctype.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>

#define PAGE 4096ul
#define MAX_LINKS 40

#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U
#endif

/* statx as a struct stat, plus the object's identity (id->mnt is 0 when the kernel did not
 * report a unique mount id). Returns 0, or -1 with errno. */
static int stat_id(int dirfd, const char *name, int flags, struct stat *sb, struct hs_ident *id)
{
	struct statx x;

	if (statx(dirfd, name, flags, STATX_BASIC_STATS | STATX_MNT_ID_UNIQUE, &x) < 0)
		return -1;
	memset(sb, 0, sizeof(*sb));
	sb->st_dev = makedev(x.stx_dev_major, x.stx_dev_minor);
	sb->st_ino = x.stx_ino;
	sb->st_mode = x.stx_mode;
	sb->st_nlink = x.stx_nlink;
	sb->st_uid = x.stx_uid;
	sb->st_gid = x.stx_gid;
	sb->st_rdev = makedev(x.stx_rdev_major, x.stx_rdev_minor);
	sb->st_size = (off_t)x.stx_size;
	sb->st_blksize = x.stx_blksize;
	sb->st_blocks = (blkcnt_t)x.stx_blocks;
	sb->st_atim = (struct timespec){x.stx_atime.tv_sec, x.stx_atime.tv_nsec};
	sb->st_mtim = (struct timespec){x.stx_mtime.tv_sec, x.stx_mtime.tv_nsec};
	sb->st_ctim = (struct timespec){x.stx_ctime.tv_sec, x.stx_ctime.tv_nsec};
	if (id) {
		id->mnt = (x.stx_mask & STATX_MNT_ID_UNIQUE) ? x.stx_mnt_id : 0;
		id->dev = sb->st_dev;
		id->ino = sb->st_ino;
	}
	return 0;
}

bool hs_ident_probe(void)
{
	struct stat sb;
	struct hs_ident id;
	return stat_id(AT_FDCWD, "/", 0, &sb, &id) == 0 && id.mnt != 0;
}

/* The identity cache (tracer-internal.h).
 *
 * Why a hit gives the name the kernel would give (readlink of /proc/<tid>/fd/N or cwd):
 * - an entry is made only for an object with one name: a directory (one dentry per inode,
 *   one mount per unique mount id), or a non-directory whose link count is 1; and is used only
 *   while the object, seen through the tracee's fd or cwd at that moment, still has a link
 *   count of 1 (a directory: not 0), so a removed object or a second hard link misses;
 * - the key is the object itself (unique mount id, dev, ino), read by statx through the
 *   tracee's fd or cwd while the thread is blocked, so a closed, reused or dup2'ed fd, a chdir
 *   in a CLONE_FS sibling, or a reused tid miss the entry instead of hitting a stale one;
 * - the only way left for the name to change is a rename, link or removal: the tree's own are
 *   trapped and clear the cache before they run (event.c); one from outside the tree leaves
 *   the old name, as the per-thread cwd cache before this did: the reads recorded under it
 *   carry stamps of the objects read, which no longer match the live names, so validation
 *   fails and the command re-runs (conservative).
 * Without unique mount ids (Linux < 6.8) the cache is off. */
static struct ident_entry *ident_find(struct hs_tracer *t, const struct hs_ident *id)
{
	struct ident_entry *e;
	if (!t->ident_ok || !id->mnt)
		return NULL;
	HASH_FIND(hh, t->idents, id, sizeof(*id), e);
	return e;
}

static bool single_name(const struct stat *sb)
{
	return S_ISDIR(sb->st_mode) ? sb->st_nlink != 0 : sb->st_nlink == 1;
}

/* Add an entry (nothing when the cache is off or full). dirfd: an O_PATH fd of the directory
 * in our view, owned by the entry from now on, or -1. Returns the entry or NULL. */
static struct ident_entry *ident_add(struct hs_tracer *t, const struct hs_ident *id,
				     const char *path, size_t len, const struct stat *our, int dirfd)
{
	struct ident_entry *e;

	/* hs_tracer_event empties a full cache between events, never under a live entry. */
	if (!t->ident_ok || !id->mnt || t->nidents >= HS_IDENT_MAX ||
	    (dirfd >= 0 && t->nident_fds >= HS_IDENT_MAX_FDS) || (e = ident_find(t, id)) != NULL) {
		if (dirfd >= 0)
			close(dirfd);
		return NULL;
	}
	if (len == 1 && path[0] == '/')
		len = 0; /* the root: the empty canonical name, as path_push expects */
	e = malloc(sizeof(*e) + len + 1);
	if (!e) {
		if (dirfd >= 0)
			close(dirfd);
		return NULL;
	}
	e->key = *id;
	e->fd = dirfd;
	e->mode = our->st_mode;
	e->odev = our->st_dev;
	e->oino = our->st_ino;
	e->len = len;
	memcpy(e->path, path, len);
	e->path[len] = 0;
	HASH_ADD(hh, t->idents, key, sizeof(e->key), e);
	t->nidents++;
	if (dirfd >= 0)
		t->nident_fds++;
	return e;
}

void hs_ident_clear(struct hs_tracer *t)
{
	struct ident_entry *e, *tmp;

	HASH_ITER(hh, t->idents, e, tmp) {
		HASH_DEL(t->idents, e);
		if (e->fd >= 0)
			close(e->fd);
		free(e);
	}
	t->nidents = t->nident_fds = 0;
}

static bool same_ident(const struct hs_ident *a, const struct hs_ident *b)
{
	return a->mnt == b->mnt && a->dev == b->dev && a->ino == b->ino;
}

/* An O_PATH fd of directory `name` under dirfd, only if it is still the object `id` (it may
 * have been renamed or replaced since it was looked up); else -1. */
static int open_same(int dirfd, const char *name, const struct hs_ident *id)
{
	int fd = openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat sb;
	struct hs_ident now;
	if (fd >= 0 && (stat_id(fd, "", AT_EMPTY_PATH, &sb, &now) < 0 || !same_ident(&now, id))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* An object we resolved for an open (RES_REMEMBER): its fd is likely to be fstat'ed or used as
 * a dirfd next. Our view and the tracee's are the same outside a sandbox; inside one the
 * tracee sees the overlay's identities, and these entries simply never hit. dirfd: as for
 * ident_add. */
static void remember(struct hs_tracer *t, unsigned flags, const struct res_out *out,
		     const struct hs_ident *id, int dirfd)
{
	if ((flags & RES_REMEMBER) && single_name(&out->sb) && out->len < sizeof(out->path))
		ident_add(t, id, out->len ? out->path : "", out->len, &out->sb,
			  S_ISDIR(out->sb.st_mode) ? dirfd : -1);
	else if (dirfd >= 0)
		close(dirfd);
}

int hs_read_mem(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = {buf, len}, remote = {(void *)(uintptr_t)addr, len};
	ssize_t n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
	return n == (ssize_t)len ? 0 : -1;
}

ssize_t hs_read_string(pid_t tid, uint64_t addr, char *buf, size_t size)
{
	size_t got = 0;

	/* Page by page: a read that crosses into an unmapped page fails as a whole. */
	while (got < size - 1) {
		size_t chunk = PAGE - ((addr + got) & (PAGE - 1));
		if (chunk > size - 1 - got)
			chunk = size - 1 - got;
		struct iovec local = {buf + got, chunk};
		struct iovec remote = {(void *)(uintptr_t)(addr + got), chunk};
		ssize_t n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
		if (n <= 0)
			return -1;
		char *nul = memchr(buf + got, 0, (size_t)n);
		if (nul)
			return nul - buf;
		got += (size_t)n;
	}
	return -1; /* longer than PATH_MAX: the kernel fails it with ENAMETOOLONG */
}

static int sys_openat2(int dirfd, const char *path, struct open_how *how)
{
	return (int)syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
}

/* Append component c (length n) to a canonical path p (length *len; "" is the root). */
static int path_push(char *p, size_t *len, size_t cap, const char *c, size_t n)
{
	if (*len + 1 + n + 1 > cap)
		return -1;
	p[(*len)++] = '/';
	memcpy(p + *len, c, n);
	*len += n;
	p[*len] = 0;
	return 0;
}

static void path_pop(char *p, size_t *len, size_t root_len)
{
	if (*len <= root_len)
		return;
	while (*len > root_len && p[*len - 1] != '/')
		(*len)--;
	if (*len > root_len)
		(*len)--; /* the slash */
	p[*len] = 0;
}

/* Lexical canonicalisation of base + rel, valid only when no symlink lies on the way. */
static int canon_lexical(const char *base, size_t base_len, size_t root_len, const char *rel,
			 char *out, size_t cap, size_t *out_len)
{
	size_t len = base_len;

	if (base_len + 1 > cap)
		return -1;
	memcpy(out, base, base_len);
	out[len] = 0;
	for (const char *p = rel; *p;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *e = strchrnul(p, '/');
		size_t n = (size_t)(e - p);
		if (n == 1 && p[0] == '.') {
			/* nothing */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			path_pop(out, &len, root_len);
		} else if (path_push(out, &len, cap, p, n) < 0) {
			return -1;
		}
		p = e;
	}
	*out_len = len;
	return 0;
}

static void finish_name(struct res_out *out)
{
	if (out->len == 0) {
		out->path[0] = '/';
		out->path[1] = 0;
		out->len = 1;
	}
}

static pid_t tgid_of(pid_t tid)
{
	char p[64], buf[512];
	snprintf(p, sizeof(p), "/proc/%d/status", tid);
	_cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return tid;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return tid;
	buf[n] = 0;
	char *s = strstr(buf, "\nTgid:");
	return s ? (pid_t)atoi(s + 6) : tid;
}

/* /proc/<tid>/cwd or /proc/<tid>/fd/N (fd < 0: the cwd) as a dirfd and a name relative to it.
 * A thread seen a few times gets /proc/<tid> and /proc/<tid>/fd kept open, so the lookup
 * walks one component instead of four. Such an fd stays bound to the thread it was opened for
 * (procfs ties it to that thread's struct pid, not to the number): once that thread is gone,
 * lookups through it fail with ENOENT even if the tid is reused, and proc_retry falls back to
 * the full path and forgets the slot. A thread's files and fs are those of the thread that
 * holds the tid now (an exec by a non-leader hands the leader's pid to it, as it should). */
static void proc_forget(struct proc_slot *s)
{
	/* hs_closep leaves the number behind: a stale one could name a later, unrelated fd. */
	hs_closep(&s->dir);
	hs_closep(&s->fddir);
	s->dir = s->fddir = -1;
	s->uses = 0;
}

static int proc_at(struct hs_tracer *t, pid_t tid, int fd, char *name, size_t size)
{
	struct proc_slot *s = &t->procs[(unsigned)tid % HS_PROC_SLOTS];

	if (s->tid != tid) {
		proc_forget(s);
		s->tid = tid;
	}
	/* One-shot processes (an exec loop's) would pay more for the opens than they save. */
	if (s->dir < 0 && ++s->uses >= 6) {
		char p[64];
		snprintf(p, sizeof(p), "/proc/%d", tid);
		s->dir = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (s->dir >= 0)
			s->fddir = openat(s->dir, "fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (s->fddir < 0)
			proc_forget(s);
	}
	if (s->dir >= 0) {
		if (fd < 0)
			snprintf(name, size, "cwd");
		else
			snprintf(name, size, "%d", fd);
		return fd < 0 ? s->dir : s->fddir;
	}
	if (fd < 0)
		snprintf(name, size, "/proc/%d/cwd", tid);
	else
		snprintf(name, size, "/proc/%d/fd/%d", tid, fd);
	return AT_FDCWD;
}

/* After a failed lookup through a kept directory: forget it and give the full path (1), or 0
 * when the lookup was through the full path already. */
static int proc_retry(struct hs_tracer *t, pid_t tid, int fd, int *dirfd, char *name,
		      size_t size)
{
	struct proc_slot *s = &t->procs[(unsigned)tid % HS_PROC_SLOTS];

	if (*dirfd == AT_FDCWD)
		return 0;
	proc_forget(s);
	*dirfd = AT_FDCWD;
	if (fd < 0)
		snprintf(name, size, "/proc/%d/cwd", tid);
	else
		snprintf(name, size, "/proc/%d/fd/%d", tid, fd);
	return 1;
}

void hs_proc_close(struct hs_tracer *t)
{
	for (int i = 0; i < HS_PROC_SLOTS; i++) {
		proc_forget(&t->procs[i]);
		t->procs[i].tid = 0;
	}
}

/* statx through /proc/<tid>/{cwd,fd/N}: the object the link names. */
static int proc_stat(struct hs_tracer *t, pid_t tid, int fd, struct stat *sb, struct hs_ident *id)
{
	char name[64];
	int dirfd = proc_at(t, tid, fd, name, sizeof(name));
	int rc;
	do
		rc = stat_id(dirfd, name, 0, sb, id);
	while (rc < 0 && proc_retry(t, tid, fd, &dirfd, name, sizeof(name)));
	return rc;
}

/* The name /proc/<tid>/{cwd,fd/N} links to, by readlink. Returns its length, 0 for a
 * non-file (pipe, socket, deleted), -1. */
static ssize_t fd_path(struct hs_tracer *t, pid_t tid, int fd, char *buf, size_t size)
{
	char name[64];
	int dirfd = proc_at(t, tid, fd, name, sizeof(name));
	ssize_t n;
	do
		n = readlinkat(dirfd, name, buf, size - 1);
	while (n < 0 && proc_retry(t, tid, fd, &dirfd, name, sizeof(name)));
	if (n < 0)
		return -1;
	buf[n] = 0;
	if (buf[0] != '/' || (n > 10 && strcmp(buf + n - 10, " (deleted)") == 0))
		return 0;
	return n;
}

/* The identity of /proc/<tid>/{cwd,fd/N} (the object the link names) and its name, from the
 * cache or by readlink. `tsb`/`tid_` are the statx through the link, taken by the caller. On a
 * miss the name is cached only once a second look confirms the link still names the same
 * object (in our view when that is the tracee's, else through the link again), so a sibling
 * thread's dup2 or chdir between statx and readlink cannot pair an identity with another
 * object's name. Returns the entry, or NULL with out->path/len filled (uncached), or NULL
 * with out->len == SIZE_MAX when the link names no file (pipe, socket, deleted). */
static struct ident_entry *link_name(struct hs_tracer *t, pid_t tid, int fd,
				     const struct stat *tsb, const struct hs_ident *tid_,
				     struct res_out *out)
{
	struct ident_entry *e = single_name(tsb) ? ident_find(t, tid_) : NULL;
	if (e)
		return e;
	ssize_t n = fd_path(t, tid, fd, out->path, sizeof(out->path));
	if (n <= 0) {
		out->len = SIZE_MAX;
		return NULL;
	}
	out->len = n == 1 ? 0 : (size_t)n; /* "/" is the empty canonical root */
	out->path[out->len] = 0;
	return NULL;
}

/* Cache out->path (just read through the link) as the name of tid_, if confirmed. `our`/`oid`: the
 * stat of the name in our view. dirfd as for ident_add. */
static struct ident_entry *link_confirm(struct hs_tracer *t, pid_t tid, int fd,
					const struct stat *tsb, const struct hs_ident *tid_,
					const struct res_out *out, const struct stat *our,
					const struct hs_ident *oid, int dirfd)
{
	struct stat again;
	struct hs_ident aid;

	if (!t->ident_ok || !tid_->mnt || !single_name(tsb) ||
	    (!same_ident(oid, tid_) &&
	     (proc_stat(t, tid, fd, &again, &aid) < 0 || !same_ident(&aid, tid_)))) {
		if (dirfd >= 0)
			close(dirfd);
		return NULL;
	}
	return ident_add(t, tid_, out->len ? out->path : "", out->len, our, dirfd);
}

/* The directory a relative lookup starts from: tid's cwd (dirfd AT_FDCWD) or its fd dirfd.
 * Fills out->path/len with its canonical name and *base with an O_PATH fd of it in our view,
 * owned by the cache or, when uncached, by *own. */
static enum res_status base_dir(struct hs_tracer *t, pid_t tid, int dirfd, struct res_out *out,
				int *base, int *own)
{
	struct stat tsb;
	struct hs_ident tid_;
	int pfd = dirfd == AT_FDCWD ? -1 : dirfd;

	if (proc_stat(t, tid, pfd, &tsb, &tid_) < 0)
		return dirfd == AT_FDCWD ? RES_NOFILE : RES_ERROR;
	/* A removed directory (nlink 0): every relative lookup fails in the kernel too. A
	 * non-directory: ENOTDIR. */
	if (!S_ISDIR(tsb.st_mode) || tsb.st_nlink == 0)
		return RES_NOFILE;
	struct ident_entry *e = link_name(t, tid, pfd, &tsb, &tid_, out);
	if (e) {
		memcpy(out->path, e->path, e->len + 1);
		out->len = e->len;
		if (e->fd < 0) {
			/* No fd cached (an entry from an fstat, or a sandbox's): open the name in
			 * our view, and keep the fd only if it is the entry's object. */
			int fd = open(e->len ? e->path : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (fd < 0)
				return RES_NOFILE;
			struct stat sb;
			struct hs_ident id;
			if (t->nident_fds < HS_IDENT_MAX_FDS &&
			    stat_id(fd, "", AT_EMPTY_PATH, &sb, &id) == 0 && same_ident(&id, &e->key)) {
				e->fd = fd;
				t->nident_fds++;
			} else {
				*own = fd;
			}
			*base = fd;
			return RES_OK;
		}
		*base = e->fd;
		return RES_OK;
	}
	if (out->len == SIZE_MAX)
		return RES_NOFILE;
	int fd = open(out->len ? out->path : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return RES_NOFILE;
	struct stat our;
	struct hs_ident oid;
	if (stat_id(fd, "", AT_EMPTY_PATH, &our, &oid) < 0) {
		close(fd);
		return RES_ERROR;
	}
	/* The fd is cached with the name only when it is the tracee's object (our view is the
	 * tracee's): inside a sandbox the name is opened again on each use, as before. */
	if (!t->ident_ok || !same_ident(&oid, &tid_)) {
		link_confirm(t, tid, pfd, &tsb, &tid_, out, &our, &oid, -1);
		*base = *own = fd;
		return RES_OK;
	}
	e = link_confirm(t, tid, pfd, &tsb, &tid_, out, &our, &oid, fd);
	if (e) {
		*base = e->fd;
	} else {
		/* link_confirm closed fd: open again, uncached (rare: a race or a full cache). */
		*own = open(out->len ? out->path : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (*own < 0)
			return RES_NOFILE;
		*base = *own;
	}
	return RES_OK;
}

enum res_status hs_resolve_fd(struct hs_tracer *t, pid_t tid, int fd, unsigned flags,
			      struct res_out *out)
{
	struct stat tsb;
	struct hs_ident tid_;

	if (proc_stat(t, tid, fd, &tsb, &tid_) < 0)
		return RES_ERROR;
	struct ident_entry *e = link_name(t, tid, fd, &tsb, &tid_, out);
	if (e) {
		memcpy(out->path, e->path, e->len + 1);
		out->len = e->len;
		if ((flags & RES_NAME_ONLY) ||
		    ((flags & RES_KNOWN_OK) && hs_rec_has_read(t, out->path, out->len))) {
			/* The stamp would not be used (the read record keeps the first one):
			 * what the callers look at is the type and, for the stdin check, the
			 * identity in our view, both fixed for the object. */
			memset(&out->sb, 0, sizeof(out->sb));
			out->sb.st_mode = e->mode;
			out->sb.st_dev = e->odev;
			out->sb.st_ino = e->oino;
			finish_name(out);
			return RES_OK;
		}
		if (fstatat(AT_FDCWD, e->len ? e->path : "/", &out->sb, AT_SYMLINK_NOFOLLOW) < 0)
			return RES_NOFILE;
		finish_name(out);
		return RES_OK;
	}
	if (out->len == SIZE_MAX) {
		out->sb = tsb;
		return RES_NOFILE;
	}
	struct hs_ident oid;
	if (stat_id(AT_FDCWD, out->len ? out->path : "/", AT_SYMLINK_NOFOLLOW, &out->sb, &oid) < 0)
		return RES_NOFILE;
	link_confirm(t, tid, fd, &tsb, &tid_, out, &out->sb, &oid, -1);
	finish_name(out);
	return RES_OK;
}

static bool all_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* A magic link: any symlink below /proc/<pid>/ (fd/N, cwd, root, exe, map_files...). */
static bool in_proc_pid(const char *dir, size_t len)
{
	if (len < 7 || strncmp(dir, "/proc/", 6) != 0)
		return false;
	const char *p = dir + 6, *e = memchr(p, '/', len - 6);
	return all_digits(p, e ? (size_t)(e - p) : len - 6);
}

/* The component walk. cur_fd/out->path hold the directory reached so far. */
static enum res_status walk(struct hs_tracer *t, pid_t tid, int root_fd, size_t root_len,
			    const char *root_path, int start_fd, const char *rel, unsigned flags,
			    struct res_out *out)
{
	char rem[2 * 4096 + 2];
	_cleanup_close_ int own = -1;
	int cur = start_fd;
	int links = 0;
	struct stat sb;
	struct hs_tracer_stamp st;

	if (strlen(rel) >= sizeof(rem) / 2)
		return RES_ERROR;
	strcpy(rem, rel);
	char *p = rem;
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p) {
			/* The path ends at a directory ("", ".", "a/..", "d/"). */
			if (fstat(cur, &out->sb) < 0)
				return RES_ERROR;
			finish_name(out);
			return RES_OK;
		}
		char *e = strchrnul(p, '/');
		size_t n = (size_t)(e - p);
		const char *after = e;
		while (*after == '/')
			after++;
		bool last = *after == 0;
		bool slash = *e == '/';
		char comp[256];
		if (n >= sizeof(comp))
			return RES_ERROR; /* ENAMETOOLONG */
		memcpy(comp, p, n);
		comp[n] = 0;
		p = (char *)after;

		if (n == 1 && comp[0] == '.')
			continue;
		if (n == 2 && comp[0] == '.' && comp[1] == '.') {
			if (out->len > root_len) {
				int fd = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
				if (fd < 0)
					return RES_ERROR;
				hs_closep(&own);
				own = cur = fd;
				path_pop(out->path, &out->len, root_len);
			}
			continue;
		}
		/* /proc/self and /proc/thread-self name the tracee, not us. */
		if (out->len == 5 && strcmp(out->path, "/proc") == 0 &&
		    (strcmp(comp, "self") == 0 || strcmp(comp, "thread-self") == 0)) {
			char sub[64];
			pid_t tg = tgid_of(tid);
			if (comp[0] == 's')
				snprintf(sub, sizeof(sub), "%d", tg);
			else
				snprintf(sub, sizeof(sub), "%d/task/%d", tg, tid);
			size_t sl = strlen(sub), rl = strlen(p);
			if (sl + 1 + rl + 1 > sizeof(rem))
				return RES_ERROR;
			memmove(rem + sl + 1, p, rl + 1);
			memcpy(rem, sub, sl);
			rem[sl] = '/';
			p = rem;
			continue;
		}
		if (fstatat(cur, comp, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT)
				return RES_ERROR;
			if (path_push(out->path, &out->len, sizeof(out->path), comp, n) < 0)
				return RES_ERROR;
			if (last)
				return RES_FINAL_ABSENT;
			memset(&st, 0, sizeof(st));
			st.absent = true;
			hs_rec_read(t, out->path, out->len, HS_TRACER_STAT, &st);
			return RES_FAILED;
		}
		if (S_ISLNK(sb.st_mode) && (!last || slash || (flags & RES_FOLLOW))) {
			char target[4096];
			ssize_t tl = readlinkat(cur, comp, target, sizeof(target) - 1);
			if (tl < 0)
				return RES_ERROR;
			target[tl] = 0;
			if (in_proc_pid(out->path, out->len)) {
				/* A magic link names the open object, not a path to walk. */
				if (target[0] != '/' ||
				    (tl > 10 && strcmp(target + tl - 10, " (deleted)") == 0)) {
					if (fstatat(cur, comp, &out->sb, 0) < 0)
						memset(&out->sb, 0, sizeof(out->sb));
					return RES_NOFILE;
				}
			} else {
				size_t ll = out->len;
				if (path_push(out->path, &ll, sizeof(out->path), comp, n) < 0)
					return RES_ERROR;
				hs_stamp_from_stat(&st, &sb);
				hs_rec_read(t, out->path, ll, HS_TRACER_READ, &st);
				out->path[out->len] = 0;
			}
			if (++links > MAX_LINKS)
				return RES_ERROR; /* ELOOP */
			size_t rl = strlen(p);
			if ((size_t)tl + 1 + rl + 1 > sizeof(rem))
				return RES_ERROR;
			memmove(rem + tl + 1, p, rl + 1);
			memcpy(rem, target, (size_t)tl);
			rem[tl] = (rl || slash) ? '/' : 0;
			if (!rl && !slash)
				rem[tl] = 0;
			p = rem;
			if (target[0] == '/') {
				hs_closep(&own);
				own = -1;
				cur = root_fd;
				memcpy(out->path, root_path, root_len);
				out->len = root_len;
				out->path[out->len] = 0;
			}
			continue;
		}
		if (path_push(out->path, &out->len, sizeof(out->path), comp, n) < 0)
			return RES_ERROR;
		if (last && !slash) {
			out->sb = sb;
			return RES_OK;
		}
		if (!S_ISDIR(sb.st_mode)) {
			/* ENOTDIR: the lookup depends on this being a non-directory. */
			hs_stamp_from_stat(&st, &sb);
			hs_rec_read(t, out->path, out->len, HS_TRACER_STAT, &st);
			return RES_FAILED;
		}
		int fd = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return RES_ERROR;
		hs_closep(&own);
		own = cur = fd;
		if (last) {
			out->sb = sb;
			return RES_OK;
		}
	}
}

enum res_status hs_resolve(struct hs_tracer *t, pid_t tid, int dirfd, const char *path,
			   unsigned flags, struct res_out *out)
{
	_cleanup_close_ int dir_own = -1;
	int base_fd, root_fd = t->root_fd;
	char root_path[4096];
	size_t root_len = 0;
	enum res_status bst;

	out->len = 0;
	out->path[0] = 0;
	if (!path || (!*path && (flags & RES_EMPTY_OK))) {
		if (dirfd == AT_FDCWD) {
			bst = base_dir(t, tid, AT_FDCWD, out, &base_fd, &dir_own);
			if (bst != RES_OK)
				return bst;
			if (fstat(base_fd, &out->sb) < 0)
				return RES_ERROR;
			finish_name(out);
			return RES_OK;
		}
		return hs_resolve_fd(t, tid, dirfd, flags, out);
	}
	if (!*path)
		return RES_ERROR; /* ENOENT from the kernel, no lookup */

	root_path[0] = 0;
	if (path[0] == '/' && !(flags & RES_IN_ROOT)) {
		base_fd = root_fd;
	} else {
		bst = base_dir(t, tid, dirfd, out, &base_fd, &dir_own);
		if (bst != RES_OK)
			return bst;
	}
	if (flags & RES_IN_ROOT) {
		root_fd = base_fd;
		root_len = out->len;
		memcpy(root_path, out->path, root_len + 1);
	}

	/* One component below the base ("f", not "." or ".."): a single fstatat, which crosses
	 * no symlink on the way, so the name is the base's plus the component. A symlink to be
	 * followed takes the slow path. */
	size_t plen = strlen(path);
	if (path[0] != '/' && plen < 256 && !memchr(path, '/', plen) &&
	    !(plen == 1 && path[0] == '.') && !(plen == 2 && path[0] == '.' && path[1] == '.')) {
		struct hs_ident id;
		if (stat_id(base_fd, path, AT_SYMLINK_NOFOLLOW, &out->sb, &id) == 0) {
			if (!S_ISLNK(out->sb.st_mode) || !(flags & RES_FOLLOW)) {
				if (path_push(out->path, &out->len, sizeof(out->path), path, plen) < 0)
					return RES_ERROR;
				int dfd = -1;
				if ((flags & RES_REMEMBER) && S_ISDIR(out->sb.st_mode))
					dfd = open_same(base_fd, path, &id);
				remember(t, flags, out, &id, dfd);
				return RES_OK;
			}
		} else if (errno == ENOENT) {
			if (path_push(out->path, &out->len, sizeof(out->path), path, plen) < 0)
				return RES_ERROR;
			return RES_FINAL_ABSENT;
		}
	}

	/* Fast path: no symlink anywhere (magic links count as symlinks here). */
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC | ((flags & RES_FOLLOW) ? 0 : O_NOFOLLOW),
		.resolve = RESOLVE_NO_SYMLINKS | ((flags & RES_IN_ROOT) ? RESOLVE_IN_ROOT : 0),
	};
	int fd = sys_openat2(base_fd, path, &how);
	if (fd >= 0) {
		struct hs_ident id;
		int rc = stat_id(fd, "", AT_EMPTY_PATH, &out->sb, &id);
		char tmp[sizeof(out->path)];
		size_t len;
		if (rc < 0 || canon_lexical(out->path, out->len, root_len, path, tmp, sizeof(tmp),
					    &len) < 0) {
			close(fd);
			return RES_ERROR;
		}
		memcpy(out->path, tmp, len + 1);
		out->len = len;
		finish_name(out);
		remember(t, flags, out, &id, fd);
		return RES_OK;
	}
	if (errno == ENOENT) {
		/* Missing final component below an existing, symlink-free parent: the common
		 * case of PATH searches, header probes and O_CREAT. */
		size_t pl = strlen(path);
		while (pl > 1 && path[pl - 1] == '/')
			pl--;
		const char *slash = memrchr(path, '/', pl);
		const char *name = slash ? slash + 1 : path;
		size_t nl = pl - (size_t)(name - path);
		if (nl && !(nl == 1 && name[0] == '.') && !(nl == 2 && name[0] == '.' && name[1] == '.') &&
		    nl < 256) {
			char parent[4096];
			int pfd = base_fd;
			_cleanup_close_ int pown = -1;
			bool ok = true;
			if (slash) {
				size_t dl = (size_t)(slash - path) + 1;
				memcpy(parent, path, dl);
				parent[dl] = 0;
				struct open_how ph = {
					.flags = O_PATH | O_CLOEXEC | O_DIRECTORY,
					.resolve = how.resolve,
				};
				pown = sys_openat2(base_fd, parent, &ph);
				ok = pown >= 0;
				pfd = pown;
			} else {
				parent[0] = 0;
			}
			char nm[256];
			memcpy(nm, name, nl);
			nm[nl] = 0;
			struct stat sb;
			if (ok && fstatat(pfd, nm, &sb, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT) {
				char tmp[sizeof(out->path)];
				size_t len;
				if (canon_lexical(out->path, out->len, root_len, parent, tmp,
						  sizeof(tmp), &len) < 0 ||
				    path_push(tmp, &len, sizeof(tmp), nm, nl) < 0)
					return RES_ERROR;
				memcpy(out->path, tmp, len + 1);
				out->len = len;
				return RES_FINAL_ABSENT;
			}
		}
	}
	/* Slow path. */
	if (flags & RES_IN_ROOT)
		return walk(t, tid, root_fd, root_len, root_path, base_fd,
			    path[0] == '/' ? path + 1 : path, flags, out);
	if (path[0] == '/') {
		out->len = 0;
		out->path[0] = 0;
	}
	return walk(t, tid, root_fd, 0, "", base_fd, path, flags, out);
}
