/* Commit execution: staging copies, the journal protocol, redoable steps, recovery.
 *
 * Protocol of one commit (one batch of layers):
 *  1. plan (no change anywhere);
 *  2. write the plan to the journal, fsync, register it under <state>/commits;
 *  3. stage: copy entries that cannot be renamed, and files to be written in place, into
 *     temp names next to their targets; syncfs the target file systems;
 *  4. append the staged inodes and SEAL, fsync;
 *  5. run every step (each one redoable, checking inodes first); syncfs;
 *  6. remove the journal.
 * Killed before 4: recovery removes the staged copies (the live tree was not touched, the
 * uppers neither). Killed after 4: recovery runs every step again, which finishes it (an
 * in-place write, the one step that is not atomic, is redone whole from its staged copy). */
#include "engine/commit/commit-internal.h"
#include "lib/state.h"
#include "lib/syscalls.h"
#include "lib/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>
#include <uthash.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static long crash_limit, crash_count;

void crash_hook_init(void)
{
	const char *e = getenv("HS_COMMIT_CRASH_AFTER");

	crash_limit = e ? atol(e) : 0;
	crash_count = 0;
}

void crash_point(void)
{
	if (crash_limit > 0 && ++crash_count >= crash_limit)
		_exit(86);
}

static bool same_obj(const struct stat *st, dev_t dev, ino_t ino)
{
	return st->st_dev == dev && st->st_ino == ino;
}

static int rm_at(int dfd, const char *name, const char *top, struct hs_error *err)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	DIR *d;
	struct dirent *de;

	if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return hs_error_errno(err, "remove %s", top);
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return hs_error_errno(err, "remove %s", top);
	if (fstat(fd, &st) == 0 && (st.st_mode & 0700) != 0700)
		fchmod(fd, (st.st_mode & 07777) | 0700);
	d = fdopendir(fd);
	if (!d)
		return hs_error_errno(err, "remove %s", top);
	fd = -1;
	errno = 0;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (rm_at(dirfd(d), de->d_name, top, err) < 0) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return hs_error_errno(err, "remove %s", top);
	return 0;
}

int rm_tree(const char *path, struct hs_error *err)
{
	return rm_at(AT_FDCWD, path, path, err);
}

/* The common cases of a first run, where the plan's view of the live entry (old_type) is
 * seconds old: one rename, no checks. Returns 1 done, 0 not tried or refused (the checked
 * path decides), -1 error. */
static int mv_fast(const struct step *s, struct hs_error *err)
{
	if (s->old_type == 0) {
		/* NOREPLACE: if something appeared meanwhile, the checked path looks at it. */
		if (renameat2(AT_FDCWD, s->src, AT_FDCWD, s->dst, RENAME_NOREPLACE) < 0)
			return 0;
	} else if (!S_ISDIR(s->old_type) && !S_ISDIR(s->new_type) && !s->copy) {
		struct stat d;
		/* Over a non-dir: only if it is still the entry that was planned for. */
		if (lstat(s->dst, &d) < 0 || !same_obj(&d, s->odev, s->oino) ||
		    rename(s->src, s->dst) < 0)
			return 0;
	} else {
		return 0;
	}
	crash_point();
	if (s->strip && strip_overlay_xattrs(s->dst, err) < 0)
		return -1;
	return 1;
}

static int exec_mv(const struct step *s, bool fresh, struct hs_error *err)
{
	struct stat d, sr;
	bool dst_ok;
	int f;

	if (fresh && (f = mv_fast(s, err)) != 0)
		return f < 0 ? -1 : 0;
	dst_ok = lstat(s->dst, &d) == 0;

	if (!dst_ok && errno != ENOENT)
		return hs_error_errno(err, "commit %s", s->dst);
	if (!dst_ok || !same_obj(&d, s->dev, s->ino)) {
		int r;

		if (lstat(s->src, &sr) < 0 || !same_obj(&sr, s->dev, s->ino))
			return hs_error_set(err, ESTALE, "commit %s: %s changed or vanished",
					    s->dst, s->src);
		if (!dst_ok) {
			r = renameat2(AT_FDCWD, s->src, AT_FDCWD, s->dst, RENAME_NOREPLACE);
			if (r < 0 && errno == EINVAL)
				r = rename(s->src, s->dst);
		} else if (S_ISDIR(d.st_mode) || S_ISDIR(sr.st_mode)) {
			/* rename(2) cannot put a file over a dir or a dir over a non-empty dir:
			 * swap them atomically, then remove the old one from its new place. */
			r = renameat2(AT_FDCWD, s->src, AT_FDCWD, s->dst, RENAME_EXCHANGE);
		} else {
			r = rename(s->src, s->dst);
		}
		if (r < 0)
			return hs_error_errno(err, "commit %s", s->dst);
		crash_point();
	}
	if ((s->odev || s->oino) && lstat(s->src, &sr) == 0 && same_obj(&sr, s->odev, s->oino) &&
	    rm_tree(s->src, err) < 0)
		return hs_error_prefix(err, "commit %s: old entry", s->dst);
	if (s->strip && strip_overlay_xattrs(s->dst, err) < 0)
		return -1;
	return 0;
}

static int exec_rm(const struct step *s, struct hs_error *err)
{
	struct stat st;

	if (lstat(s->dst, &st) == 0 && same_obj(&st, s->dev, s->ino)) {
		if (S_ISDIR(st.st_mode)) {
			/* Out of sight in one step; the slow removal happens under a temp name. */
			if (renameat2(AT_FDCWD, s->dst, AT_FDCWD, s->trash, RENAME_NOREPLACE) < 0 &&
			    rename(s->dst, s->trash) < 0)
				return hs_error_errno(err, "delete %s", s->dst);
			crash_point();
		} else if (unlink(s->dst) < 0 && errno != ENOENT) {
			return hs_error_errno(err, "delete %s", s->dst);
		}
	}
	if (lstat(s->trash, &st) == 0 && rm_tree(s->trash, err) < 0)
		return hs_error_prefix(err, "delete %s", s->dst);
	return 0;
}

static bool xattr_ignorable(int e)
{
	return e == ENOTSUP || e == EOPNOTSUPP || e == EPERM;
}

/* Give fd (the live path) exactly the xattrs want, in the namespaces overlay copies up
 * faithfully (user., trusted.); what the fs refuses is skipped. */
static int sync_xattrs(int fd, const char *path, const struct xattr_kv *want, size_t nwant,
		       struct hs_error *err)
{
	struct xattr_kv *cur = NULL;
	size_t ncur = 0;

	if (read_xattrs(path, &cur, &ncur, err) < 0)
		return -1;
	for (size_t i = 0; i < ncur; i++) {
		bool keep = false;
		for (size_t k = 0; k < nwant && !keep; k++)
			keep = strcmp(cur[i].name, want[k].name) == 0;
		/* Only namespaces that overlay copies up faithfully are removed. */
		if (!keep &&
		    (strncmp(cur[i].name, "user.", 5) == 0 ||
		     strncmp(cur[i].name, "trusted.", 8) == 0) &&
		    fremovexattr(fd, cur[i].name) < 0 && errno != ENODATA) {
			free_xattrs(cur, ncur);
			return hs_error_errno(err, "remove xattr %s of %s", cur[i].name, path);
		}
	}
	free_xattrs(cur, ncur);
	for (size_t k = 0; k < nwant; k++)
		if (fsetxattr(fd, want[k].name, want[k].value, want[k].len, 0) < 0 &&
		    !xattr_ignorable(errno))
			return hs_error_errno(err, "set xattr %s of %s", want[k].name, path);
	return 0;
}

static int exec_meta(const struct step *s, struct hs_error *err)
{
	_cleanup_close_ int fd = open(s->dst, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	struct timespec ts[2] = {s->atime, s->mtime};

	if (fd < 0 || fstat(fd, &st) < 0)
		return hs_error_errno(err, "metadata of %s", s->dst);
	if ((st.st_uid != s->uid || st.st_gid != s->gid) && fchown(fd, s->uid, s->gid) < 0)
		return hs_error_errno(err, "chown %s", s->dst);
	if ((st.st_mode & 07777) != s->mode && fchmod(fd, s->mode) < 0)
		return hs_error_errno(err, "chmod %s", s->dst);
	if (sync_xattrs(fd, s->dst, s->xattrs, s->nxattrs, err) < 0)
		return -1;
	/* Times last: every rename into the dir moved its mtime. Setting another user's
	 * times needs ownership; that alone is not worth failing a commit for. */
	if (futimens(fd, ts) < 0 && errno != EPERM)
		return hs_error_errno(err, "set times of %s", s->dst);
	return 0;
}

static int exec_fix(const struct step *s, struct hs_error *err)
{
	struct stat st;

	if (lstat(s->dst, &st) < 0)
		return errno == ENOENT ? 0 : hs_error_errno(err, "commit %s", s->dst);
	if (is_whiteout(s->dst, &st)) {
		if (unlink(s->dst) < 0 && errno != ENOENT)
			return hs_error_errno(err, "drop whiteout %s", s->dst);
		return 0;
	}
	return strip_overlay_xattrs(s->dst, err);
}

static int copy_data(int in, int out, const char *src, struct hs_error *err);

/* The data and metadata of the staged copy (in, stat sr) into the live file out (dst),
 * already truncated; synced before the staged copy may go. */
static int write_in_place(const struct step *s, int in, int out, const struct stat *sr,
			  struct hs_error *err)
{
	struct timespec ts[2] = {sr->st_atim, sr->st_mtim};
	struct xattr_kv *want = NULL;
	size_t nwant = 0;
	struct stat d;
	int r;

	if (copy_data(in, out, s->src, err) < 0)
		return -1;
	/* chown first (it clears set-id bits and capabilities, as the write may have), xattrs
	 * after it, times last, as copy_meta does for a staged copy. */
	if (fstat(out, &d) < 0)
		return hs_error_errno(err, "stat %s", s->dst);
	if ((d.st_uid != sr->st_uid || d.st_gid != sr->st_gid) &&
	    fchown(out, sr->st_uid, sr->st_gid) < 0 && !(errno == EPERM && geteuid() != 0))
		return hs_error_errno(err, "chown %s", s->dst);
	if (fstat(out, &d) < 0)
		return hs_error_errno(err, "stat %s", s->dst);
	if ((d.st_mode & 07777) != (sr->st_mode & 07777) && fchmod(out, sr->st_mode & 07777) < 0)
		return hs_error_errno(err, "chmod %s", s->dst);
	if (read_xattrs(s->src, &want, &nwant, err) < 0)
		return -1;
	r = sync_xattrs(out, s->dst, want, nwant, err);
	free_xattrs(want, nwant);
	if (r < 0)
		return -1;
	/* A user who may write the file but does not own it cannot set its times. */
	if (futimens(out, ts) < 0 && errno != EPERM)
		return hs_error_errno(err, "set times of %s", s->dst);
	if (fsync(out) < 0)
		return hs_error_errno(err, "sync %s", s->dst);
	return 0;
}

/* Write the staged copy src into the live file dst in place: the same inode, so its other
 * names (hard links elsewhere in the live tree) see the change, as they would under the
 * shell. Not atomic: while it runs, and after a crash until recovery, dst can be seen
 * truncated or half-written. src is removed only once dst holds all of it, synced: while src
 * exists the step is not done, and redoing it (truncate, copy again) finishes it, with
 * nothing but the staged copy (synced before SEAL); once src is gone the step is done. */
static int exec_write(const struct step *s, bool fresh, struct hs_error *err)
{
	_cleanup_close_ int in = open(s->src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int pfd = -1;
	_cleanup_close_ int out = -1;
	struct stat sr, d;
	char self[64];

	if (in < 0 && errno == ENOENT)
		return 0;
	if (in < 0 || fstat(in, &sr) < 0)
		return hs_error_errno(err, "commit %s: open %s", s->dst, s->src);
	if (!same_obj(&sr, s->dev, s->ino))
		return hs_error_set(err, ESTALE, "commit %s: %s changed", s->dst, s->src);
	/* Checked before anything is written, then reopened through the checked fd: a file
	 * swapped in at dst meanwhile is never truncated, a fifo never blocks us. */
	pfd = open(s->dst, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (pfd < 0 || fstat(pfd, &d) < 0) {
		hs_error_errno(err, "commit %s", s->dst);
		goto untouched;
	}
	if (!S_ISREG(d.st_mode) || !same_obj(&d, s->odev, s->oino)) {
		hs_error_set(err, ESTALE, "commit %s: changed or replaced since the plan", s->dst);
		goto untouched;
	}
	snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
	out = open(self, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (out < 0) {
		hs_error_errno(err, "commit %s: open for writing", s->dst);
		goto untouched;
	}
	crash_point();
	/* From here on the staged copy is the only whole copy of the new data: it stays. */
	if (write_in_place(s, in, out, &sr, err) < 0)
		return hs_error_prefix(err, "commit %s in place (its new content stays in %s)",
				       s->dst, s->src);
	if (unlink(s->src) < 0 && errno != ENOENT)
		return hs_error_errno(err, "commit %s: remove %s", s->dst, s->src);
	return 0;
untouched:
	/* On a first run dst is as it was: the staged copy goes, as for a failed rename. In
	 * recovery an earlier run may have truncated dst: the copy stays. */
	if (fresh)
		unlink(s->src);
	else
		hs_error_prefix(err, "its new content stays in %s", s->src);
	return -1;
}

int exec_step(const struct step *s, bool fresh, struct hs_error *err)
{
	switch (s->kind) {
	case STEP_MV:
		return exec_mv(s, fresh, err);
	case STEP_RM:
		return exec_rm(s, err);
	case STEP_META:
		return exec_meta(s, err);
	case STEP_FIX:
		return exec_fix(s, err);
	case STEP_WRITE:
		return exec_write(s, fresh, err);
	}
	return hs_error_set(err, EINVAL, "bad step");
}

/* ---- live paths resolved without following symlinks ----
 *
 * Plan and commit are apart in time, and live dirs may be writable by others (/tmp): a dir on
 * the way to a target swapped for a symlink must not send a rename elsewhere. Every live
 * path is reached as /proc/self/fd/N/NAME, N the parent dir opened with openat2 beneath the
 * layer target with RESOLVE_NO_SYMLINKS (the plan saw only real dirs there). One parent is
 * cached: steps come grouped by dir. */

struct exec_ctx {
	char *root;
	int rootfd;
	char *parent; /* relative to root */
	int pfd;
	char prefix[48]; /* "/proc/self/fd/N/" */
	char *shown;	 /* the parent's real path, "/"-terminated, for messages */
};

#define EXEC_CTX_INIT                                                                              \
	{                                                                                          \
		NULL, -1, NULL, -1, {0}, NULL                                                      \
	}

static int openat2_beneath(int dfd, const char *path, struct open_how *how)
{
	return hs_sys_ret(syscall(__NR_openat2, dfd, path, how, sizeof(*how)));
}

static void ctx_drop_parent(struct exec_ctx *c)
{
	if (c->pfd >= 0)
		close(c->pfd);
	c->pfd = -1;
	free(c->parent);
	free(c->shown);
	c->parent = c->shown = NULL;
	c->prefix[0] = '\0';
}

static void ctx_release(struct exec_ctx *c)
{
	ctx_drop_parent(c);
	if (c->rootfd >= 0)
		close(c->rootfd);
	c->rootfd = -1;
	free(c->root);
	c->root = NULL;
}

static int safe_path(struct exec_ctx *c, const char *path, size_t rootlen, char *buf, size_t len,
		     struct hs_error *err)
{
	const char *rel = path + rootlen, *slash, *base;
	size_t plen;

	if (rootlen == 0 || rootlen >= strlen(path))
		return hs_error_set(err, EINVAL, "commit: bad path %s", path);
	while (*rel == '/')
		rel++;
	slash = strrchr(rel, '/');
	plen = slash ? (size_t)(slash - rel) : 0;
	base = slash ? slash + 1 : rel;
	if (!*base)
		return hs_error_set(err, EINVAL, "commit: bad path %s", path);
	if (!c->root || strlen(c->root) != rootlen || strncmp(c->root, path, rootlen) != 0) {
		ctx_release(c);
		if (!(c->root = strndup(path, rootlen)))
			return hs_error_set(err, ENOMEM, "commit %s", path);
		c->rootfd = open(c->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (c->rootfd < 0) {
			hs_error_errno(err, "commit: open %s", c->root);
			free(c->root);
			c->root = NULL;
			return -1;
		}
	}
	if (!c->parent || strlen(c->parent) != plen || strncmp(c->parent, rel, plen) != 0) {
		struct open_how how = {
		    .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		    .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
		};
		ctx_drop_parent(c);
		if (!(c->parent = strndup(rel, plen)) ||
		    !(c->shown = strndup(path, (size_t)(base - path))))
			return hs_error_set(err, ENOMEM, "commit %s", path);
		c->pfd = openat2_beneath(c->rootfd, plen ? c->parent : ".", &how);
		if (c->pfd < 0) {
			hs_error_errno(err, "commit %s: open its dir (not following symlinks)",
				       path);
			ctx_drop_parent(c);
			return -1;
		}
		snprintf(c->prefix, sizeof(c->prefix), "/proc/self/fd/%d/", c->pfd);
	}
	if ((size_t)snprintf(buf, len, "%s%s", c->prefix, base) >= len)
		return hs_error_set(err, ENAMETOOLONG, "commit %s", path);
	return 0;
}

/* Put the real parent path back into a message in place of /proc/self/fd/N/. */
static void unproc(const struct exec_ctx *c, struct hs_error *err)
{
	char out[HS_ERROR_MSG_MAX], *hit;
	size_t plen = strlen(c->prefix);

	if (!err || !plen || !c->shown)
		return;
	while ((hit = strstr(err->msg, c->prefix))) {
		snprintf(out, sizeof(out), "%.*s%s%s", (int)(hit - err->msg), err->msg, c->shown,
			 hit + plen);
		memcpy(err->msg, out, sizeof(out));
	}
}

#define SAFE_MAX (PATH_MAX + 64)

/* Run one step with its live paths (dst, and the staged copy and trash names next to it)
 * resolved safely. */
static int exec_resolved(struct exec_ctx *c, const struct step *s, bool fresh, struct hs_error *err)
{
	char d[SAFE_MAX], sp[SAFE_MAX], t[SAFE_MAX];
	struct step r = *s;
	struct stat st;
	int ret;

	/* src and trash share dst's dir (plan.c temp_name): one cached parent for all three */
	if (safe_path(c, s->dst, s->rootlen, d, sizeof(d), err) < 0 ||
	    (step_staged(s) && safe_path(c, s->src, s->rootlen, sp, sizeof(sp), err) < 0) ||
	    (s->kind == STEP_RM && safe_path(c, s->trash, s->rootlen, t, sizeof(t), err) < 0))
		return -1;
	r.dst = d;
	if (step_staged(s))
		r.src = sp;
	if (s->kind == STEP_RM)
		r.trash = t;
	ret = exec_step(&r, fresh, err);
	if (ret < 0) {
		unproc(c, err);
		/* A staged copy that did not make it in is not left lying around (a WRITE
		 * decides for itself: dst may hold only part of it). */
		if (s->kind == STEP_MV && s->copy && lstat(sp, &st) == 0 &&
		    same_obj(&st, s->dev, s->ino))
			rm_tree(sp, NULL);
	}
	return ret;
}

/* ---- staging: copies onto the target file system ---- */

struct link_ent {
	struct {
		dev_t dev;
		ino_t ino;
	} key;
	int dfd; /* the first copy is rel under dfd (a dup of the dir fd its path went through) */
	char *rel;
	UT_hash_handle hh;
};

static void links_free(struct link_ent **map)
{
	struct link_ent *e, *tmp;

	HASH_ITER(hh, *map, e, tmp)
	{
		HASH_DEL(*map, e);
		if (e->dfd >= 0)
			close(e->dfd);
		free(e->rel);
		free(e);
	}
}

/* Data of one file: a reflink where the fs has them, else copy_file_range (in-kernel, same
 * fs type), else sendfile (in-kernel, any two fs), else read/write. */
static int copy_data(int in, int out, const char *src, struct hs_error *err)
{
	static char buf[1 << 18];
	enum { CFR, SENDFILE, RW } how = CFR;
	ssize_t n;

	if (ioctl(out, FICLONE, in) == 0)
		return 0;
	for (;;) {
		if (how == CFR)
			n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
		else if (how == SENDFILE)
			n = sendfile(out, in, NULL, 1 << 30);
		else if ((n = read(in, buf, sizeof(buf))) > 0 &&
			 hs_write_full(out, buf, (size_t)n) < 0)
			return hs_error_errno(err, "copy %s", src);
		if (n < 0 && how != RW &&
		    (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP ||
		     errno == EBADF)) {
			/* Nothing was written yet by the failed method: the offsets still hold. */
			how = how == CFR ? SENDFILE : RW;
			continue;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return hs_error_errno(err, "copy %s", src);
		}
		if (n == 0)
			return 0;
	}
}

static int copy_xattrs(const char *src, const char *dst, struct hs_error *err)
{
	struct xattr_kv *x;
	size_t n;

	if (read_xattrs(src, &x, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (lsetxattr(dst, x[i].name, x[i].value, x[i].len, 0) < 0 &&
		    !xattr_ignorable(errno)) {
			hs_error_errno(err, "set xattr %s of %s", x[i].name, dst);
			free_xattrs(x, n);
			return -1;
		}
	free_xattrs(x, n);
	return 0;
}

static int copy_meta(const char *src, const char *dst, const struct stat *st, struct hs_error *err)
{
	struct timespec ts[2] = {st->st_atim, st->st_mtim};

	/* chown first (it clears set-id bits), xattrs after it (it clears capabilities). */
	if (fchownat(AT_FDCWD, dst, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 &&
	    !(errno == EPERM && geteuid() != 0))
		return hs_error_errno(err, "chown %s", dst);
	if (!S_ISLNK(st->st_mode) && chmod(dst, st->st_mode & 07777) < 0)
		return hs_error_errno(err, "chmod %s", dst);
	if (copy_xattrs(src, dst, err) < 0)
		return -1;
	if (utimensat(AT_FDCWD, dst, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return hs_error_errno(err, "set times of %s", dst);
	return 0;
}

static char *join2(const char *a, const char *b)
{
	char *r = NULL;

	return asprintf(&r, "%s/%s", a, b) < 0 ? NULL : r;
}

/* Copy the upper entry src to the new name dst (whiteouts inside are dropped, overlay xattrs
 * stripped, hard links among copied names kept). */
static int copy_entry(const char *src, const char *dst, struct link_ent **links,
		      struct hs_error *err)
{
	struct stat st;
	struct link_ent *le = NULL;

	if (lstat(src, &st) < 0)
		return hs_error_errno(err, "stage %s", src);
	if (is_whiteout(src, &st))
		return 0;
	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
		struct link_ent k;
		memset(&k, 0, sizeof(k));
		k.key.dev = st.st_dev;
		k.key.ino = st.st_ino;
		HASH_FIND(hh, *links, &k.key, sizeof(k.key), le);
		if (le && linkat(le->dfd, le->rel, AT_FDCWD, dst, 0) == 0)
			return 0;
	}
	switch (st.st_mode & S_IFMT) {
	case S_IFREG: {
		_cleanup_close_ int in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		_cleanup_close_ int out = -1;
		if (in < 0)
			return hs_error_errno(err, "stage %s", src);
		out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (out < 0)
			return hs_error_errno(err, "stage %s", dst);
		if (copy_data(in, out, src, err) < 0)
			return -1;
		break;
	}
	case S_IFDIR: {
		DIR *d;
		struct dirent *de;
		if (mkdir(dst, 0700) < 0)
			return hs_error_errno(err, "stage %s", dst);
		if (!(d = opendir(src)))
			return hs_error_errno(err, "stage %s", src);
		errno = 0;
		while ((de = readdir(d))) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			_cleanup_free_ char *s2 = join2(src, de->d_name);
			_cleanup_free_ char *d2 = join2(dst, de->d_name);
			if (!s2 || !d2 || copy_entry(s2, d2, links, err) < 0) {
				closedir(d);
				return s2 && d2 ? -1 : hs_error_set(err, ENOMEM, "stage %s", src);
			}
			errno = 0;
		}
		closedir(d);
		break;
	}
	case S_IFLNK: {
		char target[PATH_MAX + 1];
		ssize_t n = readlink(src, target, PATH_MAX);
		if (n < 0)
			return hs_error_errno(err, "stage %s", src);
		target[n] = '\0';
		if (symlink(target, dst) < 0)
			return hs_error_errno(err, "stage %s", dst);
		break;
	}
	default:
		if (mknod(dst, (st.st_mode & S_IFMT) | 0600, st.st_rdev) < 0)
			return hs_error_errno(err, "stage %s", dst);
		break;
	}
	if (copy_meta(src, dst, &st, err) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1 && !le) {
		int n, off = 0;

		le = calloc(1, sizeof(*le));
		if (!le)
			return hs_error_set(err, ENOMEM, "stage %s", src);
		/* dst goes through a /proc/self/fd/N/ dir whose fd is not ours to keep. */
		le->dfd = AT_FDCWD;
		if (sscanf(dst, "/proc/self/fd/%d/%n", &n, &off) == 1 && off > 0) {
			le->dfd = fcntl(n, F_DUPFD_CLOEXEC, 3);
			if (le->dfd < 0) {
				free(le);
				return hs_error_errno(err, "stage %s", src);
			}
		}
		if (!(le->rel = strdup(dst + off))) {
			if (le->dfd >= 0)
				close(le->dfd);
			free(le);
			return hs_error_set(err, ENOMEM, "stage %s", src);
		}
		le->key.dev = st.st_dev;
		le->key.ino = st.st_ino;
		HASH_ADD(hh, *links, key, sizeof(le->key), le);
	}
	return 0;
}

/* ---- the protocol ---- */

static char *parent_of(const char *path)
{
	char *p = strdup(path), *slash;

	if (p && (slash = strrchr(p, '/')))
		*(slash == p ? slash + 1 : slash) = '\0';
	return p;
}

/* syncfs every file system the plan touches (staged copies, live dirs). */
static void sync_plan(const struct plan *p)
{
	dev_t seen[16];
	size_t nseen = 0;
	_cleanup_free_ char *last = NULL;

	if (p->flags & HS_COMMIT_NOSYNC)
		return;
	for (size_t i = 0; i < p->n; i++) {
		_cleanup_free_ char *dir = parent_of(p->steps[i].dst);
		_cleanup_close_ int fd = -1;
		struct stat st;
		bool dup = false;

		/* Steps come grouped by dir: one look per dir, not per entry. */
		if (dir && last && strcmp(dir, last) == 0)
			continue;
		free(last);
		last = dir ? strdup(dir) : NULL;
		if (!dir || (fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
		    fstat(fd, &st) < 0)
			continue;
		for (size_t k = 0; k < nseen && !dup; k++)
			dup = seen[k] == st.st_dev;
		if (dup)
			continue;
		if (nseen < HS_ARRAY_SIZE(seen))
			seen[nseen++] = st.st_dev;
		syncfs(fd);
	}
}

static void fsync_dir(const char *dir)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0)
		fsync(fd);
}

/* Roll back an unsealed journal: remove the staged copies. */
static int roll_back(const struct plan *p, struct hs_error *err)
{
	struct exec_ctx c = EXEC_CTX_INIT;
	char sp[SAFE_MAX];
	int r = 0;

	for (size_t i = 0; i < p->n; i++) {
		const struct step *s = &p->steps[i];
		if (!step_staged(s))
			continue;
		/* no dir to resolve: nothing was staged there */
		if (safe_path(&c, s->src, s->rootlen, sp, sizeof(sp), NULL) < 0)
			continue;
		if (rm_tree(sp, err) < 0) {
			unproc(&c, err);
			r = -1;
		}
	}
	ctx_release(&c);
	return r;
}

/* Run every step; keep going past a failed one (each step is whole on its own) and
 * report the first failure. */
static int roll_forward(const struct plan *p, bool fresh, struct hs_error *err)
{
	struct hs_error e2 = HS_ERROR_INIT;
	struct exec_ctx c = EXEC_CTX_INIT;
	int r = 0;

	for (size_t i = 0; i < p->n; i++) {
		if (exec_resolved(&c, &p->steps[i], fresh, r ? &e2 : err) < 0)
			r = -1;
		crash_point();
	}
	ctx_release(&c);
	return r;
}

static int unregister(const char *jpath, const char *link)
{
	int r = unlink(jpath);

	if (link)
		unlink(link);
	return r;
}

static int run_plan(struct plan *p, const char *jdir, const char *registry, struct hs_error *err)
{
	_cleanup_free_ char *jpath = NULL;
	_cleanup_free_ char *tmp = NULL;
	_cleanup_free_ char *link = NULL;
	_cleanup_close_ int fd = -1;
	struct link_ent *links = NULL;
	struct exec_ctx c = EXEC_CTX_INIT;
	int r;

	if (p->n == 0)
		return 0;
	if (asprintf(&jpath, "%s/hs-commit.%s.journal", jdir, p->txid) < 0)
		return hs_error_set(err, ENOMEM, "journal");
	if (asprintf(&tmp, "%s/hs-commit.%s.new", jdir, p->txid) < 0)
		return hs_error_set(err, ENOMEM, "journal");
	fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return hs_error_errno(err, "journal %s", tmp);
	/* Held until the end: recovery skips a journal whose commit is still running. Taken
	 * before the file gets the name recovery looks for, so it never sees it unlocked. */
	if (flock(fd, LOCK_EX) < 0 || rename(tmp, jpath) < 0) {
		hs_error_errno(err, "journal %s", jpath);
		unlink(tmp);
		return -1;
	}
	if (strcmp(jdir, registry) != 0) {
		if (asprintf(&link, "%s/hs-commit.%s.journal", registry, p->txid) < 0)
			return hs_error_set(err, ENOMEM, "journal");
		if (symlink(jpath, link) < 0) {
			hs_error_errno(err, "register journal %s", link);
			unlink(jpath);
			return -1;
		}
	}
	if (journal_write_plan(fd, p, err) < 0) {
		unregister(jpath, link);
		return -1;
	}
	if (!(p->flags & HS_COMMIT_NOSYNC)) {
		fsync_dir(jdir);
		if (link)
			fsync_dir(registry);
	}
	crash_point();

	for (size_t i = 0; i < p->n; i++) {
		struct step *s = &p->steps[i];
		char sp[SAFE_MAX];
		struct stat st;

		if (!step_staged(s))
			continue;
		if (safe_path(&c, s->src, s->rootlen, sp, sizeof(sp), err) < 0 ||
		    copy_entry(s->upper, sp, &links, err) < 0 || lstat(sp, &st) < 0) {
			if (err && !err->msg[0])
				hs_error_errno(err, "stage %s", s->src);
			unproc(&c, err);
			ctx_release(&c);
			links_free(&links);
			roll_back(p, NULL);
			unregister(jpath, link);
			return -1;
		}
		s->dev = st.st_dev;
		s->ino = st.st_ino;
		crash_point();
	}
	ctx_release(&c);
	links_free(&links);
	sync_plan(p);
	if (journal_write_seal(fd, p, err) < 0) {
		roll_back(p, NULL);
		unregister(jpath, link);
		return -1;
	}
	crash_point();

	r = roll_forward(p, true, err);
	sync_plan(p);
	unregister(jpath, link);
	if (!(p->flags & HS_COMMIT_NOSYNC))
		fsync_dir(jdir);
	return r;
}

static bool same_path(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	while (la > 1 && a[la - 1] == '/')
		la--;
	while (lb > 1 && b[lb - 1] == '/')
		lb--;
	return la == lb && memcmp(a, b, la) == 0;
}

static char *registry_dir(const char *state, struct hs_error *err)
{
	char *r = NULL;

	if (asprintf(&r, "%s/commits", state) < 0) {
		hs_error_set(err, ENOMEM, "commit registry");
		return NULL;
	}
	return r;
}

int hs_commit_apply(const struct hs_commit_layer *layers, size_t n, const char *journal_dir,
		    unsigned flags, struct hs_error *err)
{
	_cleanup_free_ char *state = NULL;
	_cleanup_free_ char *registry = NULL;
	_cleanup_free_ char *jdir = NULL;
	_cleanup_close_ int lockfd = -1;
	static unsigned seq;
	size_t start = 0;

	crash_hook_init();
	if (n == 0)
		return 0;
	if (!(state = hs_state_dir(err)) || !(registry = registry_dir(state, err)))
		return hs_error_prefix(err, "commit journal");
	if (hs_mkdir_p(registry, 0700, err) < 0)
		return hs_error_prefix(err, "commit journal");
	/* One commit at a time per state dir: a plan must not be made while another hs is
	 * changing the same tree. (Recovery does not wait here: it skips running commits.) */
	lockfd = open(registry, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lockfd < 0 || flock(lockfd, LOCK_EX) < 0)
		return hs_error_errno(err, "commit: lock %s", registry);
	if (journal_dir) {
		if (!(jdir = realpath(journal_dir, NULL)))
			return hs_error_errno(err, "commit journal dir %s", journal_dir);
	} else if (!(jdir = strdup(registry))) {
		return hs_error_set(err, ENOMEM, "commit");
	}
	while (start < n) {
		struct plan p = {.flags = flags};
		struct timespec now;
		size_t end = start;
		int r = 0;

		/* The txid names the journal and the temp names in the plan. */
		clock_gettime(CLOCK_REALTIME, &now);
		snprintf(p.txid, sizeof(p.txid), "%lx%lx%x", (long)now.tv_sec, (long)getpid(),
			 seq++);
		/* Layers over the same target stack: a later one was made against the tree the
		 * earlier one leaves, so it is planned after that one is in. */
		for (; end < n && r == 0; end++) {
			bool stacked = false;
			for (size_t k = start; k < end && !stacked; k++)
				stacked = same_path(layers[k].target, layers[end].target);
			if (stacked)
				break;
			r = plan_layer(&p, &layers[end], err);
		}
		if (r == 0)
			r = plan_split_writes(&p, err);
		if (r == 0)
			r = run_plan(&p, jdir, registry, err);
		plan_release(&p);
		if (r < 0)
			return -1;
		start = end;
	}
	return 0;
}

/* Recover the journal behind registry entry name. Returns 1 recovered, 0 skipped, -1. */
static int recover_one(int rfd, const char *registry, const char *name, struct hs_error *err)
{
	_cleanup_close_ int fd = openat(rfd, name, O_RDWR | O_CLOEXEC);
	_cleanup_free_ char *path = NULL;
	char target[PATH_MAX + 1];
	ssize_t tl;
	struct stat st;
	struct plan p = {0};
	bool sealed;
	int r;

	if (fd < 0) {
		/* A link whose journal is gone: its commit finished. */
		if (errno == ENOENT)
			unlinkat(rfd, name, 0);
		return 0;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return 0; /* still running in a live process */
	if (fstat(fd, &st) < 0 || st.st_nlink == 0)
		return 0;
	if (asprintf(&path, "%s/%s", registry, name) < 0)
		return hs_error_set(err, ENOMEM, "recover");
	tl = readlink(path, target, PATH_MAX);
	if (tl >= 0)
		target[tl] = '\0';
	if (journal_read(fd, &p, &sealed, err) < 0) {
		/* Keep it for a human, out of the way of the next start. */
		_cleanup_free_ char *bad = NULL;
		if (asprintf(&bad, "%s.bad", tl >= 0 ? target : path) >= 0)
			rename(tl >= 0 ? target : path, bad);
		unlink(path);
		plan_release(&p);
		return hs_error_prefix(err, "recover %s", tl >= 0 ? target : path);
	}
	r = sealed ? roll_forward(&p, false, err) : roll_back(&p, err);
	sync_plan(&p);
	plan_release(&p);
	if (tl >= 0)
		unlink(target);
	unlink(path);
	if (r < 0)
		return hs_error_prefix(err, "recover %s", tl >= 0 ? target : path);
	return 1;
}

int hs_commit_recover(const char *state_dir, struct hs_error *err)
{
	_cleanup_free_ char *registry = NULL;
	_cleanup_close_ int rfd = -1;
	DIR *d;
	struct dirent *de;
	int count = 0, failed = 0;

	crash_hook_init();
	if (!(registry = registry_dir(state_dir, err)))
		return -1;
	rfd = open(registry, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return errno == ENOENT ? 0 : hs_error_errno(err, "recover: open %s", registry);
	/* Another hs is committing (or recovering) right now: leave the journals of dead ones
	 * to the next start rather than race it on the same trees. */
	if (flock(rfd, LOCK_EX | LOCK_NB) < 0)
		return 0;
	d = fdopendir(dup(rfd));
	if (!d)
		return hs_error_errno(err, "recover: read %s", registry);
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		int r;

		if (len > 4 && strcmp(de->d_name + len - 4, ".new") == 0) {
			/* a journal killed before it got its name: nothing had happened yet */
			_cleanup_close_ int nfd = openat(rfd, de->d_name, O_RDONLY | O_CLOEXEC);
			if (nfd >= 0 && flock(nfd, LOCK_EX | LOCK_NB) == 0)
				unlinkat(rfd, de->d_name, 0);
			continue;
		}
		if (len < 8 || strcmp(de->d_name + len - 8, ".journal") != 0)
			continue;
		r = recover_one(rfd, registry, de->d_name, failed ? NULL : err);
		if (r < 0)
			failed = 1;
		else
			count += r;
	}
	closedir(d);
	return failed ? -1 : count;
}
