/* Sandbox objects: create, reopen, describe, destroy. The runs live in sandbox/run.c.
 *
 * Layout of a sandbox dir DIR:
 *   DIR/hs-sandbox   the description (mode, stacked lowers, hidden paths, mount steps)
 *   DIR/uN, DIR/wN   upper and work dir of step N when its mount is on DIR's file system
 *                    (or has no writable place of its own: then commit copies)
 * and, shared by all sandboxes (used inside private mount namespaces only):
 *   STATE/run/r      mount point of the new root during setup
 *   STATE/run/t      mount point of a per-run scratch tmpfs (skeletons, hide layers)
 * Removing a sandbox whose uppers are empty (nothing changed, or all committed) recycles
 * its dir into STATE/sandboxes/.pool for the next hs_sandbox_new: creating and deleting
 * directories is what costs most on many file systems (ext4 with discard: ~0.3 ms each).
 * A mount on another file system keeps its upper and work dir on that file system, under
 * MOUNTPOINT/.hs-sandboxes/NAME, so commit is a rename there too. */
#include "sandbox/sandbox-internal.h"
#include "lib/state.h"
#include "lib/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <stdarg.h>

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

#define META_NAME "hs-sandbox"
#define META_MAGIC "hs-sandbox 1"
#define PLACE_NAME ".hs-sandboxes"

/* Escape bytes that would break the line/field format: space, controls, backslash. */
static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= ' ' || c == '\\' || c == 0x7f)
			fprintf(f, "\\%03o", c);
		else
			fputc(c, f);
	}
}

/* Unescape in place; returns s. */
static char *unescape(char *s)
{
	char *o = s;
	for (char *p = s; *p; p++) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
		    p[3] >= '0' && p[3] <= '7') {
			*o++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
			p += 3;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return s;
}

static int push_str(char ***arr, size_t *n, const char *s)
{
	char **a = realloc(*arr, (*n + 1) * sizeof(*a));
	if (!a)
		return -1;
	*arr = a;
	if (!(a[*n] = strdup(s)))
		return -1;
	(*n)++;
	return 0;
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void hs_sandbox_free(struct hs_sandbox *sb)
{
	if (!sb)
		return;
	free(sb->dir);
	free(sb->mnt_root);
	free(sb->mnt_tmp);
	sb_steps_free(sb->steps, sb->n_steps);
	free_strv(sb->lowers, sb->n_lowers);
	free_strv(sb->hide, sb->n_hide);
	free(sb->layers);
	free(sb);
}

const char *hs_sandbox_dir(const struct hs_sandbox *sb)
{
	return sb->dir;
}

size_t hs_sandbox_layers(const struct hs_sandbox *sb, const struct hs_commit_layer **layers)
{
	*layers = sb->layers;
	return sb->n_layers;
}

static const char *kind_name(enum sb_step_kind k)
{
	switch (k) {
	case SB_OVERLAY:
		return "overlay";
	case SB_SKEL:
		return "skel";
	case SB_BIND:
		return "bind";
	case SB_RBIND:
		return "rbind";
	}
	return "?";
}

int sb_write_meta(const struct hs_sandbox *sb, struct hs_error *err)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	_cleanup_free_ char *text = NULL, *old = NULL;
	size_t len = 0;
	FILE *f;

	pfmt(path, sizeof(path), "%s/" META_NAME, sb->dir);
	pfmt(tmp, sizeof(tmp), "%s/." META_NAME ".tmp", sb->dir);
	f = open_memstream(&text, &len);
	if (!f)
		return hs_error_errno(err, "sandbox description");
	fprintf(f, META_MAGIC "\nmode %s\n", sb->userns ? "user" : "root");
	for (size_t i = 0; i < sb->n_lowers; i++) {
		fputs("lower ", f);
		put_escaped(f, sb->lowers[i]);
		fputc('\n', f);
	}
	for (size_t i = 0; i < sb->n_hide; i++) {
		fputs("hide ", f);
		put_escaped(f, sb->hide[i]);
		fputc('\n', f);
	}
	for (size_t i = 0; i < sb->n_steps; i++) {
		const struct sb_step *s = &sb->steps[i];
		fprintf(f, "%s ", kind_name(s->kind));
		put_escaped(f, s->target);
		if (s->upper) {
			fputc(' ', f);
			put_escaped(f, s->upper);
			fputc(' ', f);
			put_escaped(f, s->work);
		}
		fputc('\n', f);
	}
	if (fclose(f) != 0)
		return hs_error_errno(err, "sandbox description");
	/* A recycled dir usually holds the same description already: replacing a file frees
	 * blocks, which some file systems (ext4 with discard) make slow. */
	_cleanup_close_ int ofd = open(path, O_RDONLY | O_CLOEXEC);
	if (ofd >= 0 && (old = hs_read_all(ofd, NULL)) && strcmp(old, text) == 0)
		return 0;
	_cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || hs_write_full(fd, text, len) < 0)
		return hs_error_errno(err, "write %s", tmp);
	if (rename(tmp, path) < 0)
		return hs_error_errno(err, "rename %s", tmp);
	return 0;
}

/* Fill sb->layers from the steps. */
static int build_layers(struct hs_sandbox *sb, struct hs_error *err)
{
	free(sb->layers);
	sb->layers = calloc(sb->n_steps ? sb->n_steps : 1, sizeof(*sb->layers));
	sb->n_layers = 0;
	if (!sb->layers)
		return hs_error_set(err, ENOMEM, "sandbox layers");
	for (size_t i = 0; i < sb->n_steps; i++)
		if (sb->steps[i].upper)
			sb->layers[sb->n_layers++] = (struct hs_commit_layer){
			    .upper = sb->steps[i].upper, .target = sb->steps[i].target};
	return 0;
}

static int parse_meta(struct hs_sandbox *sb, struct hs_error *err)
{
	char path[PATH_MAX];
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	bool magic = false;

	pfmt(path, sizeof(path), "%s/" META_NAME, sb->dir);
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return hs_error_set(err, EINVAL, "%s is not a sandbox (no %s file)",
					    sb->dir, META_NAME);
		return hs_error_errno(err, "open %s", path);
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		char *fields[4] = {0};
		size_t nf = 0;
		char *save = NULL;

		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		if (!magic) {
			if (strcmp(line, META_MAGIC) != 0)
				break;
			magic = true;
			continue;
		}
		for (char *t = strtok_r(line, " ", &save); t && nf < 4;
		     t = strtok_r(NULL, " ", &save))
			fields[nf++] = unescape(t);
		if (nf == 2 && strcmp(fields[0], "mode") == 0) {
			sb->userns = strcmp(fields[1], "user") == 0;
		} else if (nf == 2 && strcmp(fields[0], "lower") == 0) {
			if (push_str(&sb->lowers, &sb->n_lowers, fields[1]) < 0)
				return hs_error_set(err, ENOMEM, "sandbox");
		} else if (nf == 2 && strcmp(fields[0], "hide") == 0) {
			if (push_str(&sb->hide, &sb->n_hide, fields[1]) < 0)
				return hs_error_set(err, ENOMEM, "sandbox");
		} else if (nf >= 2) {
			enum sb_step_kind k;
			if (strcmp(fields[0], "overlay") == 0 && nf == 4)
				k = SB_OVERLAY;
			else if (strcmp(fields[0], "skel") == 0 && nf == 4)
				k = SB_SKEL;
			else if (strcmp(fields[0], "bind") == 0 && nf == 2)
				k = SB_BIND;
			else if (strcmp(fields[0], "rbind") == 0 && nf == 2)
				k = SB_RBIND;
			else
				return hs_error_set(err, EINVAL, "%s: bad line: %s", path,
						    fields[0]);
			struct sb_step *s = realloc(sb->steps, (sb->n_steps + 1) * sizeof(*s));
			if (!s)
				return hs_error_set(err, ENOMEM, "sandbox");
			sb->steps = s;
			s = &sb->steps[sb->n_steps++];
			*s = (struct sb_step){.kind = k, .target = strdup(fields[1])};
			if (nf == 4) {
				s->upper = strdup(fields[2]);
				s->work = strdup(fields[3]);
			}
			if (!s->target || (nf == 4 && (!s->upper || !s->work)))
				return hs_error_set(err, ENOMEM, "sandbox");
		}
	}
	if (!magic)
		return hs_error_set(err, EINVAL, "%s is not a sandbox (bad %s file)", sb->dir,
				    META_NAME);
	if (sb->n_steps == 0)
		return hs_error_set(err, EINVAL, "%s: sandbox has no mounts", sb->dir);
	for (size_t i = 0; i < sb->n_steps; i++) {
		struct stat st;
		if (sb->steps[i].upper && stat(sb->steps[i].upper, &st) < 0)
			return hs_error_errno(err, "sandbox %s: upper dir %s", sb->dir,
					      sb->steps[i].upper);
	}
	return build_layers(sb, err);
}

/* Upper dirs of the stacked sandboxes, for each of our steps with the same target. */
int sb_load_stack(struct hs_sandbox *sb, struct hs_error *err)
{
	if (sb->stack_loaded)
		return 0;
	for (size_t l = sb->n_lowers; l-- > 0;) {
		struct hs_sandbox *lo = hs_sandbox_open(sb->lowers[l], err);
		if (!lo)
			return hs_error_prefix(err, "stacked sandbox");
		for (size_t i = 0; i < sb->n_steps; i++) {
			struct sb_step *s = &sb->steps[i];
			if (!s->upper)
				continue;
			for (size_t j = 0; j < lo->n_steps; j++) {
				if (lo->steps[j].upper &&
				    strcmp(lo->steps[j].target, s->target) == 0 &&
				    push_str(&s->stack, &s->n_stack, lo->steps[j].upper) < 0) {
					hs_sandbox_free(lo);
					return hs_error_set(err, ENOMEM, "sandbox");
				}
			}
		}
		hs_sandbox_free(lo);
	}
	sb->stack_loaded = true;
	return 0;
}

/* STATE/run/{r,t}: made once per process. */
static int run_dirs(struct hs_sandbox *sb, struct hs_error *err)
{
	static char *made_for;
	_cleanup_free_ char *state = hs_state_dir(err);

	if (!state)
		return -1;
	if (asprintf(&sb->mnt_root, "%s/run/r", state) < 0 ||
	    asprintf(&sb->mnt_tmp, "%s/run/t", state) < 0)
		return hs_error_set(err, ENOMEM, "sandbox");
	if (made_for && strcmp(made_for, state) == 0)
		return 0;
	if (hs_mkdir_p(sb->mnt_root, 0700, err) < 0 || hs_mkdir_p(sb->mnt_tmp, 0700, err) < 0)
		return -1;
	free(made_for);
	made_for = steal_pointer(&state);
	return 0;
}

static struct hs_sandbox *sb_alloc_dir(const char *dir, struct hs_error *err)
{
	struct hs_sandbox *sb = calloc(1, sizeof(*sb));
	if (!sb) {
		hs_error_set(err, ENOMEM, "sandbox");
		return NULL;
	}
	sb->dir = realpath(dir, NULL);
	if (!sb->dir) {
		hs_error_errno(err, "sandbox %s", dir);
		free(sb);
		return NULL;
	}
	if (run_dirs(sb, err) < 0) {
		hs_sandbox_free(sb);
		return NULL;
	}
	return sb;
}

struct hs_sandbox *hs_sandbox_open(const char *dir, struct hs_error *err)
{
	struct hs_sandbox *sb;
	struct stat st;

	if (stat(dir, &st) < 0) {
		hs_error_errno(err, "sandbox %s", dir);
		return NULL;
	}
	if (!S_ISDIR(st.st_mode)) {
		hs_error_set(err, ENOTDIR, "sandbox %s", dir);
		return NULL;
	}
	/* The description says which dirs a commit moves where: only trust one that nobody
	 * else could have written. */
	if (st.st_uid != geteuid() || (st.st_mode & 022)) {
		hs_error_set(err, EPERM, "sandbox %s: not owned by you, or writable by others",
			     dir);
		return NULL;
	}
	if (!(sb = sb_alloc_dir(dir, err)))
		return NULL;
	/* The stacked sandboxes are needed to run, not to summarise or commit (they may have
	 * been committed and removed already). */
	if (parse_meta(sb, err) < 0) {
		hs_sandbox_free(sb);
		return NULL;
	}
	/* Uppers lie in the dir or in a place of its name on another file system. */
	const char *name = strrchr(sb->dir, '/') + 1;
	size_t dl = strlen(sb->dir);
	for (size_t i = 0; i < sb->n_steps; i++) {
		const char *u = sb->steps[i].upper;
		char want[PATH_MAX];
		if (!u || (strncmp(u, sb->dir, dl) == 0 && u[dl] == '/' && !strstr(u, "/../")))
			continue;
		snprintf(want, sizeof(want), "/" PLACE_NAME "/%s/u/", name);
		if (!strstr(u, want) || strstr(u, "/../")) {
			hs_error_set(err, EINVAL, "sandbox %s: upper dir %s is not its own",
				     sb->dir, u);
			hs_sandbox_free(sb);
			return NULL;
		}
	}
	return sb;
}

int hs_sandbox_is_sandbox(const char *dir)
{
	struct hs_error err = HS_ERROR_INIT;
	struct hs_sandbox *sb = hs_sandbox_open(dir, &err);
	hs_sandbox_free(sb);
	return sb != NULL;
}

static int mkdir_in(const char *base, const char *sub, int i, char **out, struct hs_error *err)
{
	if (asprintf(out, "%s/%s%d", base, sub, i) < 0) {
		*out = NULL;
		return hs_error_set(err, ENOMEM, "sandbox");
	}
	if (mkdir(*out, 0755) < 0 && errno != EEXIST)
		return hs_error_errno(err, "mkdir %s", *out);
	return 0;
}

/* A writable place for upper dirs on the file system of step target t, other than the
 * sandbox dir's: t/.hs-sandboxes/NAME (with u/ and w/ in it). NULL when there is none. */
static char *fs_place(const char *t, const char *name)
{
	_cleanup_free_ char *base = NULL;
	char *place = NULL, *sub = NULL;
	struct statfs sfs;

	if (asprintf(&base, "%s/" PLACE_NAME, strcmp(t, "/") == 0 ? "" : t) < 0)
		return NULL;
	if ((mkdir(base, 0700) < 0 && errno != EEXIST) || statfs(base, &sfs) < 0 ||
	    sfs.f_type == OVERLAYFS_SUPER_MAGIC || asprintf(&place, "%s/%s", base, name) < 0)
		return NULL;
	/* EEXIST: a recycled sandbox of the same name left it (empty) there. */
	if (mkdir(place, 0700) < 0 && errno != EEXIST) {
		free(place);
		return NULL;
	}
	for (int i = 0; i < 2; i++) {
		if (asprintf(&sub, "%s/%s", place, i ? "w" : "u") < 0 ||
		    (mkdir(sub, 0755) < 0 && errno != EEXIST)) {
			free(sub);
			free(place);
			return NULL;
		}
		free(sub);
	}
	return place;
}

/* Remove a tree below dirfd/name without following symlinks; chmods dirs it cannot enter
 * (overlay work dirs are mode 0). */
static int rmtree_at(int pfd, const char *name)
{
	int fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == EACCES && fchmodat(pfd, name, 0700, 0) == 0)
		fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOTDIR || errno == ELOOP)
			return unlinkat(pfd, name, 0) < 0 && errno != ENOENT ? -1 : 0;
		return errno == ENOENT ? 0 : -1;
	}
	DIR *d = fdopendir(fd);
	struct dirent *de;
	int r = 0;
	if (!d) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (de->d_type == DT_DIR || de->d_type == DT_UNKNOWN) {
			if (rmtree_at(dirfd(d), de->d_name) < 0)
				r = -1;
		} else if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT) {
			r = -1;
		}
	}
	closedir(d);
	if (unlinkat(pfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		r = -1;
	return r;
}

static int rmtree(const char *path)
{
	return rmtree_at(AT_FDCWD, path);
}

/* Where the upper dirs of step s go: a place on its own file system, or the sandbox dir. */
static int place_step(struct hs_sandbox *sb, size_t i, dev_t dir_dev, dev_t *devs, char **places,
		      struct hs_error *err)
{
	struct sb_step *s = &sb->steps[i];
	struct stat st;
	char *name = strrchr(sb->dir, '/') + 1;

	if (stat(s->target, &st) < 0)
		return hs_error_errno(err, "mount %s", s->target);
	if (st.st_dev != dir_dev) {
		/* One place per file system: reuse the first step's on the same device. */
		char *place = NULL;
		for (size_t j = 0; j < i; j++)
			if (devs[j] == st.st_dev && places[j]) {
				place = places[j];
				break;
			}
		if (!place) {
			place = fs_place(s->target, name);
			if (place) {
				/* Hide MOUNT/.hs-sandboxes itself: every sandbox's place there. */
				char *h = strdup(place);
				if (!h)
					return hs_error_set(err, ENOMEM, "sandbox");
				*strrchr(h, '/') = '\0';
				if (push_str(&sb->hide, &sb->n_hide, h) < 0) {
					free(h);
					return hs_error_set(err, ENOMEM, "sandbox");
				}
				free(h);
				places[i] = place;
			}
		}
		devs[i] = st.st_dev;
		if (place) {
			if (asprintf(&s->upper, "%s/u/%zu", place, i) < 0 ||
			    asprintf(&s->work, "%s/w/%zu", place, i) < 0)
				return hs_error_set(err, ENOMEM, "sandbox");
			if ((mkdir(s->upper, 0755) < 0 && errno != EEXIST) ||
			    (mkdir(s->work, 0755) < 0 && errno != EEXIST))
				return hs_error_errno(err, "mkdir %s", s->upper);
			return 0;
		}
	}
	devs[i] = st.st_dev;
	if (mkdir_in(sb->dir, "u", (int)i, &s->upper, err) < 0 ||
	    mkdir_in(sb->dir, "w", (int)i, &s->work, err) < 0)
		return -1;
	return 0;
}

/* The overlay's root dir shows the upper root's attributes, and commit applies them to the
 * target: start them equal to the live mount point's. */
static void copy_root_attrs(const struct sb_step *s)
{
	struct stat st;

	if (stat(s->target, &st) < 0)
		return;
	struct timespec ts[2] = {st.st_atim, st.st_mtim};
	mode_t mode = st.st_mode & 07777;
	if (chown(s->upper, st.st_uid, st.st_gid) < 0 && st.st_uid != geteuid()) {
		/* Not ours to give away (unprivileged): the upper root stays ours, and its
		 * owner bits get what the live dir grants us, so a dir we may not write stays
		 * unwritable inside. */
		mode_t eff = st.st_gid == getegid() ? (mode >> 3) & 7 : mode & 7;
		mode = (mode & ~(mode_t)0700) | (eff << 6);
	}
	chmod(s->upper, mode);
	utimensat(AT_FDCWD, s->upper, ts, 0);
}

/* Can this process build a sandbox in the given mode? Names the missing feature. */
static int check_features(bool userns, struct hs_error *err)
{
	_cleanup_close_ int fd = open("/proc/filesystems", O_RDONLY | O_CLOEXEC);
	char buf[8192];
	ssize_t n;

	if (fd >= 0 && (n = hs_read_full(fd, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		if (!strstr(buf, "\toverlay\n"))
			return hs_error_set(
			    err, ENODEV,
			    "overlayfs is not available (modprobe overlay; Linux >= 5.11 needed)");
	}
	if (userns) {
		FILE *f = fopen("/proc/sys/user/max_user_namespaces", "re");
		int max = -1;
		if (f) {
			if (fscanf(f, "%d", &max) != 1)
				max = -1;
			fclose(f);
		}
		if (max == 0)
			return hs_error_set(
			    err, EPERM,
			    "user namespaces are disabled (user.max_user_namespaces = 0); "
			    "run as root or enable them");
		f = fopen("/proc/sys/kernel/unprivileged_userns_clone", "re");
		if (f) {
			if (fscanf(f, "%d", &max) == 1 && max == 0) {
				fclose(f);
				return hs_error_set(err, EPERM,
						    "unprivileged user namespaces are disabled "
						    "(kernel.unprivileged_userns_clone = 0); run "
						    "as root or enable them");
			}
			fclose(f);
		}
	}
	return 0;
}

/* A dir is empty (only . and ..). */
static bool dir_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	bool empty = true;

	if (!d)
		return errno == ENOENT;
	while (empty && (de = readdir(d)))
		empty = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
	closedir(d);
	return empty;
}

/* Take a recycled dir from STATE/sandboxes/.pool into path (its name replaces path's
 * XXXXXX template). Returns 0, or -1 when the pool is empty. */
static int pool_take(const char *state, char *path)
{
	char pool[PATH_MAX], from[PATH_MAX + 256];
	struct dirent *de;
	DIR *d;
	int r = -1;

	snprintf(pool, sizeof(pool), "%s/sandboxes/.pool", state);
	if (!(d = opendir(pool)))
		return -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) != strlen("sb.XXXXXX"))
			continue;
		snprintf(from, sizeof(from), "%s/%s", pool, de->d_name);
		memcpy(path + strlen(path) - strlen(de->d_name), de->d_name, strlen(de->d_name));
		/* NOREPLACE: another process may hold a live sandbox of that name. */
		if (renameat2(AT_FDCWD, from, AT_FDCWD, path, RENAME_NOREPLACE) == 0) {
			r = 0;
			break;
		}
	}
	closedir(d);
	return r;
}

/* Recycled dirs whose last run's overlays are still being torn down: moved into the pool
 * once that is over (a work dir in use by a dying overlay must not be mounted again). */
static struct {
	pid_t pid;
	char *from, *to;
} deferred[64];
static size_t n_deferred;

static void flush_deferred(bool block)
{
	size_t out = 0;

	for (size_t i = 0; i < n_deferred; i++) {
		if (block)
			sb_reap(deferred[i].pid);
		if (sb_init_running(deferred[i].pid)) {
			deferred[out++] = deferred[i];
			continue;
		}
		if (rename(deferred[i].from, deferred[i].to) < 0)
			rmtree(deferred[i].from);
		free(deferred[i].from);
		free(deferred[i].to);
	}
	n_deferred = out;
}

static void flush_deferred_at_exit(void)
{
	flush_deferred(true);
}

/* Recycle sb's dir into the pool when nothing is left in it worth deleting. The work dirs
 * need no check: overlay empties them at every mount. */
static int pool_put(struct hs_sandbox *sb)
{
	_cleanup_free_ char *state = NULL, *pool = NULL, *to = NULL;
	struct hs_error err = HS_ERROR_INIT;
	const char *name = strrchr(sb->dir, '/') + 1;
	static bool registered;
	size_t sl;

	if (!(state = hs_state_dir(&err)))
		return -1;
	sl = strlen(state);
	/* Only default-placed sandboxes: STATE/sandboxes/sb.XXXXXX. */
	if (strncmp(sb->dir, state, sl) != 0 || strncmp(sb->dir + sl, "/sandboxes/sb.", 14) != 0 ||
	    strchr(sb->dir + sl + 11, '/'))
		return -1;
	/* Only dirs without places on other file systems: those would stay behind on the
	 * user's mounts while the dir waits in the pool. */
	size_t dl = strlen(sb->dir);
	for (size_t i = 0; i < sb->n_steps; i++) {
		const char *u = sb->steps[i].upper;
		if (u && (strncmp(u, sb->dir, dl) != 0 || u[dl] != '/' || !dir_empty(u)))
			return -1;
	}
	if (asprintf(&pool, "%s/sandboxes/.pool", state) < 0 ||
	    asprintf(&to, "%s/%s", pool, name) < 0)
		return -1;
	if (mkdir(pool, 0700) < 0 && errno != EEXIST)
		return -1;
	if (sb->last_init > 0 && sb_init_running(sb->last_init)) {
		if (n_deferred == HS_ARRAY_SIZE(deferred))
			flush_deferred(true);
		if (!registered)
			registered = atexit(flush_deferred_at_exit) == 0;
		deferred[n_deferred].pid = sb->last_init;
		deferred[n_deferred].to = steal_pointer(&to);
		if (!(deferred[n_deferred].from = strdup(sb->dir))) {
			free(deferred[n_deferred].to);
			return -1;
		}
		n_deferred++;
		return 0;
	}
	return rename(sb->dir, to);
}

/* Root of the initial user namespace (the whole id range mapped)? Root inside some other
 * user namespace cannot overlay its inherited, locked mounts: it takes the user mode. */
static bool real_root(void)
{
	char buf[128];
	_cleanup_close_ int fd = -1;
	ssize_t n;
	unsigned long a, b, len;

	if (geteuid() != 0)
		return false;
	fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || (n = hs_read_full(fd, buf, sizeof(buf) - 1)) <= 0)
		return true;
	buf[n] = '\0';
	return sscanf(buf, "%lu %lu %lu", &a, &b, &len) == 3 && a == 0 && b == 0 &&
	       len == 4294967295UL;
}

struct hs_sandbox *hs_sandbox_new(const struct hs_sandbox_options *opts, struct hs_error *err)
{
	static const struct hs_sandbox_options defaults = {0};
	_cleanup_free_ char *state = NULL, *dir = NULL;
	_cleanup_free_ dev_t *devs = NULL;
	_cleanup_free_ char **places = NULL;
	struct hs_sandbox *sb = NULL;
	bool userns, made = false;
	struct stat st;

	if (!opts)
		opts = &defaults;
	userns = (opts->flags & HS_SANDBOX_USERNS) || !real_root();
	if (check_features(userns, err) < 0)
		return NULL;
	if (!(state = hs_state_dir(err)))
		return NULL;
	if (opts->dir) {
		if (mkdir(opts->dir, 0700) == 0)
			made = true;
		else if (errno != EEXIST) {
			hs_error_errno(err, "sandbox dir %s", opts->dir);
			return NULL;
		} else if (hs_sandbox_is_sandbox(opts->dir)) {
			hs_error_set(err, EEXIST, "sandbox dir %s is already a sandbox", opts->dir);
			return NULL;
		} else if (!dir_empty(opts->dir)) {
			/* destroy removes the whole dir: never adopt one holding other files */
			hs_error_set(err, ENOTEMPTY, "sandbox dir %s", opts->dir);
			return NULL;
		}
		if (!(dir = strdup(opts->dir)))
			goto nomem;
	} else {
		if (asprintf(&dir, "%s/sandboxes", state) < 0)
			goto nomem;
		if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
			hs_error_errno(err, "mkdir %s", dir);
			return NULL;
		}
		free(dir);
		if (asprintf(&dir, "%s/sandboxes/sb.XXXXXX", state) < 0)
			goto nomem;
		flush_deferred(false);
		if (pool_take(state, dir) == 0) {
			made = true;
		} else if (!mkdtemp(dir)) {
			hs_error_errno(err, "mkdir %s", dir);
			return NULL;
		}
		made = true;
	}
	if (!(sb = sb_alloc_dir(dir, err)))
		goto fail;
	sb->userns = userns;
	if (stat(sb->dir, &st) < 0) {
		hs_error_errno(err, "sandbox dir %s", sb->dir);
		goto fail;
	}
	if (push_str(&sb->hide, &sb->n_hide, state) < 0)
		goto nomem;
	if (strncmp(sb->dir, state, strlen(state)) != 0 || sb->dir[strlen(state)] != '/')
		if (push_str(&sb->hide, &sb->n_hide, sb->dir) < 0)
			goto nomem;
	for (size_t i = 0; i < opts->n_lowers; i++) {
		char *l = realpath(opts->lowers[i], NULL);
		if (!l) {
			hs_error_errno(err, "stacked sandbox %s", opts->lowers[i]);
			goto fail;
		}
		if (push_str(&sb->lowers, &sb->n_lowers, l) < 0) {
			free(l);
			goto nomem;
		}
		/* A stacked sandbox outside the state dir is hidden like ours. */
		size_t sl = strlen(state);
		if ((strncmp(l, state, sl) != 0 || l[sl] != '/') &&
		    push_str(&sb->hide, &sb->n_hide, l) < 0) {
			free(l);
			goto nomem;
		}
		free(l);
	}
	if (sb_plan("/proc/self/mountinfo", userns, &sb->steps, &sb->n_steps, err) < 0)
		goto fail;
	/* Hidden paths are not mounted on (user ns mode plans every dir next to a sub-mount). */
	size_t kept = 0;
	for (size_t i = 0; i < sb->n_steps; i++) {
		/* Upper places (MOUNT/.hs-sandboxes) are hidden too; they may not exist yet. */
		const char *pl = strstr(sb->steps[i].target, "/" PLACE_NAME);
		bool hidden =
		    pl && (pl[sizeof(PLACE_NAME)] == '\0' || pl[sizeof(PLACE_NAME)] == '/');
		for (size_t h = 0; h < sb->n_hide && !hidden; h++) {
			size_t hl = strlen(sb->hide[h]);
			hidden =
			    strncmp(sb->steps[i].target, sb->hide[h], hl) == 0 &&
			    (sb->steps[i].target[hl] == '\0' || sb->steps[i].target[hl] == '/');
		}
		/* Out of our reach (below a dir we may not enter): it stays as it is, inside the
		 * read-only bind of what holds it. */
		struct stat tst;
		if (!hidden && stat(sb->steps[i].target, &tst) < 0 && errno == EACCES)
			hidden = true;
		if (hidden)
			free(sb->steps[i].target); /* no upper yet */
		else
			sb->steps[kept++] = sb->steps[i];
	}
	sb->n_steps = kept;
	devs = calloc(sb->n_steps + 1, sizeof(*devs));
	places = calloc(sb->n_steps + 1, sizeof(*places));
	if (!devs || !places)
		goto nomem;
	for (size_t i = 0; i < sb->n_steps; i++) {
		if (sb->steps[i].kind != SB_OVERLAY && sb->steps[i].kind != SB_SKEL)
			continue;
		if (place_step(sb, i, st.st_dev, devs, places, err) < 0)
			goto fail;
		copy_root_attrs(&sb->steps[i]);
	}
	for (size_t i = 0; i < sb->n_steps; i++)
		free(places[i]);
	if (build_layers(sb, err) < 0 || sb_write_meta(sb, err) < 0 || sb_load_stack(sb, err) < 0)
		goto fail;
	return sb;
nomem:
	hs_error_set(err, ENOMEM, "sandbox");
fail:
	if (sb && made) {
		hs_sandbox_destroy(sb, NULL);
	} else {
		hs_sandbox_free(sb);
		if (made && dir)
			rmtree(dir);
	}
	return NULL;
}

int hs_sandbox_destroy(struct hs_sandbox *sb, struct hs_error *err)
{
	int r = 0;

	if (!sb)
		return 0;
	/* Recycled (nothing to delete), or removed with its upper places on other file
	 * systems (listed among the hidden paths; they end in the sandbox's name). */
	if (pool_put(sb) == 0) {
		hs_sandbox_free(sb);
		return 0;
	}
	/* Places on other file systems: upper MOUNT/.hs-sandboxes/NAME/u/N -> the NAME dir. */
	size_t dl = strlen(sb->dir);
	for (size_t i = 0; i < sb->n_steps; i++) {
		char place[PATH_MAX], *cut;
		const char *u = sb->steps[i].upper;
		if (!u || (strncmp(u, sb->dir, dl) == 0 && u[dl] == '/'))
			continue;
		pfmt(place, sizeof(place), "%s", u);
		for (int k = 0; k < 2 && (cut = strrchr(place, '/')); k++)
			*cut = '\0';
		if (!strstr(place, "/" PLACE_NAME "/"))
			continue;
		if (rmtree(place) < 0 && r == 0)
			r = hs_error_errno(err, "remove %s", place);
		/* MOUNT/.hs-sandboxes too, once no other sandbox uses it (ENOTEMPTY otherwise). */
		if ((cut = strrchr(place, '/'))) {
			*cut = '\0';
			rmdir(place);
		}
	}
	if (rmtree(sb->dir) < 0 && r == 0)
		r = hs_error_errno(err, "remove sandbox %s", sb->dir);
	hs_sandbox_free(sb);
	return r;
}
