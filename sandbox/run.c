/* Running a command in a sandbox: one clone3 into fresh mount, pid, IPC and network
 * namespaces (and a user namespace when not root; the network namespace may be a shared
 * one, joined). The clone child is the sandbox's init
 * (pid 1): it builds the mount tree from the plan, pivots into it, brings loopback up,
 * reports "ready" by closing the error pipe, vforks the command, forwards signals to it,
 * and when it exits kills what is left of the run, writes its shell-style status to the
 * wait pipe and exits. The mounts die with the mount namespace: there is nothing to
 * unmount and nothing can outlive the run.
 *
 * Not thread-safe, and the clone child allocates memory before execve: call from one
 * thread of a process that is not multi-threaded while spawning. */
#include "sandbox/sandbox-internal.h"
#include "lib/syscalls.h"
#include "lib/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <dirent.h>
#include <pthread.h>

/* snprintf for paths: the result is cut at n (paths longer than PATH_MAX fail later, at
 * the syscall that uses them). */
__attribute__((format(printf, 3, 4))) static void pfmt(char *out, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (vsnprintf(out, n, fmt, ap) < 0)
		out[0] = '\0';
	va_end(ap);
}

extern char **environ;

/* Signals init passes on to the command. */
static const int forwarded[] = {SIGHUP,	 SIGINT,  SIGQUIT, SIGTERM, SIGUSR1,
				SIGUSR2, SIGALRM, SIGCONT, SIGWINCH};

/* Child side: report a setup failure on the error pipe ("errno message") and exit. */
__attribute__((noreturn, format(printf, 3, 4))) static void child_fail(int errfd, int code,
								       const char *fmt, ...)
{
	char buf[HS_ERROR_MSG_MAX];
	int n = snprintf(buf, sizeof(buf), "%d ", code);
	va_list ap;

	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(buf))
		vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	if (hs_write_full(errfd, buf, strlen(buf)) < 0)
		_exit(125);
	_exit(125);
}

struct runctx {
	const struct hs_sandbox *sb;
	const struct hs_sandbox_cmd *cmd;
	int errfd;
	uid_t uid;
	gid_t gid;
	char root[PATH_MAX]; /* STATE/run/r */
	char tmp[PATH_MAX];  /* STATE/run/t */
	int statusfd;	     /* init writes the command's status byte here */
	const char *cwd;     /* the caller's cwd, for cmd->cwd == NULL */
	int lo_errno;	     /* loopback thread's result */
	const char *lo_step;
};

static void pathjoin(char *out, size_t n, const char *a, const char *b)
{
	pfmt(out, n, "%s%s", a, strcmp(b, "/") == 0 ? "" : b);
}

static bool under(const char *p, const char *d)
{
	size_t n = strlen(d);
	if (strcmp(d, "/") == 0)
		return p[0] == '/';
	return strncmp(p, d, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

static void write_file(struct runctx *c, const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || hs_write_full(fd, data, strlen(data)) < 0)
		child_fail(c->errfd, errno, "user namespace: write %s", path);
	close(fd);
}

/* Append the kernel's own words (fs_context log) to a failed mount's message. */
static void fs_log(int fsfd, char *buf, size_t n)
{
	ssize_t r;
	buf[0] = '\0';
	if (fsfd < 0)
		return;
	r = read(fsfd, buf, n - 1);
	if (r > 0) {
		buf[r] = '\0';
		if (buf[r - 1] == '\n')
			buf[r - 1] = '\0';
	} else {
		buf[0] = '\0';
	}
}

/* Append path to an overlay lowerdir list, escaping ':' and '\'. */
static void lower_add(char *list, size_t n, const char *path)
{
	size_t len = strlen(list);
	if (len && len + 1 < n)
		list[len++] = ':';
	for (; *path && len + 2 < n; path++) {
		if (*path == ':' || *path == '\\' || *path == ',')
			list[len++] = '\\';
		list[len++] = *path;
	}
	list[len] = '\0';
}

/* Mount an overlay at dest, or (dest NULL) return it as a detached mount fd. */
static int mount_overlay(struct runctx *c, const char *what, const char *lowers, const char *upper,
			 const char *work, const char *dest)
{
	char log[512];
	int fsfd = fsopen("overlay", FSOPEN_CLOEXEC), mfd;
	bool u = c->sb->userns;

	if (fsfd < 0)
		child_fail(c->errfd, errno, "overlay on %s: fsopen (overlayfs missing?)", what);
#define SET(k, v)                                                                                  \
	if (fsconfig(fsfd, FSCONFIG_SET_STRING, k, v, 0) < 0) {                                    \
		int e = errno;                                                                     \
		fs_log(fsfd, log, sizeof(log));                                                    \
		child_fail(c->errfd, e, "overlay on %s: option %s=%s %s", what, k, v, log);        \
	}
	SET("source", "hs");
	SET("lowerdir", lowers);
	if (upper) {
		/* overlay unescapes backslashes in these paths too */
		char eu[PATH_MAX * 2] = "", ew[PATH_MAX * 2] = "";
		lower_add(eu, sizeof(eu), upper);
		lower_add(ew, sizeof(ew), work);
		SET("upperdir", eu);
		SET("workdir", ew);
	}
	/* The commit relies on plain overlay semantics: no metacopy, no redirects, no index.
	 * With userxattr the kernel insists on redirect_dir=nofollow (which creates none). */
	SET("metacopy", "off");
	SET("redirect_dir", u ? "nofollow" : "off");
	SET("index", "off");
	if (u && fsconfig(fsfd, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0)
		child_fail(c->errfd, errno, "overlay on %s: userxattr (Linux >= 5.11 needed)",
			   what);
	if (upper) {
		/* A volatile mount leaves work/incompat/volatile/dirty behind, and the kernel
		 * refuses any mount over it: a recycled sandbox dir has it from its last run. */
		char marker[PATH_MAX];
		pfmt(marker, sizeof(marker), "%s/work/incompat/volatile/dirty", work);
		unlink(marker);
		pfmt(marker, sizeof(marker), "%s/work/incompat/volatile", work);
		rmdir(marker);
		pfmt(marker, sizeof(marker), "%s/work/incompat", work);
		rmdir(marker);
	}
	/* Before Linux 5.10 there is no such option: the mount syncs, as without it. */
	if (upper && (c->cmd->flags & HS_SANDBOX_VOLATILE))
		fsconfig(fsfd, FSCONFIG_SET_FLAG, "volatile", NULL, 0);
#undef SET
	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		int e = errno;
		fs_log(fsfd, log, sizeof(log));
		child_fail(c->errfd, e, "overlay on %s: create (lower %s, upper %s) %s", what,
			   lowers, upper ? upper : "none", log);
	}
	mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, 0);
	if (mfd < 0)
		child_fail(c->errfd, errno, "overlay on %s: fsmount", what);
	close(fsfd);
	if (!dest)
		return mfd;
	if (move_mount(mfd, "", AT_FDCWD, dest, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		child_fail(c->errfd, errno, "overlay on %s: attach at %s", what, dest);
	close(mfd);
	return -1;
}

/* Bind src read-only at dest, or (dest NULL) return it as a detached mount fd. */
static int bind_ro(struct runctx *c, const char *src, const char *dest, bool recursive)
{
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
	int fd = open_tree(AT_FDCWD, src,
			   OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
	if (fd < 0)
		child_fail(c->errfd, errno, "bind %s: clone", src);
	if (mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
			  sizeof(attr)) < 0)
		child_fail(c->errfd, errno, "bind %s: read-only", src);
	if (!dest)
		return fd;
	if (move_mount(fd, "", AT_FDCWD, dest, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		child_fail(c->errfd, errno, "bind %s: attach at %s", src, dest);
	close(fd);
	return -1;
}

/* Copy mode, owner and times of the live path onto the scratch dir entry at fd/name. */
static void copy_attrs(int fd, const char *name, const struct stat *st)
{
	struct timespec ts[2] = {st->st_atim, st->st_mtim};
	mode_t mode = st->st_mode & 07777;

	if (fchownat(fd, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 &&
	    st->st_uid != geteuid()) {
		/* Unmapped owner in a user namespace: the entry stays ours, so give the owner
		 * bits what the live entry grants us (its group or other bits): a dir we may
		 * not write outside stays unwritable inside. */
		mode_t eff = st->st_gid == getegid() ? (mode >> 3) & 7 : mode & 7;
		mode = (mode & ~(mode_t)0700) | (eff << 6);
	}
	if (!S_ISLNK(st->st_mode))
		fchmodat(fd, name, mode, 0);
	utimensat(fd, name, ts, AT_SYMLINK_NOFOLLOW);
}

/* Copy the xattrs (ACLs, security labels, user.*) of the live dir onto the scratch dir at
 * fd/name: a dir copied up from a scratch layer takes its xattrs, and the commit applies a
 * copied-up dir's xattrs to the live one, dropping the others. Best effort: a name the
 * scratch tmpfs or this namespace refuses is left out. */
static void copy_xattrs(const char *live, int fd, const char *name)
{
	char names[4096], val[4096];
	ssize_t n = llistxattr(live, names, sizeof(names));
	int dfd;

	if (n <= 0)
		return;
	dfd = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return;
	for (char *k = names; k < names + n; k += strlen(k) + 1) {
		ssize_t vl = lgetxattr(live, k, val, sizeof(val));
		if (vl >= 0 && fsetxattr(dfd, k, val, (size_t)vl, 0) < 0) {
			/* not supported here: see above */
		}
	}
	close(dfd);
}

/* Build the hide layer of step i in DIR/t/h<i>: a whiteout for every hidden path whose
 * deepest covering step is i, with its parent dirs mirroring the live ones. Returns whether
 * the layer has any entry. */
static bool build_hide(struct runctx *c, size_t i, char *layer, size_t n)
{
	const struct hs_sandbox *sb = c->sb;
	const char *t = sb->steps[i].target;
	bool any = false;
	struct {
		struct stat st;
		int parent;
		char name[NAME_MAX + 1];
	} dirs[32];
	size_t ndirs = 0;

	pfmt(layer, n, "%s/h%zu", c->tmp, i);
	for (size_t h = 0; h < sb->n_hide; h++) {
		const char *hp = sb->hide[h];
		size_t best = SIZE_MAX, bestlen = 0;

		for (size_t j = 0; j < sb->n_steps; j++) {
			const char *tj = sb->steps[j].target;
			if (sb->steps[j].kind != SB_OVERLAY && sb->steps[j].kind != SB_SKEL)
				continue;
			if (under(hp, tj) && strcmp(hp, tj) != 0 && strlen(tj) >= bestlen) {
				best = j;
				bestlen = strlen(tj);
			}
		}
		if (best != i)
			continue;
		if (!any && mkdir(layer, 0755) < 0 && errno != EEXIST)
			child_fail(c->errfd, errno, "hide layer %s", layer);
		any = true;

		/* Walk the components below t; give up on this path at a non-dir component
		 * (a dir in the layer would hide a live symlink). */
		const char *rel = hp + (strcmp(t, "/") == 0 ? 1 : strlen(t) + 1);
		char live[PATH_MAX], comp[PATH_MAX];
		int dfd = open(layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		pfmt(live, sizeof(live), "%s", strcmp(t, "/") == 0 ? "" : t);
		while (dfd >= 0 && *rel) {
			const char *slash = strchr(rel, '/');
			size_t len = slash ? (size_t)(slash - rel) : strlen(rel);
			struct stat st;

			pfmt(comp, sizeof(comp), "%.*s", (int)len, rel);
			strncat(live, "/", sizeof(live) - strlen(live) - 1);
			strncat(live, comp, sizeof(live) - strlen(live) - 1);
			if (!slash) {
				if (lstat(live, &st) == 0 &&
				    mknodat(dfd, comp, S_IFCHR | 0, makedev(0, 0)) < 0 &&
				    errno != EEXIST)
					child_fail(c->errfd, errno, "hide %s: whiteout", hp);
				break;
			}
			if (lstat(live, &st) < 0 || !S_ISDIR(st.st_mode))
				break;
			/* (EEXIST: shared with an earlier hidden path, already done) */
			if (mkdirat(dfd, comp, 0700) == 0) {
				copy_xattrs(live, dfd, comp);
				if (ndirs < HS_ARRAY_SIZE(dirs)) {
					dirs[ndirs].st = st;
					dirs[ndirs].parent = dfd;
					pfmt(dirs[ndirs].name, sizeof(dirs[ndirs].name), "%s",
					     comp);
					ndirs++;
				}
			}
			int nfd = openat(dfd, comp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (ndirs == 0 || dirs[ndirs - 1].parent != dfd)
				close(dfd);
			dfd = nfd;
			rel = slash + 1;
		}
		if (dfd >= 0)
			close(dfd);
		/* Times last, deepest first: creating entries changed the parents' mtimes. */
		while (ndirs-- > 0) {
			copy_attrs(dirs[ndirs].parent, dirs[ndirs].name, &dirs[ndirs].st);
			close(dirs[ndirs].parent);
		}
		ndirs = 0;
	}
	if (any) {
		struct stat st;
		if (lstat(t, &st) == 0) {
			copy_xattrs(t, AT_FDCWD, layer);
			copy_attrs(AT_FDCWD, layer, &st);
		}
	}
	return any;
}

/* A skeleton of live dir t in DIR/t/s<i>: its subdirs (empty), symlinks, and empty
 * stand-ins for other entries, which bind_skel_files covers with read-only binds. */
static bool build_skel(struct runctx *c, size_t i, char *skel, size_t n)
{
	const char *t = c->sb->steps[i].target;
	DIR *d = opendir(t);
	struct dirent *de;
	struct stat st;
	int sfd;

	if (!d && errno == ENOENT)
		return false; /* gone since the plan was made */
	pfmt(skel, n, "%s/s%zu", c->tmp, i);
	if (!d || mkdir(skel, 0755) < 0)
		child_fail(c->errfd, errno, "skeleton of %s", t);
	sfd = open(skel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	while ((de = readdir(d))) {
		char target[PATH_MAX];
		ssize_t len;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			char lp[PATH_MAX];
			pfmt(lp, sizeof(lp), "%s/%s", strcmp(t, "/") == 0 ? "" : t, de->d_name);
			if (mkdirat(sfd, de->d_name, 0755) == 0)
				copy_xattrs(lp, sfd, de->d_name);
		} else if (S_ISLNK(st.st_mode)) {
			len = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
			if (len < 0)
				continue;
			target[len] = '\0';
			symlinkat(target, sfd, de->d_name);
		} else {
			int fd = openat(sfd, de->d_name, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
			if (fd >= 0)
				close(fd);
		}
		copy_attrs(sfd, de->d_name, &st);
	}
	if (fstat(dirfd(d), &st) == 0) {
		struct timespec ts[2] = {st.st_atim, st.st_mtim};
		fchmod(sfd, st.st_mode & 07777);
		futimens(sfd, ts);
	}
	closedir(d);
	close(sfd);
	return true;
}

static void bind_skel_files(struct runctx *c, size_t i, const char *dest)
{
	const char *t = c->sb->steps[i].target;
	DIR *d = opendir(t);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char src[PATH_MAX], dst[PATH_MAX];
		struct stat st;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode))
			continue;
		pfmt(src, sizeof(src), "%s/%s", strcmp(t, "/") == 0 ? "" : t, de->d_name);
		pfmt(dst, sizeof(dst), "%s/%s", dest, de->d_name);
		bind_ro(c, src, dst, false);
	}
	closedir(d);
}

/* Build step i's mount, detached (hide layer, skeleton, overlay or bind). Steps are
 * independent until attached, so several are prepared at once (see setup_steps). */
static int prepare_step(struct runctx *c, size_t i)
{
	const struct sb_step *s = &c->sb->steps[i];
	char lowers[8192] = "", hide[PATH_MAX], skel[PATH_MAX], base[PATH_MAX];
	struct stat st;

	/* The plan dates from hs_sandbox_new: a mount may be gone since. What lay under it
	 * is covered by the step that covers its parent. */
	if (stat(s->target, &st) < 0 && errno == ENOENT)
		return -1;
	switch (s->kind) {
	case SB_BIND:
	case SB_RBIND:
		return bind_ro(c, s->target, NULL, s->kind == SB_RBIND);
	case SB_OVERLAY:
	case SB_SKEL:
		break;
	}
	bool has_hide = build_hide(c, i, hide, sizeof(hide));
	const char *live = s->target;
	if (s->kind == SB_SKEL) {
		if (!build_skel(c, i, skel, sizeof(skel)))
			return -1;
		live = skel;
	}
	if (s->n_stack) {
		/* Overlay refuses a lower inside another lower of the same instance (ELOOP), and
		 * stacked uppers usually live on the live file system: put the live dir (and the
		 * hide layer) in a read-only overlay of its own, and stack on that. */
		char bl[4096] = "";
		if (!has_hide) {
			if (mkdir(hide, 0755) < 0 && errno != EEXIST)
				child_fail(c->errfd, errno, "hide layer %s", hide);
		}
		lower_add(bl, sizeof(bl), hide);
		lower_add(bl, sizeof(bl), live);
		pfmt(base, sizeof(base), "%s/b%zu", c->tmp, i);
		if (mkdir(base, 0755) < 0)
			child_fail(c->errfd, errno, "mkdir %s", base);
		mount_overlay(c, s->target, bl, NULL, NULL, base);
		for (size_t k = 0; k < s->n_stack; k++)
			lower_add(lowers, sizeof(lowers), s->stack[k]);
		lower_add(lowers, sizeof(lowers), base);
	} else {
		if (has_hide)
			lower_add(lowers, sizeof(lowers), hide);
		lower_add(lowers, sizeof(lowers), live);
	}
	return mount_overlay(c, s->target, lowers, s->upper, s->work, NULL);
}

/* Attach step i's prepared mount in the new tree, in plan order (parents first). */
static void attach_step(struct runctx *c, size_t i, int fd)
{
	const struct sb_step *s = &c->sb->steps[i];
	char dest[PATH_MAX];

	if (fd < 0)
		return; /* gone since the plan was made */
	pathjoin(dest, sizeof(dest), c->root, s->target);
	if (move_mount(fd, "", AT_FDCWD, dest, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
		/* Its mount point went away with a mount above it: nothing to cover. */
		if (errno == ENOENT && i > 0) {
			close(fd);
			return;
		}
		child_fail(c->errfd, errno, "%s %s: attach at %s",
			   s->kind == SB_BIND || s->kind == SB_RBIND ? "bind" : "overlay on",
			   s->target, dest);
	}
	close(fd);
	if (s->kind == SB_SKEL)
		bind_skel_files(c, i, dest);
}

struct prep {
	struct runctx *c;
	size_t next;
	int *fds;
};

static void *prepare_worker(void *arg)
{
	struct prep *p = arg;
	size_t i;

	while ((i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED)) < p->c->sb->n_steps)
		p->fds[i] = prepare_step(p->c, i);
	return NULL;
}

/* Prepare every step, with a few threads when there are many (user mode: one overlay per
 * dir next to a sub-mount, and each overlay mount spends most of its time checking the
 * upper file system), then attach them in plan order. */
static void setup_steps(struct runctx *c)
{
	size_t n = c->sb->n_steps;
	int *fds = calloc(n ? n : 1, sizeof(*fds));
	struct prep p = {.c = c, .fds = fds};
	pthread_t th[3];
	size_t nth = 0;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (!fds)
		child_fail(c->errfd, ENOMEM, "mount plan");
	if (n >= 6)
		while (nth < HS_ARRAY_SIZE(th) && (long)nth + 1 < cpus &&
		       pthread_create(&th[nth], NULL, prepare_worker, &p) == 0)
			nth++;
	prepare_worker(&p);
	for (size_t k = 0; k < nth; k++)
		pthread_join(th[k], NULL);
	for (size_t i = 0; i < n; i++)
		attach_step(c, i, fds[i]);
	free(fds);
}

static void setup_dev(struct runctx *c)
{
	static const struct {
		const char *name;
		unsigned maj, min;
	} nodes[] = {
	    {"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}};
	static const char *const links[][2] = {{"fd", "/proc/self/fd"},
					       {"stdin", "/proc/self/fd/0"},
					       {"stdout", "/proc/self/fd/1"},
					       {"stderr", "/proc/self/fd/2"},
					       {"ptmx", "pts/ptmx"}};
	char dev[PATH_MAX], p[PATH_MAX];
	int dfd;

	pfmt(dev, sizeof(dev), "%s/dev", c->root);
	if (mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k") < 0)
		child_fail(c->errfd, errno, "/dev: tmpfs at %s", dev);
	dfd = open(dev, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (size_t i = 0; i < HS_ARRAY_SIZE(nodes); i++) {
		if (!c->sb->userns) {
			if (mknodat(dfd, nodes[i].name, S_IFCHR | 0666,
				    makedev(nodes[i].maj, nodes[i].min)) < 0)
				child_fail(c->errfd, errno, "/dev/%s: mknod", nodes[i].name);
			fchmodat(dfd, nodes[i].name, 0666, 0);
		} else {
			/* No mknod in a user namespace: bind the host's node over a stand-in. */
			char src[64];
			int fd = openat(dfd, nodes[i].name, O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
			if (fd < 0)
				child_fail(c->errfd, errno, "/dev/%s", nodes[i].name);
			close(fd);
			pfmt(src, sizeof(src), "/dev/%s", nodes[i].name);
			pfmt(p, sizeof(p), "%s/%s", dev, nodes[i].name);
			if (mount(src, p, NULL, MS_BIND, NULL) < 0)
				child_fail(c->errfd, errno, "/dev/%s: bind", nodes[i].name);
		}
	}
	if (c->cmd->flags & HS_SANDBOX_TTY) {
		int fd = openat(dfd, "tty", O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
		if (fd >= 0)
			close(fd);
		pfmt(p, sizeof(p), "%s/tty", dev);
		if (mount("/dev/tty", p, NULL, MS_BIND, NULL) < 0)
			child_fail(c->errfd, errno, "/dev/tty: bind");
	}
	for (size_t i = 0; i < HS_ARRAY_SIZE(links); i++)
		symlinkat(links[i][1], dfd, links[i][0]);
	mkdirat(dfd, "pts", 0755);
	mkdirat(dfd, "shm", 01777);
	fchmodat(dfd, "shm", 01777, 0);
	close(dfd);
	pfmt(p, sizeof(p), "%s/pts", dev);
	if (c->cmd->flags & HS_SANDBOX_TTY) {
		/* Interactive: the caller's terminal is one of the host's ptys; with the host's
		 * devpts its name resolves (tty, ttyname) inside too. */
		if (mount("/dev/pts", p, NULL, MS_BIND, NULL) < 0)
			child_fail(c->errfd, errno, "/dev/pts: bind");
	} else if (mount("devpts", p, "devpts", MS_NOSUID | MS_NOEXEC,
			 "newinstance,ptmxmode=0666,mode=0620") < 0) {
		child_fail(c->errfd, errno, "/dev/pts: devpts");
	}
	pfmt(p, sizeof(p), "%s/shm", dev);
	if (mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0)
		child_fail(c->errfd, errno, "/dev/shm: tmpfs");
}

/* Bring lo up in the calling thread's network namespace. Returns 0, or an errno with *step
 * set to the step that failed. */
static int loopback_up(const char **step)
{
	struct ifreq ifr = {0};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), e;

	*step = "socket";
	if (fd < 0)
		return errno;
	pfmt(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	*step = "get flags";
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		goto fail;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	*step = "up";
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		goto fail;
	close(fd);
	return 0;
fail:
	e = errno;
	close(fd);
	return e;
}

/* Thread of init: bring lo up. Failures land in c->lo_errno / c->lo_step. */
static void *loopback_thread(void *arg)
{
	struct runctx *c = arg;
	c->lo_errno = loopback_up(&c->lo_step);
	return NULL;
}

struct netns_new {
	int fd;
	int err;
	const char *step;
};

/* A thread's network namespace is its own (unshare and setns act on the calling thread):
 * make one in a thread of ours, bring lo up there and keep an fd, and the process is
 * untouched when the thread ends. */
static void *netns_thread(void *arg)
{
	struct netns_new *n = arg;

	n->step = "unshare";
	if (unshare(CLONE_NEWNET) < 0) {
		n->err = errno;
		return NULL;
	}
	n->err = loopback_up(&n->step);
	if (n->err)
		return NULL;
	n->step = "open";
	n->fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (n->fd < 0)
		n->err = errno;
	return NULL;
}

int hs_sandbox_netns_new(struct hs_error *err)
{
	struct netns_new n = {.fd = -1};
	pthread_t th;
	int e = pthread_create(&th, NULL, netns_thread, &n);

	if (e)
		return hs_error_set(err, e, "shared network namespace: thread");
	pthread_join(th, NULL);
	if (n.err) {
		if (n.fd >= 0)
			close(n.fd);
		return hs_error_set(err, n.err, "shared network namespace: %s", n.step);
	}
	return n.fd;
}

static void setup_mounts(struct runctx *c)
{
	char p[PATH_MAX];

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		child_fail(c->errfd, errno, "make / private");
	if (mount("tmpfs", c->tmp, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
		child_fail(c->errfd, errno, "scratch tmpfs at %s", c->tmp);
	setup_steps(c);
	if (c->sb->n_steps == 0 || strcmp(c->sb->steps[0].target, "/") != 0)
		child_fail(c->errfd, EINVAL, "mount plan does not start at /");

	pfmt(p, sizeof(p), "%s/proc", c->root);
	if (mount("proc", p, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		child_fail(c->errfd, errno, "/proc: mount proc");
	pfmt(p, sizeof(p), "%s/sys", c->root);
	bind_ro(c, "/sys", p, true);
	setup_dev(c);

	/* Enter the new root: a mount stacked on / would not change our root. pivot_root(".",
	 * ".") stacks the old root on the new one; detaching it leaves only the sandbox. */
	if (chdir(c->root) < 0)
		child_fail(c->errfd, errno, "chdir %s", c->root);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		child_fail(c->errfd, errno, "pivot_root into %s", c->root);
	if (umount2(".", MNT_DETACH) < 0)
		child_fail(c->errfd, errno, "detach the old root");
	if (chdir("/") < 0)
		child_fail(c->errfd, errno, "chdir /");
}

static const char *env_get(char *const *envp, const char *name)
{
	size_t n = strlen(name);
	for (; envp && *envp; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

/* The command's process: fds, priority, hook, execve (PATH search as a shell does). */
__attribute__((noreturn)) static void exec_command(struct runctx *c, const sigset_t *oldmask)
{
	const struct hs_sandbox_cmd *cmd = c->cmd;
	char *const *envp = cmd->envp ? cmd->envp : environ;
	int hi = 10, moved[3];

	/* Not held while the hook runs: the parent may be waiting for "ready" (EOF). */
	close(c->errfd);
	close(c->statusfd);

	for (size_t k = 0; k < cmd->n_keep_fds; k++)
		if (cmd->keep_fds[k] >= hi)
			hi = cmd->keep_fds[k] + 1;
	for (int i = 0; i < 3; i++) {
		moved[i] = -1;
		if (cmd->fds[i] >= 0 && (moved[i] = fcntl(cmd->fds[i], F_DUPFD_CLOEXEC, hi)) < 0) {
			dprintf(2, "hs: sandbox: fd %d: %s\n", cmd->fds[i], strerror(errno));
			_exit(125);
		}
	}
	for (int i = 0; i < 3; i++)
		if (moved[i] >= 0 && dup2(moved[i], i) < 0)
			_exit(125);
	hs_close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	for (size_t k = 0; k < cmd->n_keep_fds; k++)
		fcntl(cmd->keep_fds[k], F_SETFD, 0);
	if (cmd->flags & HS_SANDBOX_IDLE) {
		struct sched_param sp = {0};
		int fd;
		sched_setscheduler(0, SCHED_IDLE, &sp);
		setpriority(PRIO_PROCESS, 0, 19);
		fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (write(fd, "1000", 4) < 0) {
				/* best effort */
			}
			close(fd);
		}
	}
	sigprocmask(SIG_SETMASK, oldmask, NULL);
	if (cmd->pre_exec && cmd->pre_exec(cmd->pre_exec_arg) < 0) {
		dprintf(2, "hs: sandbox: pre-exec hook failed\n");
		_exit(125);
	}

	const char *name = cmd->argv[0];
	if (strchr(name, '/')) {
		execve(name, cmd->argv, envp);
		dprintf(2, "hs: sandbox: %s: %s\n", name, strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	const char *path = env_get(envp, "PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	int err = ENOENT;
	while (*name) {
		const char *colon = strchr(path, ':');
		size_t len = colon ? (size_t)(colon - path) : strlen(path);
		char full[PATH_MAX];
		pfmt(full, sizeof(full), "%.*s%s%s", (int)len, path, len ? "/" : "", name);
		execve(full, cmd->argv, envp);
		if (errno == EACCES || errno == ENOEXEC || errno == ETXTBSY)
			err = errno;
		if (!colon)
			break;
		path = colon + 1;
	}
	if (err == ENOENT)
		dprintf(2, "hs: sandbox: %s: command not found\n", name);
	else
		dprintf(2, "hs: sandbox: %s: %s\n", name, strerror(err));
	_exit(err == ENOENT ? 127 : 126);
}

/* Whether the run joins the caller's shared network namespace (root mode only). */
static bool shared_net(const struct runctx *c)
{
	return (c->cmd->flags & HS_SANDBOX_SHARED_NET) && !c->sb->userns;
}

__attribute__((noreturn)) static void init_main(struct runctx *c)
{
	sigset_t set, old;
	char buf[64];
	pid_t cmdpid;
	int status = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (c->sb->userns) {
		write_file(c, "/proc/self/setgroups", "deny");
		pfmt(buf, sizeof(buf), "%u %u 1", (unsigned)c->uid, (unsigned)c->uid);
		write_file(c, "/proc/self/uid_map", buf);
		pfmt(buf, sizeof(buf), "%u %u 1", (unsigned)c->gid, (unsigned)c->gid);
		write_file(c, "/proc/self/gid_map", buf);
	}
	/* Bringing lo up waits for an RCU grace period (~1-2 ms), and so does detaching the
	 * old root: let them wait together. A shared namespace has lo up already. */
	pthread_t lo;
	bool own_net = !shared_net(c);
	if (!own_net) {
		if (setns(c->cmd->netns_fd, CLONE_NEWNET) < 0)
			child_fail(c->errfd, errno, "join the shared network namespace");
		close(c->cmd->netns_fd);
	} else {
		int lo_err = pthread_create(&lo, NULL, loopback_thread, c);
		if (lo_err)
			child_fail(c->errfd, lo_err, "loopback: thread");
	}
	setup_mounts(c);
	if (own_net) {
		pthread_join(lo, NULL);
		if (c->lo_errno)
			child_fail(c->errfd, c->lo_errno, "loopback: %s", c->lo_step);
	}
	const char *cwd = c->cmd->cwd ? c->cmd->cwd : c->cwd;
	if (cwd && chdir(cwd) < 0)
		child_fail(c->errfd, errno, "cwd %s inside the sandbox", cwd);

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (size_t i = 0; i < HS_ARRAY_SIZE(forwarded); i++)
		sigaddset(&set, forwarded[i]);
	sigprocmask(SIG_BLOCK, &set, &old);
	/* vfork: the command's process needs no copy of init's memory; init sleeps until the
	 * command has called execve (or exited), then goes on to wait for it. With a pre-exec
	 * hook, fork: the hook may wait for the caller (a tracer's handshake), which must see
	 * "ready" first. */
	cmdpid = c->cmd->pre_exec ? fork() : vfork();
	if (cmdpid < 0)
		child_fail(c->errfd, errno, "fork the command");
	if (cmdpid == 0)
		exec_command(c, &old);
	/* Ready: the parent reads EOF once init (and the command, at execve) dropped the pipe.
	 * init keeps only the status pipe, so pipes the command writes to see EOF when it and
	 * its children are gone. */
	if (c->statusfd > 0)
		hs_close_range(0, (unsigned)c->statusfd - 1, 0);
	hs_close_range((unsigned)c->statusfd + 1, ~0U, 0);
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&set, &si);
		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			kill(cmdpid, sig);
			continue;
		}
		for (;;) {
			int st;
			pid_t p = waitpid(-1, &st, WNOHANG);
			if (p <= 0)
				break;
			if (p != cmdpid)
				continue;
			status = WIFEXITED(st)	   ? WEXITSTATUS(st)
				 : WIFSIGNALED(st) ? 128 + WTERMSIG(st)
						   : 255;
			/* Nothing of the run may outlive it: kill what is left, reap it, and only
			 * then report. The status goes out before init exits because tearing down
			 * the namespaces (mounts, RCU grace periods) takes a millisecond or more
			 * that nobody needs to wait for. */
			kill(-1, SIGKILL);
			while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
				;
			unsigned char b = (unsigned char)status;
			if (write(c->statusfd, &b, 1) < 0) {
				/* the parent is gone: nobody to tell */
			}
			_exit(status);
		}
	}
}

/* Inits that reported their status but had not finished exiting: reaped later, without
 * blocking, so their namespace teardown happens off the caller's critical path. */
static pid_t pending[64];
static size_t n_pending;

static void reap_pending(void)
{
	size_t out = 0;
	for (size_t i = 0; i < n_pending; i++) {
		pid_t r = waitpid(pending[i], NULL, WNOHANG);
		if (r == 0)
			pending[out++] = pending[i];
	}
	n_pending = out;
}

bool sb_init_running(pid_t pid)
{
	reap_pending();
	for (size_t i = 0; i < n_pending; i++)
		if (pending[i] == pid)
			return true;
	return false;
}

void sb_reap(pid_t pid)
{
	for (size_t i = 0; i < n_pending; i++) {
		if (pending[i] != pid)
			continue;
		pending[i] = pending[--n_pending];
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return;
	}
}

int hs_sandbox_spawn(struct hs_sandbox *sb, const struct hs_sandbox_cmd *cmd, pid_t *pidp,
		     int *waitfdp, struct hs_error *err)
{
	struct runctx c = {.sb = sb, .cmd = cmd, .uid = geteuid(), .gid = getegid()};
	_cleanup_free_ char *cwd = cmd && !cmd->cwd ? getcwd(NULL, 0) : NULL;
	int pfd[2], sfd[2];
	struct clone_args args = {0};
	char msg[HS_ERROR_MSG_MAX + 32];
	ssize_t n;
	long pid;

	if (!cmd || !cmd->argv || !cmd->argv[0] || !cmd->argv[0][0])
		return hs_error_set(err, EINVAL, "sandbox: no command");
	c.cwd = cwd;
	reap_pending();
	if (sb_load_stack(sb, err) < 0)
		return -1;
	pfmt(c.root, sizeof(c.root), "%s", sb->mnt_root);
	pfmt(c.tmp, sizeof(c.tmp), "%s", sb->mnt_tmp);
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return hs_error_errno(err, "sandbox: pipe");
	if (pipe2(sfd, O_CLOEXEC) < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return hs_error_errno(err, "sandbox: pipe");
	}
	c.errfd = pfd[1];
	c.statusfd = sfd[1];
	args.flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC |
		     (shared_net(&c) ? 0 : CLONE_NEWNET) | (sb->userns ? CLONE_NEWUSER : 0);
	args.exit_signal = SIGCHLD;
	pid = hs_clone3(&args, sizeof(args));
	if (pid < 0) {
		int e = errno;
		close(pfd[0]);
		close(pfd[1]);
		close(sfd[0]);
		close(sfd[1]);
		if (e == EPERM || e == ENOSPC || e == EACCES)
			return hs_error_set(err, e, "sandbox: cannot create namespaces%s",
					    sb->userns ? " (unprivileged user namespaces disabled?)"
						       : "");
		return hs_error_set(err, e, "sandbox: clone3 (Linux >= 5.11 needed)");
	}
	if (pid == 0) {
		close(pfd[0]);
		close(sfd[0]);
		init_main(&c);
	}
	close(pfd[1]);
	close(sfd[1]);
	n = hs_read_full(pfd[0], msg, sizeof(msg) - 1);
	close(pfd[0]);
	if (n > 0) {
		int code = 0, off = 0;
		msg[n] = '\0';
		sscanf(msg, "%d %n", &code, &off);
		waitpid((pid_t)pid, NULL, 0);
		close(sfd[0]);
		hs_error_set(err, code, "sandbox setup: %s", msg + off);
		return -1;
	}
	*pidp = (pid_t)pid;
	*waitfdp = sfd[0];
	sb->last_init = (pid_t)pid;
	return 0;
}

int hs_sandbox_wait(pid_t pid, int waitfd, struct hs_error *err)
{
	unsigned char b;
	ssize_t n;
	int st;
	pid_t r;

	do
		n = read(waitfd, &b, 1);
	while (n < 0 && errno == EINTR);
	close(waitfd);
	if (n == 1) {
		r = waitpid(pid, NULL, WNOHANG);
		if (r == 0 && n_pending < HS_ARRAY_SIZE(pending))
			pending[n_pending++] = pid;
		else if (r == 0)
			waitpid(pid, NULL, 0);
		reap_pending();
		return b;
	}
	/* No status: init itself died (SIGKILL from outside, say). */
	do
		r = waitpid(pid, &st, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return hs_error_errno(err, "sandbox: wait for %d", (int)pid);
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 255;
}

int hs_sandbox_run(struct hs_sandbox *sb, const struct hs_sandbox_cmd *cmd, struct hs_error *err)
{
	pid_t pid;
	int fd;

	if (hs_sandbox_spawn(sb, cmd, &pid, &fd, err) < 0)
		return -1;
	return hs_sandbox_wait(pid, fd, err);
}
