/* Helpers for the commit tests: scratch dirs, tree builders, and a tree dump that two trees
 * can be compared by (types, modes, owners, contents, link targets, xattrs, mtimes, hard
 * link groups). Everything here is test-only; asserts abort the current (forked) test. */
#ifndef HS_TESTS_COMMIT_TREE_H
#define HS_TESTS_COMMIT_TREE_H

#include "hs_check.h"
#include "lib/state.h"
#include "lib/util.h"

#include <stdbool.h>
#include <time.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/* A path built from a format, in a ring of static buffers (no frees in tests). */
__attribute__((format(printf, 1, 2))) static const char *P(const char *fmt, ...)
{
	static char ring[32][PATH_MAX];
	static unsigned next;
	char *b = ring[next++ % 32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, PATH_MAX, fmt, ap);
	va_end(ap);
	return b;
}

/* The same, in a second ring for paths that live through a whole test (bases). */
__attribute__((format(printf, 1, 2))) static const char *K(const char *fmt, ...)
{
	static char ring[16][PATH_MAX];
	static unsigned next;
	char *b = ring[next++ % 16];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, PATH_MAX, fmt, ap);
	va_end(ap);
	return b;
}

/* A fresh scratch dir under /var/tmp (not /tmp: overlays and sandboxes live there), and a
 * private state dir for the commit journals. */
static const char *scratch(void)
{
	static char dir[PATH_MAX];
	struct hs_error err = HS_ERROR_INIT;

	ck_assert_int_eq(hs_mkdir_p("/var/tmp/hs-tests", 0755, &err), 0);
	snprintf(dir, sizeof(dir), "/var/tmp/hs-tests/commit.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(mkdir(P("%s/state", dir), 0700), 0);
	setenv("HS_STATE_DIR", P("%s/state", dir), 1);
	return dir;
}

/* The tests build uppers the way overlayfs does as root: whiteouts are char 0/0 devices,
 * trusted.overlay.* xattrs, foreign owners. As another user they skip (under CI: fail). */
#define SCRATCH()                                                                                  \
	({                                                                                         \
		if (geteuid() != 0)                                                                \
			HS_SKIP("needs root (mknod of whiteouts, trusted.* xattrs, chown)");       \
		scratch();                                                                         \
	})

static void wfile(const char *path, const char *content)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	ck_assert_msg(fd >= 0, "create %s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
}

static void mkd(const char *path)
{
	ck_assert_msg(mkdir(path, 0755) == 0, "mkdir %s: %s", path, strerror(errno));
}

__attribute__((unused)) static void mkwhiteout(const char *path)
{
	ck_assert_msg(mknod(path, S_IFCHR | 0, makedev(0, 0)) == 0, "whiteout %s: %s", path,
		      strerror(errno));
}

static void setx(const char *path, const char *name, const char *value)
{
	ck_assert_msg(lsetxattr(path, name, value, strlen(value), 0) == 0, "setxattr %s %s: %s",
		      path, name, strerror(errno));
}

static int rm_rf_at(int dfd, const char *name)
{
	if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	DIR *d = fdopendir(fd);
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			rm_rf_at(dirfd(d), de->d_name);
	closedir(d);
	return unlinkat(dfd, name, AT_REMOVEDIR);
}

static void rm_rf(const char *path)
{
	rm_rf_at(AT_FDCWD, path);
}

/* cp -a of a tree by hand (data, modes, owners, xattrs, times, symlinks, fifos, devices,
 * hard links within the copy). */
struct cp_link {
	dev_t dev;
	ino_t ino;
	char path[PATH_MAX];
};

static void copy_tree_rec(const char *src, const char *dst, struct cp_link *links, size_t *nl)
{
	struct stat st;
	char names[4096];
	ssize_t n;

	ck_assert_int_eq(lstat(src, &st), 0);
	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1)
		for (size_t i = 0; i < *nl; i++)
			if (links[i].dev == st.st_dev && links[i].ino == st.st_ino) {
				ck_assert_int_eq(link(links[i].path, dst), 0);
				return;
			}
	if (S_ISREG(st.st_mode)) {
		int in = open(src, O_RDONLY), out = open(dst, O_WRONLY | O_CREAT | O_EXCL, 0600);
		char buf[65536];
		ssize_t r;
		ck_assert(in >= 0 && out >= 0);
		while ((r = read(in, buf, sizeof(buf))) > 0)
			ck_assert_int_eq(write(out, buf, r), r);
		close(in);
		close(out);
	} else if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(src);
		struct dirent *de;
		ck_assert_int_eq(mkdir(dst, 0700), 0);
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
				char s2[PATH_MAX], d2[PATH_MAX];
				snprintf(s2, sizeof(s2), "%s/%s", src, de->d_name);
				snprintf(d2, sizeof(d2), "%s/%s", dst, de->d_name);
				copy_tree_rec(s2, d2, links, nl);
			}
		closedir(d);
	} else if (S_ISLNK(st.st_mode)) {
		char t[PATH_MAX];
		ssize_t r = readlink(src, t, sizeof(t) - 1);
		ck_assert_int_ge(r, 0);
		t[r] = 0;
		ck_assert_int_eq(symlink(t, dst), 0);
	} else {
		ck_assert_int_eq(mknod(dst, (st.st_mode & S_IFMT) | 0600, st.st_rdev), 0);
	}
	ck_assert_int_eq(lchown(dst, st.st_uid, st.st_gid), 0);
	if (!S_ISLNK(st.st_mode))
		ck_assert_int_eq(chmod(dst, st.st_mode & 07777), 0);
	n = llistxattr(src, names, sizeof(names));
	for (ssize_t i = 0; i < n; i += strlen(names + i) + 1) {
		char v[4096];
		ssize_t vl = lgetxattr(src, names + i, v, sizeof(v));
		ck_assert_int_ge(vl, 0);
		ck_assert_int_eq(lsetxattr(dst, names + i, v, vl, 0), 0);
	}
	struct timespec ts[2] = {st.st_atim, st.st_mtim};
	ck_assert_int_eq(utimensat(AT_FDCWD, dst, ts, AT_SYMLINK_NOFOLLOW), 0);
	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1 && *nl < 256) {
		links[*nl].dev = st.st_dev;
		links[*nl].ino = st.st_ino;
		snprintf(links[*nl].path, PATH_MAX, "%s", dst);
		(*nl)++;
	}
}

__attribute__((unused)) static void copy_tree(const char *src, const char *dst)
{
	static struct cp_link links[256];
	size_t nl = 0;

	copy_tree_rec(src, dst, links, &nl);
}

#define DUMP_DIR_MTIME 0x1 /* include the mtimes of dirs */

struct dump_link {
	dev_t dev;
	ino_t ino;
	char rel[PATH_MAX];
};

static void put_name(FILE *f, const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (*c <= 0x20 || *c >= 0x7f || *c == '%')
			fprintf(f, "%%%02X", *c);
		else
			fputc(*c, f);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void dump_rec(FILE *f, const char *root, const char *rel, unsigned opts,
		     struct dump_link *links, size_t *nl)
{
	struct dirent **ents;
	int n = scandir(P("%s%s", root, rel), &ents, NULL, by_name);

	ck_assert_msg(n >= 0, "scandir %s%s: %s", root, rel, strerror(errno));
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		char r2[PATH_MAX], path[PATH_MAX], names[4096];
		struct stat st;
		ssize_t nx;

		if (!strcmp(name, ".") || !strcmp(name, "..")) {
			free(ents[i]);
			continue;
		}
		snprintf(r2, sizeof(r2), "%s/%s", rel, name);
		snprintf(path, sizeof(path), "%s%s", root, r2);
		free(ents[i]);
		ck_assert_int_eq(lstat(path, &st), 0);
		put_name(f, r2);
		fprintf(f, " %06o %u:%u", st.st_mode, st.st_uid, st.st_gid);
		if (S_ISREG(st.st_mode)) {
			uint64_t h = 1469598103934665603ULL;
			unsigned char buf[65536];
			ssize_t r;
			int fd = open(path, O_RDONLY);
			ck_assert_int_ge(fd, 0);
			while ((r = read(fd, buf, sizeof(buf))) > 0)
				for (ssize_t k = 0; k < r; k++)
					h = (h ^ buf[k]) * 1099511628211ULL;
			close(fd);
			fprintf(f, " size=%lld data=%016llx", (long long)st.st_size,
				(unsigned long long)h);
		} else if (S_ISLNK(st.st_mode)) {
			char t[PATH_MAX];
			ssize_t r = readlink(path, t, sizeof(t) - 1);
			ck_assert_int_ge(r, 0);
			t[r] = 0;
			fputs(" ->", f);
			put_name(f, t);
		} else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
			fprintf(f, " rdev=%u:%u", major(st.st_rdev), minor(st.st_rdev));
		}
		if (!S_ISDIR(st.st_mode) || (opts & DUMP_DIR_MTIME))
			fprintf(f, " mtime=%lld.%09ld", (long long)st.st_mtim.tv_sec,
				st.st_mtim.tv_nsec);
		nx = llistxattr(path, names, sizeof(names));
		if (nx > 0) {
			/* names come in fs order: sort them by printing in a second pass */
			const char *sorted[64];
			int ns = 0;
			for (ssize_t k = 0; k < nx && ns < 64; k += strlen(names + k) + 1)
				sorted[ns++] = names + k;
			for (int a = 0; a < ns; a++)
				for (int b = a + 1; b < ns; b++)
					if (strcmp(sorted[a], sorted[b]) > 0) {
						const char *t = sorted[a];
						sorted[a] = sorted[b];
						sorted[b] = t;
					}
			for (int a = 0; a < ns; a++) {
				char v[4096];
				ssize_t vl = lgetxattr(path, sorted[a], v, sizeof(v) - 1);
				if (vl < 0)
					vl = 0;
				v[vl] = 0;
				fprintf(f, " x:%s=", sorted[a]);
				put_name(f, v);
			}
		}
		if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
			size_t k;
			for (k = 0; k < *nl; k++)
				if (links[k].dev == st.st_dev && links[k].ino == st.st_ino)
					break;
			if (k < *nl) {
				fputs(" link=", f);
				put_name(f, links[k].rel);
			} else if (*nl < 256) {
				links[*nl].dev = st.st_dev;
				links[*nl].ino = st.st_ino;
				snprintf(links[*nl].rel, PATH_MAX, "%s", r2);
				(*nl)++;
			}
		}
		fputc('\n', f);
		if (S_ISDIR(st.st_mode))
			dump_rec(f, root, r2, opts, links, nl);
	}
	free(ents);
}

/* The tree under root (root itself excluded), one line per entry. Caller frees. */
static char *tree_dump(const char *root, unsigned opts)
{
	static struct dump_link links[256];
	size_t nl = 0, len = 0;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, &len);

	dump_rec(f, root, "", opts, links, &nl);
	fclose(f);
	return buf;
}

/* Fail with both dumps when the trees differ. */
#define ck_assert_tree_eq(a, b)                                                                    \
	ck_assert_msg(strcmp((a), (b)) == 0, "trees differ:\n--- expected\n%s--- actual\n%s", (a), \
		      (b))

#endif
