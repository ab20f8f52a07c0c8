/* Commit planning: one walk of an upper dir against the live tree, no changes made.
 * The result is a list of steps (commit-internal.h) that the journal records and the
 * executor redoes, and that the summary prints. */
#include "engine/commit/commit-internal.h"
#include "lib/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define OVL_TRUSTED "trusted.overlay."
#define OVL_USER "user.overlay."

bool is_overlay_xattr(const char *name)
{
	return strncmp(name, OVL_TRUSTED, strlen(OVL_TRUSTED)) == 0 ||
	       strncmp(name, OVL_USER, strlen(OVL_USER)) == 0;
}

/* llistxattr into a malloc'd buffer; returns the length (0: none or unsupported), -1 error. */
static ssize_t list_xattrs(const char *path, char **out)
{
	ssize_t n;

	*out = NULL;
	for (;;) {
		n = llistxattr(path, NULL, 0);
		if (n < 0)
			return (errno == ENOTSUP || errno == EOPNOTSUPP) ? 0 : -1;
		if (n == 0)
			return 0;
		free(*out);
		*out = malloc(n);
		if (!*out)
			return -1;
		ssize_t m = llistxattr(path, *out, n);
		if (m >= 0)
			return m;
		if (errno != ERANGE)
			return -1;
	}
}

/* lgetxattr into a malloc'd buffer; returns the length or -1 (errno). */
static ssize_t get_xattr(const char *path, const char *name, char **out)
{
	*out = NULL;
	for (;;) {
		ssize_t n = lgetxattr(path, name, NULL, 0);
		if (n < 0)
			return -1;
		free(*out);
		*out = malloc(n ? n : 1);
		if (!*out)
			return -1;
		ssize_t m = lgetxattr(path, name, *out, n);
		if (m >= 0)
			return m;
		if (errno != ERANGE)
			return -1;
	}
}

struct xinfo {
	bool private_; /* some overlay-private xattr is set */
	bool opaque;   /* overlay.opaque = "y" ("x" only says the dir holds xattr whiteouts) */
	bool xwhiteout;
	const char *unsupported; /* redirect or metacopy: the data lives in a lower layer */
};

static int upper_xinfo(const char *path, struct xinfo *xi, struct hs_error *err)
{
	_cleanup_free_ char *names = NULL;
	ssize_t n = list_xattrs(path, &names);

	memset(xi, 0, sizeof(*xi));
	if (n < 0)
		return hs_error_errno(err, "list xattrs of %s", path);
	for (ssize_t i = 0; i < n; i += strlen(names + i) + 1) {
		const char *name = names + i;
		const char *rest;

		if (!is_overlay_xattr(name))
			continue;
		xi->private_ = true;
		rest = name + (name[0] == 't' ? strlen(OVL_TRUSTED) : strlen(OVL_USER));
		if (strcmp(rest, "opaque") == 0) {
			_cleanup_free_ char *v = NULL;
			ssize_t len = get_xattr(path, name, &v);
			if (len == 1 && v[0] == 'y')
				xi->opaque = true;
		} else if (strcmp(rest, "whiteout") == 0) {
			xi->xwhiteout = true;
		} else if (strcmp(rest, "redirect") == 0) {
			xi->unsupported =
			    "a redirect dir (mount the overlay with redirect_dir=off)";
		} else if (strcmp(rest, "metacopy") == 0) {
			xi->unsupported = "a metacopy file (mount the overlay with metacopy=off)";
		}
	}
	return 0;
}

bool is_whiteout(const char *path, const struct stat *st)
{
	char c;

	if (S_ISCHR(st->st_mode) && st->st_rdev == 0)
		return true;
	if (!S_ISREG(st->st_mode) || st->st_size != 0)
		return false;
	return lgetxattr(path, OVL_TRUSTED "whiteout", &c, 0) >= 0 ||
	       lgetxattr(path, OVL_USER "whiteout", &c, 0) >= 0;
}

int strip_overlay_xattrs(const char *path, struct hs_error *err)
{
	_cleanup_free_ char *names = NULL;
	ssize_t n = list_xattrs(path, &names);

	if (n < 0)
		return hs_error_errno(err, "list xattrs of %s", path);
	for (ssize_t i = 0; i < n; i += strlen(names + i) + 1)
		if (is_overlay_xattr(names + i) && lremovexattr(path, names + i) < 0 &&
		    errno != ENODATA)
			return hs_error_errno(err, "remove xattr %s of %s", names + i, path);
	return 0;
}

void free_xattrs(struct xattr_kv *x, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(x[i].name);
		free(x[i].value);
	}
	free(x);
}

static int cmp_xattr(const void *a, const void *b)
{
	return strcmp(((const struct xattr_kv *)a)->name, ((const struct xattr_kv *)b)->name);
}

int read_xattrs(const char *path, struct xattr_kv **out, size_t *nout, struct hs_error *err)
{
	_cleanup_free_ char *names = NULL;
	ssize_t n = list_xattrs(path, &names);
	struct xattr_kv *x = NULL;
	size_t cnt = 0;

	*out = NULL;
	*nout = 0;
	if (n < 0)
		return hs_error_errno(err, "list xattrs of %s", path);
	for (ssize_t i = 0; i < n; i += strlen(names + i) + 1) {
		char *v = NULL;
		ssize_t len;
		struct xattr_kv *nx;

		if (is_overlay_xattr(names + i))
			continue;
		len = get_xattr(path, names + i, &v);
		if (len < 0) {
			if (errno == ENODATA)
				continue;
			free_xattrs(x, cnt);
			return hs_error_errno(err, "read xattr %s of %s", names + i, path);
		}
		nx = realloc(x, (cnt + 1) * sizeof(*x));
		if (!nx) {
			free(v);
			free_xattrs(x, cnt);
			return hs_error_set(err, ENOMEM, "xattrs of %s", path);
		}
		x = nx;
		x[cnt].name = strdup(names + i);
		x[cnt].value = v;
		x[cnt].len = (size_t)len;
		cnt++;
	}
	if (cnt)
		qsort(x, cnt, sizeof(*x), cmp_xattr);
	*out = x;
	*nout = cnt;
	return 0;
}

static bool xattrs_equal(const struct xattr_kv *a, size_t na, const struct xattr_kv *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i].name, b[i].name) != 0 || a[i].len != b[i].len ||
		    memcmp(a[i].value, b[i].value, a[i].len) != 0)
			return false;
	return true;
}

/* The mount a file is on: rename(2) works only within one mount (two mounts of one file
 * system, a bind mount say, still give EXDEV). Falls back to the device number. */
static uint64_t mount_of(int dfd, const char *path, const struct stat *st)
{
	struct statx sx;

	if (statx(dfd, path, AT_SYMLINK_NOFOLLOW | (path[0] ? 0 : AT_EMPTY_PATH), STATX_MNT_ID,
		  &sx) == 0 &&
	    (sx.stx_mask & STATX_MNT_ID))
		return sx.stx_mnt_id;
	return (uint64_t)st->st_dev | (1ULL << 63);
}

/* lstat of name in dfd, and the mount it is on (see mount_of). */
static int lstat_mnt(int dfd, const char *name, struct stat *st, uint64_t *mnt)
{
	struct statx sx;

	if (statx(dfd, name, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS | STATX_MNT_ID, &sx) < 0)
		return -1;
	memset(st, 0, sizeof(*st));
	st->st_mode = sx.stx_mode;
	st->st_ino = sx.stx_ino;
	st->st_nlink = sx.stx_nlink;
	st->st_dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
	*mnt = (sx.stx_mask & STATX_MNT_ID) ? sx.stx_mnt_id : (uint64_t)st->st_dev | (1ULL << 63);
	return 0;
}

struct step *plan_add(struct plan *p, enum step_kind kind)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct step *ns = realloc(p->steps, cap * sizeof(*ns));
		if (!ns)
			return NULL;
		p->steps = ns;
		p->cap = cap;
	}
	memset(&p->steps[p->n], 0, sizeof(p->steps[0]));
	p->steps[p->n].kind = kind;
	return &p->steps[p->n++];
}

void step_release(struct step *s)
{
	free(s->src);
	free(s->dst);
	free(s->upper);
	free(s->trash);
	free_xattrs(s->xattrs, s->nxattrs);
	memset(s, 0, sizeof(*s));
}

void plan_release(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		step_release(&p->steps[i]);
	free(p->steps);
	p->steps = NULL;
	p->n = p->cap = 0;
}

static char *join(const char *dir, const char *name)
{
	char *r = NULL;
	size_t len = strlen(dir);

	if (asprintf(&r, "%s%s%s", dir, (len && dir[len - 1] == '/') ? "" : "/", name) < 0)
		return NULL;
	return r;
}

/* A name in the live dir for a staged copy or a dir on its way out, unique per step. */
static char *temp_name(const struct plan *p, const char *ldir, size_t idx)
{
	char name[64];

	snprintf(name, sizeof(name), ".hs-commit.%s.%zu", p->txid, idx);
	return join(ldir, name);
}

struct entry {
	char *name;
	struct stat st;
	struct xinfo xi;
	bool wh;
};

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static void free_entries(struct entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i].name);
	free(e);
}

/* The entries of a dir with their lstat, sorted by name. */
static int read_dir(const char *path, struct entry **out, size_t *nout, struct hs_error *err)
{
	DIR *d = opendir(path);
	struct entry *e = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;

	*out = NULL;
	*nout = 0;
	if (!d)
		return hs_error_errno(err, "open %s", path);
	errno = 0;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			struct entry *ne = realloc(e, cap * sizeof(*e));
			if (!ne)
				goto nomem;
			e = ne;
		}
		if (fstatat(dirfd(d), de->d_name, &e[n].st, AT_SYMLINK_NOFOLLOW) < 0) {
			hs_error_errno(err, "stat %s/%s", path, de->d_name);
			goto fail;
		}
		e[n].name = strdup(de->d_name);
		if (!e[n].name)
			goto nomem;
		n++;
		errno = 0;
	}
	if (errno) {
		hs_error_errno(err, "read %s", path);
		goto fail;
	}
	closedir(d);
	if (n)
		qsort(e, n, sizeof(*e), cmp_entry);
	*out = e;
	*nout = n;
	return 0;
nomem:
	hs_error_set(err, ENOMEM, "read %s", path);
fail:
	closedir(d);
	free_entries(e, n);
	return -1;
}

/* Count a new subtree for the summary and, when it moves by rename, plan the FIX steps that
 * drop its whiteouts and strip its overlay xattrs once it is in place. */
static int scan_new(struct plan *p, const char *udir, const char *ldir, bool fix, size_t mv,
		    struct hs_error *err)
{
	struct entry *e;
	size_t n;

	if (read_dir(udir, &e, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *up = join(udir, e[i].name);
		_cleanup_free_ char *lp = join(ldir, e[i].name);
		struct xinfo xi;
		bool wh;

		if (!up || !lp || upper_xinfo(up, &xi, err) < 0)
			goto fail;
		if (xi.unsupported) {
			hs_error_set(err, ENOTSUP, "%s is %s", up, xi.unsupported);
			goto fail;
		}
		wh = (S_ISCHR(e[i].st.st_mode) && e[i].st.st_rdev == 0) ||
		     (S_ISREG(e[i].st.st_mode) && e[i].st.st_size == 0 && xi.xwhiteout);
		if (!wh) {
			p->steps[mv].nfiles++;
			if (S_ISREG(e[i].st.st_mode))
				p->steps[mv].bytes += (unsigned long long)e[i].st.st_size;
		}
		if (fix && (wh || xi.private_)) {
			struct step *s = plan_add(p, STEP_FIX);
			if (!s)
				goto nomem;
			s->dst = steal_pointer(&lp);
		}
		if (!wh && S_ISDIR(e[i].st.st_mode)) {
			_cleanup_free_ char *lp2 = join(ldir, e[i].name);
			if (!lp2 || scan_new(p, up, lp2, fix, mv, err) < 0)
				goto fail;
		}
	}
	free_entries(e, n);
	return 0;
nomem:
	hs_error_set(err, ENOMEM, "plan %s", udir);
fail:
	free_entries(e, n);
	return -1;
}

static int plan_dir(struct plan *p, const char *udir, const struct stat *ust, const char *ldir,
		    uint64_t umnt, bool root, struct hs_error *err);

static int plan_entry(struct plan *p, const char *udir, const char *ldir, int ldfd, dev_t ldev,
		      uint64_t lmnt_dir, const struct entry *e, bool copy, uint64_t umnt, int pass,
		      struct hs_error *err)
{
	uint64_t lmnt;
	_cleanup_free_ char *up = join(udir, e->name);
	_cleanup_free_ char *lp = join(ldir, e->name);
	struct stat l;
	bool live, inplace;
	struct step *s;
	size_t idx;
	const struct xinfo xi = e->xi;
	bool wh = e->wh;

	if (!up || !lp)
		return hs_error_set(err, ENOMEM, "plan %s", udir);
	/* Deletions first, then additions: pass 0 takes whiteouts, pass 1 the rest. */
	if ((pass == 0) != wh)
		return 0;
	live = lstat_mnt(ldfd, e->name, &l, &lmnt) == 0;
	if (!live && errno != ENOENT)
		return hs_error_errno(err, "stat %s", lp);
	/* A mount point cannot be renamed over or removed: refuse before anything changes
	 * (a merged dir that is a mount point is fine, its entries are copied in). */
	if (live && (l.st_dev != ldev || lmnt != lmnt_dir) &&
	    !(S_ISDIR(e->st.st_mode) && S_ISDIR(l.st_mode) && !xi.opaque && !wh))
		return hs_error_set(err, EBUSY, "cannot replace the mount point %s", lp);

	if (wh) {
		if (!live)
			return 0;
		idx = p->n;
		if (!(s = plan_add(p, STEP_RM)))
			return hs_error_set(err, ENOMEM, "plan %s", up);
		s->dst = steal_pointer(&lp);
		s->trash = temp_name(p, ldir, idx);
		s->dev = l.st_dev;
		s->ino = l.st_ino;
		s->old_type = l.st_mode & S_IFMT;
		s->change = CH_DELETED;
		return s->trash ? 0 : hs_error_set(err, ENOMEM, "plan %s", up);
	}
	if (S_ISDIR(e->st.st_mode) && live && S_ISDIR(l.st_mode) && !xi.opaque)
		return plan_dir(p, up, &e->st, lp, umnt, false, err);

	/* A live file with other names (hard links elsewhere in the live tree) is written in
	 * place, from a staged copy: a rename would leave those names on the old inode, where
	 * `echo >> f` or `chmod` in the shell changes them all. Not atomic (exec_write). */
	inplace = S_ISREG(e->st.st_mode) && live && S_ISREG(l.st_mode) && l.st_nlink > 1;
	if (inplace && faccessat(ldfd, e->name, W_OK, AT_EACCESS) < 0)
		return hs_error_errno(err, "cannot change %s", lp);
	idx = p->n;
	if (!(s = plan_add(p, inplace ? STEP_WRITE : STEP_MV)))
		return hs_error_set(err, ENOMEM, "plan %s", up);
	s->new_type = e->st.st_mode & S_IFMT;
	s->old_type = live ? l.st_mode & S_IFMT : 0;
	if (live) {
		s->odev = l.st_dev;
		s->oino = l.st_ino;
	}
	if (!live)
		s->change = CH_ADDED;
	else if (s->old_type == s->new_type && !S_ISDIR(l.st_mode))
		s->change = CH_MODIFIED;
	else
		s->change = CH_REPLACED;
	s->dst = strdup(lp);
	if (copy || inplace) {
		s->copy = true;
		s->upper = strdup(up);
		s->src = temp_name(p, ldir, idx);
	} else {
		s->src = strdup(up);
		s->dev = e->st.st_dev;
		s->ino = e->st.st_ino;
		s->strip = xi.private_;
	}
	if (!s->dst || !s->src || (s->copy && !s->upper))
		return hs_error_set(err, ENOMEM, "plan %s", up);
	if (S_ISDIR(e->st.st_mode))
		return scan_new(p, up, lp, !copy, idx, err);
	s->nfiles = 1;
	s->bytes = S_ISREG(e->st.st_mode) ? (unsigned long long)e->st.st_size : 0;
	return 0;
}

/* Merge the upper dir udir into the existing live dir ldir. */
static int plan_dir(struct plan *p, const char *udir, const struct stat *ust, const char *ldir,
		    uint64_t umnt, bool root, struct hs_error *err)
{
	_cleanup_close_ int ldfd = open(ldir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct entry *e = NULL;
	size_t n = 0, before = p->n;
	struct stat ls;
	uint64_t lmnt;
	bool copy;
	int r = -1;

	if (ldfd < 0 || fstat(ldfd, &ls) < 0)
		return hs_error_errno(err, "open %s", ldir);
	/* A live dir on another mount than the upper (a nested mount, a scratch upper, a bind
	 * mount) cannot take a rename: its entries are copied in. */
	lmnt = mount_of(ldfd, "", &ls);
	copy = (p->flags & HS_COMMIT_COPY) || lmnt != umnt;
	if (read_dir(udir, &e, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *up = join(udir, e[i].name);
		if (!up) {
			hs_error_set(err, ENOMEM, "plan %s", udir);
			goto out;
		}
		if (upper_xinfo(up, &e[i].xi, err) < 0)
			goto out;
		if (e[i].xi.unsupported) {
			hs_error_set(err, ENOTSUP, "%s is %s", up, e[i].xi.unsupported);
			goto out;
		}
		e[i].wh = (S_ISCHR(e[i].st.st_mode) && e[i].st.st_rdev == 0) ||
			  (S_ISREG(e[i].st.st_mode) && e[i].st.st_size == 0 && e[i].xi.xwhiteout);
	}
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++)
			if (plan_entry(p, udir, ldir, ldfd, ls.st_dev, lmnt, &e[i], copy, umnt,
				       pass, err) < 0)
				goto out;
	/* Refuse before touching anything when a dir we must change is not writable. */
	for (size_t i = before; i < p->n; i++) {
		if (p->steps[i].kind != STEP_MV && p->steps[i].kind != STEP_RM &&
		    p->steps[i].kind != STEP_WRITE)
			continue;
		if (faccessat(ldfd, ".", W_OK | X_OK, AT_EACCESS) < 0) {
			hs_error_errno(err, "cannot change %s", ldir);
			goto out;
		}
		break;
	}
	if (!root) {
		struct step *s = plan_add(p, STEP_META);
		struct xattr_kv *lx;
		size_t nlx;

		if (!s || !(s->dst = strdup(ldir))) {
			hs_error_set(err, ENOMEM, "plan %s", udir);
			goto out;
		}
		s->mode = ust->st_mode & 07777;
		s->uid = ust->st_uid;
		s->gid = ust->st_gid;
		s->atime = ust->st_atim;
		s->mtime = ust->st_mtim;
		if (read_xattrs(udir, &s->xattrs, &s->nxattrs, err) < 0)
			goto out;
		if (read_xattrs(ldir, &lx, &nlx, err) < 0)
			goto out;
		if (s->mode != (ls.st_mode & 07777) || s->uid != ls.st_uid || s->gid != ls.st_gid ||
		    !xattrs_equal(s->xattrs, s->nxattrs, lx, nlx))
			s->change = CH_MODIFIED;
		free_xattrs(lx, nlx);
	}
	r = 0;
out:
	free_entries(e, n);
	return r;
}

int plan_layer(struct plan *p, const struct hs_commit_layer *l, struct hs_error *err)
{
	struct stat us, ts;
	size_t before;

	if (!l->upper || !l->target || l->upper[0] != '/' || l->target[0] != '/')
		return hs_error_set(err, EINVAL, "commit layer: upper and target must be absolute");
	if (stat(l->upper, &us) < 0)
		return hs_error_errno(err, "upper %s", l->upper);
	if (!S_ISDIR(us.st_mode))
		return hs_error_set(err, ENOTDIR, "upper %s", l->upper);
	if (stat(l->target, &ts) < 0)
		return hs_error_errno(err, "target %s", l->target);
	if (!S_ISDIR(ts.st_mode))
		return hs_error_set(err, ENOTDIR, "target %s", l->target);
	if (us.st_dev == ts.st_dev && us.st_ino == ts.st_ino)
		return hs_error_set(err, EINVAL, "upper %s is the target itself", l->upper);
	before = p->n;
	if (plan_dir(p, l->upper, &us, l->target, mount_of(AT_FDCWD, l->upper, &us), true, err) < 0)
		return hs_error_prefix(err, "commit %s onto %s", l->upper, l->target);
	for (size_t i = before; i < p->n; i++)
		p->steps[i].rootlen = strlen(l->target);
	return 0;
}

/* Whether the upper files a and b hold the same data, mode, owner and xattrs (any doubt, an
 * error included: no). */
static bool same_file(const char *a, const char *b)
{
	_cleanup_close_ int fa = open(a, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int fb = open(b, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	static char ba[1 << 16], bb[1 << 16];
	struct xattr_kv *xa = NULL, *xb = NULL;
	size_t nxa = 0, nxb = 0;
	struct stat sa, sb;
	bool same;

	if (fa < 0 || fb < 0 || fstat(fa, &sa) < 0 || fstat(fb, &sb) < 0)
		return false;
	if (sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino)
		return true;
	if (sa.st_size != sb.st_size || sa.st_mode != sb.st_mode || sa.st_uid != sb.st_uid ||
	    sa.st_gid != sb.st_gid)
		return false;
	if (read_xattrs(a, &xa, &nxa, NULL) < 0 || read_xattrs(b, &xb, &nxb, NULL) < 0) {
		free_xattrs(xa, nxa);
		return false;
	}
	same = xattrs_equal(xa, nxa, xb, nxb);
	free_xattrs(xa, nxa);
	free_xattrs(xb, nxb);
	while (same) {
		ssize_t na = hs_read_full(fa, ba, sizeof(ba));
		ssize_t nb = hs_read_full(fb, bb, sizeof(bb));

		if (na < 0 || na != nb || memcmp(ba, bb, (size_t)na) != 0)
			return false;
		if (na == 0)
			break;
	}
	return same;
}

struct write_key {
	dev_t dev;
	ino_t ino;
	size_t idx;
};

static int cmp_write_key(const void *a, const void *b)
{
	const struct write_key *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Several names of one live inode changed in the sandbox: overlayfs copied each up on its
 * own, so the command saw them as separate files. The same result in each (chmod -R, say)
 * is still one change to the one inode: every name writes it, in place. Different results
 * cannot all be in one inode: they stay split, as overlayfs showed them, and nothing the
 * command wrote is lost. */
int plan_split_writes(struct plan *p, struct hs_error *err)
{
	_cleanup_free_ struct write_key *k = NULL;
	size_t n = 0;

	for (size_t i = 0; i < p->n; i++)
		n += p->steps[i].kind == STEP_WRITE;
	if (n < 2)
		return 0;
	if (!(k = calloc(n, sizeof(*k))))
		return hs_error_set(err, ENOMEM, "plan");
	n = 0;
	for (size_t i = 0; i < p->n; i++)
		if (p->steps[i].kind == STEP_WRITE)
			k[n++] = (struct write_key){p->steps[i].odev, p->steps[i].oino, i};
	qsort(k, n, sizeof(*k), cmp_write_key);
	for (size_t i = 0, j; i < n; i = j) {
		const char *first = p->steps[k[i].idx].upper;
		bool same = true;

		for (j = i + 1; j < n && k[j].dev == k[i].dev && k[j].ino == k[i].ino; j++)
			if (same && !same_file(first, p->steps[k[j].idx].upper))
				same = false;
		/* A WRITE step has all a copy MV step needs: its staged copy is renamed over. */
		for (size_t m = i; m < j && !same; m++)
			p->steps[k[m].idx].kind = STEP_MV;
	}
	return 0;
}

/* Print a path with odd bytes escaped, so one change is one line. */
static void put_path(FILE *out, const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '\\')
			fputs("\\\\", out);
		else if (*c == '\n')
			fputs("\\n", out);
		else if (*c == '\t')
			fputs("\\t", out);
		else if (*c < 0x20 || *c == 0x7f)
			fprintf(out, "\\x%02x", *c);
		else
			fputc(*c, out);
	}
}

static const char *type_name(mode_t t)
{
	switch (t & S_IFMT) {
	case S_IFREG:
		return "file";
	case S_IFDIR:
		return "dir";
	case S_IFLNK:
		return "symlink";
	case S_IFIFO:
		return "fifo";
	case S_IFSOCK:
		return "socket";
	case S_IFCHR:
		return "char device";
	case S_IFBLK:
		return "block device";
	default:
		return "?";
	}
}

static void put_size(FILE *out, unsigned long long b)
{
	static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)b;
	size_t u = 0;

	while (v >= 1024 && u + 1 < HS_ARRAY_SIZE(units)) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		fprintf(out, "%llu B", b);
	else
		fprintf(out, "%.1f %s", v, units[u]);
}

static unsigned long long tree_entries, tree_bytes;

static int count_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)path;
	(void)flag;
	if (ftw->level > 0) {
		tree_entries++;
		if (S_ISREG(st->st_mode))
			tree_bytes += (unsigned long long)st->st_size;
	}
	return 0;
}

/* Entries and bytes below a live dir that is going away (for the summary only). */
static void count_tree(const char *path, unsigned long long *entries, unsigned long long *bytes)
{
	tree_entries = tree_bytes = 0;
	nftw(path, count_one, 32, FTW_PHYS);
	*entries = tree_entries;
	*bytes = tree_bytes;
}

int hs_commit_summary(const struct hs_commit_layer *layers, size_t n, FILE *out, unsigned flags,
		      struct hs_error *err)
{
	int count = 0;

	for (size_t k = 0; k < n; k++) {
		struct plan p = {.flags = flags};

		snprintf(p.txid, sizeof(p.txid), "summary");
		if (plan_layer(&p, &layers[k], err) < 0) {
			plan_release(&p);
			return -1;
		}
		for (size_t i = 0; i < p.n; i++) {
			const struct step *s = &p.steps[i];
			static const char *words[] = {"", "added", "modified", "deleted",
						      "replaced"};

			if (s->change == CH_NONE)
				continue;
			fprintf(out, "%-9s", words[s->change]);
			put_path(out, s->dst);
			if (s->kind == STEP_MV && S_ISDIR(s->new_type)) {
				fprintf(out, "/ (dir: %llu entr%s, ", s->nfiles,
					s->nfiles == 1 ? "y" : "ies");
				put_size(out, s->bytes);
				fputc(')', out);
			} else if (s->kind == STEP_RM && S_ISDIR(s->old_type)) {
				unsigned long long ne = 0, nb = 0;
				count_tree(s->dst, &ne, &nb);
				fprintf(out, "/ (dir: %llu entr%s, ", ne, ne == 1 ? "y" : "ies");
				put_size(out, nb);
				fputc(')', out);
			} else if (s->kind == STEP_META) {
				fputs("/ (metadata)", out);
			}
			if (s->change == CH_REPLACED && s->old_type != s->new_type)
				fprintf(out, " (%s -> %s)", type_name(s->old_type),
					type_name(s->new_type));
			fputc('\n', out);
			count++;
		}
		plan_release(&p);
	}
	if (fflush(out) == EOF)
		return hs_error_errno(err, "write summary");
	return count;
}
