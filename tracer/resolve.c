/* Path resolution with the kernel as the oracle.
 *
 * The base directory of a relative lookup is read from /proc/<tid>/{cwd,fd/N} while the
 * thread is blocked in its syscall, so chdir, fchdir, CLONE_FS sharing, dup2, SCM_RIGHTS and
 * renamed directories need no model. The path is then walked in the tracer's own view (the
 * live file system: names inside a sandbox are the same as outside, DESIGN.md §4):
 *
 * - fast path: one openat2(O_PATH, RESOLVE_NO_SYMLINKS) + fstat. When it succeeds no symlink
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
#include <sys/uio.h>

#define PAGE 4096ul
#define MAX_LINKS 40

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

/* The cwd of tid: cached per thread until a chdir/fork/unshare in the tree (see event.c). */
static struct cwd_entry *cwd_of(struct hs_tracer *t, pid_t tid)
{
	struct cwd_entry *e;
	char p[64];

	HASH_FIND_INT(t->cwds, &tid, e);
	if (e)
		return e;
	e = malloc(sizeof(*e));
	if (!e)
		return NULL;
	snprintf(p, sizeof(p), "/proc/%d/cwd", tid);
	ssize_t n = readlink(p, e->path, sizeof(e->path) - 1);
	if (n <= 0 || e->path[0] != '/') {
		free(e);
		return NULL;
	}
	e->path[n] = 0;
	if (n > 10 && strcmp(e->path + n - 10, " (deleted)") == 0) {
		free(e);
		return NULL;
	}
	e->fd = open(e->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (e->fd < 0) {
		free(e);
		return NULL;
	}
	e->len = n == 1 ? 0 : (size_t)n; /* "/" is the empty canonical root */
	e->path[e->len] = 0;
	e->tid = tid;
	HASH_ADD_INT(t->cwds, tid, e);
	return e;
}

/* Path of fd N of tid. Returns its length, 0 for a non-file (pipe, socket, deleted), -1. */
static ssize_t fd_path(pid_t tid, int fd, char *buf, size_t size)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/fd/%d", tid, fd);
	ssize_t n = readlink(p, buf, size - 1);
	if (n < 0)
		return -1;
	buf[n] = 0;
	if (buf[0] != '/' || (n > 10 && strcmp(buf + n - 10, " (deleted)") == 0))
		return 0;
	return n;
}

enum res_status hs_resolve_fd(struct hs_tracer *t, pid_t tid, int fd, struct res_out *out)
{
	(void)t;
	ssize_t n = fd_path(tid, fd, out->path, sizeof(out->path));
	if (n < 0)
		return RES_ERROR;
	if (n == 0) {
		char p[64];
		snprintf(p, sizeof(p), "/proc/%d/fd/%d", tid, fd);
		if (stat(p, &out->sb) < 0)
			memset(&out->sb, 0, sizeof(out->sb));
		return RES_NOFILE;
	}
	if (fstatat(AT_FDCWD, out->path, &out->sb, AT_SYMLINK_NOFOLLOW) < 0)
		return RES_NOFILE;
	out->len = n == 1 ? 0 : (size_t)n;
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

	out->len = 0;
	out->path[0] = 0;
	if (!path || (!*path && (flags & RES_EMPTY_OK))) {
		if (dirfd == AT_FDCWD) {
			struct cwd_entry *c = cwd_of(t, tid);
			if (!c)
				return RES_NOFILE;
			memcpy(out->path, c->path, c->len + 1);
			out->len = c->len;
			if (fstat(c->fd, &out->sb) < 0)
				return RES_ERROR;
			finish_name(out);
			return RES_OK;
		}
		return hs_resolve_fd(t, tid, dirfd, out);
	}
	if (!*path)
		return RES_ERROR; /* ENOENT from the kernel, no lookup */

	root_path[0] = 0;
	if (path[0] == '/' && !(flags & RES_IN_ROOT)) {
		base_fd = root_fd;
	} else if (dirfd == AT_FDCWD) {
		struct cwd_entry *c = cwd_of(t, tid);
		if (!c)
			return RES_NOFILE;
		base_fd = c->fd;
		memcpy(out->path, c->path, c->len + 1);
		out->len = c->len;
	} else {
		ssize_t n = fd_path(tid, dirfd, out->path, sizeof(out->path));
		if (n <= 0)
			return n == 0 ? RES_NOFILE : RES_ERROR;
		dir_own = open(out->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dir_own < 0)
			return RES_NOFILE;
		base_fd = dir_own;
		out->len = n == 1 ? 0 : (size_t)n;
		out->path[out->len] = 0;
	}
	if (flags & RES_IN_ROOT) {
		root_fd = base_fd;
		root_len = out->len;
		memcpy(root_path, out->path, root_len + 1);
	}

	/* Fast path: no symlink anywhere (magic links count as symlinks here). */
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC | ((flags & RES_FOLLOW) ? 0 : O_NOFOLLOW),
		.resolve = RESOLVE_NO_SYMLINKS | ((flags & RES_IN_ROOT) ? RESOLVE_IN_ROOT : 0),
	};
	int fd = sys_openat2(base_fd, path, &how);
	if (fd >= 0) {
		int rc = fstat(fd, &out->sb);
		close(fd);
		char tmp[sizeof(out->path)];
		size_t len;
		if (rc < 0 || canon_lexical(out->path, out->len, root_len, path, tmp, sizeof(tmp),
					    &len) < 0)
			return RES_ERROR;
		memcpy(out->path, tmp, len + 1);
		out->len = len;
		finish_name(out);
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
