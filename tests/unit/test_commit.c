/* engine/commit: every kind of upper entry over every kind of live entry, directory
 * metadata, hard links, xattrs, odd names, cross-filesystem commit, summary, bad input. */
#include "commit_tree.h"
#include "engine/commit/commit.h"

#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

static int commit1(const char *upper, const char *target, unsigned flags, struct hs_error *err)
{
	struct hs_commit_layer l = {upper, target};

	return hs_commit_apply(&l, 1, NULL, flags, err);
}

static bool has_overlay_xattr(const char *path)
{
	char names[4096];
	ssize_t n = llistxattr(path, names, sizeof(names));

	for (ssize_t i = 0; i < n; i += strlen(names + i) + 1)
		if (strstr(names + i, "overlay."))
			return true;
	return false;
}

enum ukind { U_FILE, U_DIR, U_SYMLINK, U_WHITEOUT, U_OPAQUE, U_FIFO, U_XWHITEOUT, U_NKINDS };
enum lkind { L_MISSING, L_FILE, L_DIR, L_SYMLINK, L_NKINDS };
static const char *unames[] = {"file", "dir", "symlink", "whiteout", "opaque", "fifo", "xwhiteout"};
static const char *lnames[] = {"missing", "file", "dir", "symlink"};

/* Loop index: upper kind x live kind x {rename, copy}. */
START_TEST(commit_each_upper_kind_over_each_live_kind)
{
	int u = _i % U_NKINDS, l = (_i / U_NKINDS) % L_NKINDS;
	unsigned flags = _i / (U_NKINDS * L_NKINDS) ? HS_COMMIT_COPY : 0;
	const char *b = SCRATCH();
	const char *up = K("%s/upper", b), *lv = K("%s/live", b);
	const char *n = K("%s/live/n", b), *un = K("%s/upper/n", b);
	struct hs_error err = HS_ERROR_INIT;
	struct stat st;
	char t[64];

	mkd(up);
	mkd(lv);
	wfile(P("%s/keep", lv), "keep");
	switch (l) {
	case L_FILE:
		wfile(n, "live");
		break;
	case L_DIR:
		mkd(n);
		wfile(P("%s/old", n), "old");
		mkd(P("%s/olddir", n));
		wfile(P("%s/olddir/x", n), "x");
		break;
	case L_SYMLINK:
		ck_assert_int_eq(symlink("keep", n), 0);
		break;
	}
	switch (u) {
	case U_FILE:
		wfile(un, "upper");
		setx(un, "trusted.overlay.origin", "");
		break;
	case U_DIR:
	case U_OPAQUE:
		mkd(un);
		wfile(P("%s/new", un), "new");
		if (u == U_OPAQUE)
			setx(un, "trusted.overlay.opaque", "y");
		break;
	case U_SYMLINK:
		ck_assert_int_eq(symlink("upper-target", un), 0);
		break;
	case U_WHITEOUT:
		mkwhiteout(un);
		break;
	case U_XWHITEOUT:
		wfile(un, "");
		setx(un, "user.overlay.whiteout", "y");
		break;
	case U_FIFO:
		ck_assert_int_eq(mkfifo(un, 0640), 0);
		break;
	}
	ck_assert_msg(commit1(up, lv, flags, &err) == 0, "%s over %s: %s", unames[u], lnames[l],
		      err.msg);

	ck_assert_int_eq(access(P("%s/keep", lv), F_OK), 0);
	switch (u) {
	case U_FILE:
		ck_assert_int_eq(lstat(n, &st), 0);
		ck_assert(S_ISREG(st.st_mode));
		ck_assert_int_eq(st.st_size, 5);
		ck_assert(!has_overlay_xattr(n));
		break;
	case U_DIR:
		ck_assert_int_eq(lstat(n, &st), 0);
		ck_assert(S_ISDIR(st.st_mode));
		ck_assert_int_eq(access(P("%s/new", n), F_OK), 0);
		/* merged into an existing dir, replacing anything else */
		ck_assert_int_eq(access(P("%s/old", n), F_OK), l == L_DIR ? 0 : -1);
		ck_assert_int_eq(access(P("%s/olddir/x", n), F_OK), l == L_DIR ? 0 : -1);
		break;
	case U_OPAQUE:
		ck_assert_int_eq(lstat(n, &st), 0);
		ck_assert(S_ISDIR(st.st_mode));
		ck_assert_int_eq(access(P("%s/new", n), F_OK), 0);
		ck_assert_int_eq(access(P("%s/old", n), F_OK), -1);
		ck_assert(!has_overlay_xattr(n));
		break;
	case U_SYMLINK:
		ck_assert_int_eq(lstat(n, &st), 0);
		ck_assert(S_ISLNK(st.st_mode));
		ck_assert_int_eq(readlink(n, t, sizeof(t)), 12);
		ck_assert_int_eq(memcmp(t, "upper-target", 12), 0);
		break;
	case U_WHITEOUT:
	case U_XWHITEOUT:
		ck_assert_int_eq(lstat(n, &st), -1);
		ck_assert_int_eq(errno, ENOENT);
		break;
	case U_FIFO:
		ck_assert_int_eq(lstat(n, &st), 0);
		ck_assert(S_ISFIFO(st.st_mode));
		ck_assert_int_eq(st.st_mode & 07777, 0640);
		break;
	}
	/* Nothing left behind in the live dir: only keep and n. */
	DIR *d = opendir(lv);
	struct dirent *de;
	while ((de = readdir(d)))
		ck_assert_msg(!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
				  !strcmp(de->d_name, "keep") || !strcmp(de->d_name, "n"),
			      "left behind: %s", de->d_name);
	closedir(d);
	/* Copy mode leaves the upper as it was; rename mode consumed the entry (a whiteout
	 * stays: it was not moved). */
	if (flags & HS_COMMIT_COPY)
		ck_assert_int_eq(lstat(un, &st), 0);
	else if (u != U_WHITEOUT && u != U_XWHITEOUT && !(u == U_DIR && l == L_DIR))
		ck_assert_int_eq(lstat(un, &st), -1);
	rm_rf(b);
}
END_TEST

/* try dropped these: chmod/chown/xattr/times of an existing dir reach the live dir. */
START_TEST(commit_existing_dir_metadata_applied)
{
	const char *b = SCRATCH();
	const char *up = K("%s/upper", b), *lv = K("%s/live", b);
	struct hs_error err = HS_ERROR_INIT;
	struct timespec ts[2] = {{1000000000, 5}, {1234567890, 123456789}};
	struct stat st;
	char v[16];

	mkd(up);
	mkd(lv);
	mkd(P("%s/d", lv));
	setx(P("%s/d", lv), "user.gone", "1");
	setx(P("%s/d", lv), "user.same", "1");
	wfile(P("%s/d/f", lv), "f");
	mkd(P("%s/d", up));
	wfile(P("%s/d/g", up), "g");
	ck_assert_int_eq(chmod(P("%s/d", up), 0710), 0);
	ck_assert_int_eq(chown(P("%s/d", up), 1234, 5678), 0);
	setx(P("%s/d", up), "user.same", "1");
	setx(P("%s/d", up), "user.added", "yes");
	setx(P("%s/d", up), "trusted.overlay.origin", "zz");
	setx(P("%s/d", up), "trusted.overlay.impure", "y");
	ck_assert_int_eq(utimensat(AT_FDCWD, P("%s/d", up), ts, 0), 0);

	ck_assert_msg(commit1(up, lv, 0, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(stat(P("%s/d", lv), &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0710);
	ck_assert_int_eq(st.st_uid, 1234);
	ck_assert_int_eq(st.st_gid, 5678);
	ck_assert_int_eq(st.st_mtim.tv_sec, 1234567890);
	ck_assert_int_eq(st.st_mtim.tv_nsec, 123456789);
	ck_assert_int_eq(lgetxattr(P("%s/d", lv), "user.added", v, sizeof(v)), 3);
	ck_assert_int_eq(lgetxattr(P("%s/d", lv), "user.same", v, sizeof(v)), 1);
	ck_assert_int_eq(lgetxattr(P("%s/d", lv), "user.gone", v, sizeof(v)), -1);
	ck_assert(!has_overlay_xattr(P("%s/d", lv)));
	ck_assert_int_eq(access(P("%s/d/f", lv), F_OK), 0);
	ck_assert_int_eq(access(P("%s/d/g", lv), F_OK), 0);
	rm_rf(b);
}
END_TEST

/* Links made inside stay linked, whether moved by rename or copied, including a link between
 * a new dir moved whole and a file beside it. */
START_TEST(commit_hard_links_stay_linked)
{
	unsigned flags = _i ? HS_COMMIT_COPY : 0;
	const char *b = SCRATCH();
	const char *up = K("%s/upper", b), *lv = K("%s/live", b);
	struct hs_error err = HS_ERROR_INIT;
	struct stat s1, s2, s3, s4;

	mkd(up);
	mkd(lv);
	mkd(P("%s/d", lv));
	mkd(P("%s/d", up));
	wfile(P("%s/h1", up), "linked");
	ck_assert_int_eq(link(P("%s/h1", up), P("%s/h2", up)), 0);
	mkd(P("%s/new", up));
	ck_assert_int_eq(link(P("%s/h1", up), P("%s/new/h3", up)), 0);
	ck_assert_int_eq(link(P("%s/h1", up), P("%s/d/h4", up)), 0);

	ck_assert_msg(commit1(up, lv, flags, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(lstat(P("%s/h1", lv), &s1), 0);
	ck_assert_int_eq(lstat(P("%s/h2", lv), &s2), 0);
	ck_assert_int_eq(lstat(P("%s/new/h3", lv), &s3), 0);
	ck_assert_int_eq(lstat(P("%s/d/h4", lv), &s4), 0);
	ck_assert_int_eq(s1.st_ino, s2.st_ino);
	ck_assert_int_eq(s1.st_ino, s3.st_ino);
	ck_assert_int_eq(s1.st_ino, s4.st_ino);
	ck_assert_int_eq(s1.st_nlink, flags ? 4 : 4);
	rm_rf(b);
}
END_TEST

/* Read a whole small file into a static buffer. */
static const char *slurp(const char *path)
{
	static char buf[256];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	close(fd);
	return buf;
}

/* Live f ("data\n") hard-linked as hard (nlink > 1 when linked); the upper holds f as the
 * sandbox's `echo more >> f; chmod 751 f` copied it up (no overlay.origin: overlayfs records
 * none when it copies up a file with other links). */
static void build_linked(const char *lv, const char *up, bool linked)
{
	struct timespec ts[2] = {{1000000000, 5}, {1234567890, 123456789}};

	mkd(lv);
	mkd(up);
	wfile(P("%s/f", lv), "data\n");
	setx(P("%s/f", lv), "user.gone", "1");
	if (linked)
		ck_assert_int_eq(link(P("%s/f", lv), P("%s/hard", lv)), 0);
	wfile(P("%s/f", up), "data\nmore\n");
	ck_assert_int_eq(chmod(P("%s/f", up), 0751), 0);
	ck_assert_int_eq(chown(P("%s/f", up), 1234, 5678), 0);
	setx(P("%s/f", up), "user.k", "v");
	ck_assert_int_eq(utimensat(AT_FDCWD, P("%s/f", up), ts, 0), 0);
}

/* The committed f: new data, mode, owner, xattrs and times of the upper's f. */
static void assert_new_f(const char *path)
{
	struct stat st;
	char v[16];

	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert_str_eq(slurp(path), "data\nmore\n");
	ck_assert_int_eq(st.st_mode & 07777, 0751);
	ck_assert_int_eq(st.st_uid, 1234);
	ck_assert_int_eq(st.st_gid, 5678);
	ck_assert_int_eq(st.st_mtim.tv_sec, 1234567890);
	ck_assert_int_eq(st.st_mtim.tv_nsec, 123456789);
	ck_assert_int_eq(lgetxattr(path, "user.k", v, sizeof(v)), 1);
	ck_assert_int_eq(lgetxattr(path, "user.gone", v, sizeof(v)), -1);
}

/* Only these names in dir (no staged copy left behind). */
static void assert_only(const char *dir, const char *a, const char *b)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		ck_assert_msg(!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
				  !strcmp(de->d_name, a) || (b && !strcmp(de->d_name, b)),
			      "left behind: %s", de->d_name);
	closedir(d);
}

/* A changed file with other names in the live tree is changed in place, as `echo >> f` or
 * `chmod` would under the shell: all its names see it. */
START_TEST(commit_hard_linked_live_file_in_place)
{
	unsigned flags = _i ? HS_COMMIT_COPY : 0;
	const char *b = SCRATCH();
	const char *up = K("%s/upper", b), *lv = K("%s/live", b);
	struct hs_error err = HS_ERROR_INIT;
	struct stat s0, s1, s2;

	build_linked(lv, up, true);
	ck_assert_int_eq(lstat(P("%s/f", lv), &s0), 0);
	ck_assert_msg(commit1(up, lv, flags, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(lstat(P("%s/f", lv), &s1), 0);
	ck_assert_int_eq(lstat(P("%s/hard", lv), &s2), 0);
	ck_assert_int_eq(s1.st_ino, s0.st_ino);
	ck_assert_int_eq(s1.st_ino, s2.st_ino);
	ck_assert_int_eq(s1.st_nlink, 2);
	assert_new_f(P("%s/f", lv));
	assert_new_f(P("%s/hard", lv));
	assert_only(lv, "f", "hard");
	/* the upper's f was only read */
	ck_assert_str_eq(slurp(P("%s/f", up)), "data\nmore\n");
	rm_rf(b);
}
END_TEST

/* Without other names the file is replaced as before (by rename of the upper's inode). */
START_TEST(commit_unlinked_live_file_replaced)
{
	unsigned flags = _i ? HS_COMMIT_COPY : 0;
	const char *b = SCRATCH();
	const char *up = K("%s/upper", b), *lv = K("%s/live", b);
	struct hs_error err = HS_ERROR_INIT;
	struct stat su, s1;

	build_linked(lv, up, false);
	ck_assert_int_eq(lstat(P("%s/f", up), &su), 0);
	ck_assert_msg(commit1(up, lv, flags, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(lstat(P("%s/f", lv), &s1), 0);
	ck_assert_int_eq(s1.st_nlink, 1);
	if (!flags)
		ck_assert_int_eq(s1.st_ino, su.st_ino);
	assert_new_f(P("%s/f", lv));
	assert_only(lv, "f", NULL);
	rm_rf(b);
}
END_TEST

/* Both names of one live inode changed in the sandbox (overlayfs showed two files): the same
 * result in both (chmod -R) is one change to the one inode; different results stay split, as
 * overlayfs showed them, so neither is lost. */
START_TEST(commit_both_names_of_a_live_file_changed)
{
	bool differ = _i & 1;
	unsigned flags = (_i & 2) ? HS_COMMIT_COPY : 0;
	const char *b = SCRATCH();
	const char *up = K("%s/upper", b), *lv = K("%s/live", b);
	struct hs_error err = HS_ERROR_INIT;
	struct stat s1, s2;

	mkd(lv);
	mkd(up);
	wfile(P("%s/f", lv), "data\n");
	ck_assert_int_eq(link(P("%s/f", lv), P("%s/hard", lv)), 0);
	wfile(P("%s/f", up), "data\n");
	wfile(P("%s/hard", up), differ ? "other\n" : "data\n");
	ck_assert_int_eq(chmod(P("%s/f", up), 0755), 0);
	ck_assert_int_eq(chmod(P("%s/hard", up), 0755), 0);
	ck_assert_msg(commit1(up, lv, flags, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(lstat(P("%s/f", lv), &s1), 0);
	ck_assert_int_eq(lstat(P("%s/hard", lv), &s2), 0);
	ck_assert_int_eq(s1.st_mode & 07777, 0755);
	ck_assert_int_eq(s2.st_mode & 07777, 0755);
	ck_assert_str_eq(slurp(P("%s/f", lv)), "data\n");
	ck_assert_str_eq(slurp(P("%s/hard", lv)), differ ? "other\n" : "data\n");
	if (differ) {
		ck_assert_int_ne(s1.st_ino, s2.st_ino);
		ck_assert_int_eq(s1.st_nlink, 1);
	} else {
		ck_assert_int_eq(s1.st_ino, s2.st_ino);
		ck_assert_int_eq(s1.st_nlink, 2);
	}
	assert_only(lv, "f", "hard");
	rm_rf(b);
}
END_TEST

/* The in-place write is not atomic, but killed at any point (a crash point sits right after
 * the live file is truncated) and recovered, the file is whole: the old data or all the new
 * data, its names still linked. */
START_TEST(commit_in_place_killed_at_every_step_recovers_whole)
{
	unsigned flags = _i ? HS_COMMIT_COPY : 0;
	const char *b = SCRATCH();
	const char *up = K("%s/upper", b), *lv = K("%s/live", b);
	struct hs_error err = HS_ERROR_INIT;
	int finished = 0, rolled_back = 0;
	long k;

	for (k = 1; k < 100; k++) {
		struct stat s1, s2;
		pid_t pid;
		int st;

		rm_rf(up);
		rm_rf(lv);
		build_linked(lv, up, true);
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			char v[32];
			snprintf(v, sizeof(v), "%ld", k);
			setenv("HS_COMMIT_CRASH_AFTER", v, 1);
			_exit(commit1(up, lv, flags, &err) == 0 ? 0 : 1);
		}
		ck_assert_int_eq(waitpid(pid, &st, 0), pid);
		ck_assert(WIFEXITED(st));
		if (WEXITSTATUS(st) == 0)
			break;
		ck_assert_msg(WEXITSTATUS(st) == 86, "crash point %ld: exit %d", k,
			      WEXITSTATUS(st));
		ck_assert_msg(hs_commit_recover(P("%s/state", b), &err) == 1,
			      "crash point %ld: recover: %s", k, err.msg);
		ck_assert_int_eq(lstat(P("%s/f", lv), &s1), 0);
		ck_assert_int_eq(lstat(P("%s/hard", lv), &s2), 0);
		ck_assert_int_eq(s1.st_ino, s2.st_ino);
		if (strcmp(slurp(P("%s/f", lv)), "data\n") == 0) {
			rolled_back++;
		} else {
			assert_new_f(P("%s/f", lv));
			finished++;
		}
		assert_only(lv, "f", "hard");
	}
	ck_assert_int_lt(k, 100);
	ck_assert_int_ge(rolled_back, 1);
	/* at least: truncated, after the step */
	ck_assert_int_ge(finished, 2);
	rm_rf(b);
}
END_TEST

/* User xattrs travel; overlay-private ones (trusted. and user.overlay.*) never reach the live
 * tree, also deep inside a new dir moved whole. */
START_TEST(commit_xattrs_kept_overlay_ones_stripped)
{
	unsigned flags = _i ? HS_COMMIT_COPY : 0;
	const char *b = SCRATCH();
	const char *up = K("%s/upper", b), *lv = K("%s/live", b);
	struct hs_error err = HS_ERROR_INIT;
	char v[16];

	mkd(up);
	mkd(lv);
	wfile(P("%s/f", up), "f");
	setx(P("%s/f", up), "user.keep", "k");
	setx(P("%s/f", up), "trusted.keep", "t");
	setx(P("%s/f", up), "trusted.overlay.origin", "o");
	setx(P("%s/f", up), "user.overlay.origin", "o");
	mkd(P("%s/nd", up));
	mkd(P("%s/nd/sub", up));
	setx(P("%s/nd/sub", up), "trusted.overlay.opaque", "y");
	setx(P("%s/nd/sub", up), "user.overlay.impure", "y");
	wfile(P("%s/nd/sub/g", up), "g");
	setx(P("%s/nd/sub/g", up), "user.overlay.origin", "o");
	setx(P("%s/nd/sub/g", up), "user.other", "x");
	mkwhiteout(P("%s/nd/sub/wh", up));

	ck_assert_msg(commit1(up, lv, flags, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(lgetxattr(P("%s/f", lv), "user.keep", v, sizeof(v)), 1);
	ck_assert_int_eq(lgetxattr(P("%s/f", lv), "trusted.keep", v, sizeof(v)), 1);
	ck_assert_int_eq(lgetxattr(P("%s/nd/sub/g", lv), "user.other", v, sizeof(v)), 1);
	ck_assert(!has_overlay_xattr(P("%s/f", lv)));
	ck_assert(!has_overlay_xattr(P("%s/nd/sub", lv)));
	ck_assert(!has_overlay_xattr(P("%s/nd/sub/g", lv)));
	/* a whiteout inside a dir moved whole is not a file of the result */
	ck_assert_int_eq(access(P("%s/nd/sub/wh", lv), F_OK), -1);
	rm_rf(b);
}
END_TEST

static const char *odd[] = {"new\nline",    "sp ace",	 "%41",	       "-",
			    "\x01\x7f\xff", "tab\there", "back\\slash"};

START_TEST(commit_odd_names)
{
	unsigned flags = _i ? HS_COMMIT_COPY : 0;
	const char *b = SCRATCH();
	const char *up = K("%s/upper", b), *lv = K("%s/live", b);
	struct hs_error err = HS_ERROR_INIT;
	char *sum = NULL;
	size_t len = 0;
	FILE *f;

	mkd(up);
	mkd(lv);
	for (size_t i = 0; i < HS_ARRAY_SIZE(odd); i++) {
		mkd(P("%s/%s", lv, odd[i]));
		mkd(P("%s/%s", up, odd[i]));
		wfile(P("%s/%s/%s", up, odd[i], odd[i]), odd[i]);
		wfile(P("%s/%s/gone%s", lv, odd[i], odd[i]), "x");
		mkwhiteout(P("%s/%s/gone%s", up, odd[i], odd[i]));
	}
	f = open_memstream(&sum, &len);
	ck_assert_int_eq(hs_commit_summary(&(struct hs_commit_layer){up, lv}, 1, f, 0, &err),
			 2 * (int)HS_ARRAY_SIZE(odd));
	fclose(f);
	/* one line per change, whatever the bytes of the name */
	int lines = 0;
	for (char *c = sum; *c; c++)
		lines += *c == '\n';
	ck_assert_int_eq(lines, 2 * (int)HS_ARRAY_SIZE(odd));
	ck_assert_ptr_nonnull(strstr(sum, "new\\nline/new\\nline"));
	free(sum);

	ck_assert_msg(commit1(up, lv, flags, &err) == 0, "%s", err.msg);
	for (size_t i = 0; i < HS_ARRAY_SIZE(odd); i++) {
		char buf[32] = {0};
		int fd = open(P("%s/%s/%s", lv, odd[i], odd[i]), O_RDONLY);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_gt(read(fd, buf, sizeof(buf)), 0);
		close(fd);
		ck_assert_str_eq(buf, odd[i]);
		ck_assert_int_eq(access(P("%s/%s/gone%s", lv, odd[i], odd[i]), F_OK), -1);
	}
	rm_rf(b);
}
END_TEST

/* The live tree on another file system (a tmpfs): entries are copied in, with hard links,
 * special files and metadata; the result equals a same-fs commit of the same upper. */
START_TEST(commit_across_filesystems)
{
	const char *b = SCRATCH();
	const char *up = K("%s/upper", b), *ref = K("%s/ref", b), *mnt = K("%s/mnt", b);
	const char *lv = K("%s/mnt/live", b);
	struct hs_error err = HS_ERROR_INIT;
	char *want, *got;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int sk;

	mkd(up);
	mkd(ref);
	mkd(mnt);
	/* A private mount namespace: the tmpfs goes away with this (forked) test, pass or fail. */
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		HS_SKIP("no private mount namespace: %s", strerror(errno));
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=64m") < 0)
		HS_SKIP("cannot mount a tmpfs: %s", strerror(errno));
	mkd(P("%s/d", ref));
	wfile(P("%s/d/old", ref), "old");
	wfile(P("%s/f", ref), "old f");
	mkd(P("%s/gone", ref));
	wfile(P("%s/gone/x", ref), "x");
	ck_assert_int_eq(chmod(P("%s/d", ref), 0755), 0);
	/* the same tree, times included, on the tmpfs */
	copy_tree(ref, lv);
	wfile(P("%s/f", up), "new f");
	mkd(P("%s/d", up));
	ck_assert_int_eq(chmod(P("%s/d", up), 0750), 0);
	wfile(P("%s/d/new", up), "new");
	ck_assert_int_eq(link(P("%s/d/new", up), P("%s/d/new2", up)), 0);
	ck_assert_int_eq(symlink("../f", P("%s/d/ln", up)), 0);
	ck_assert_int_eq(mkfifo(P("%s/d/fifo", up), 0600), 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/d/sock", up);
	sk = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(sk, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(sk);
	mkd(P("%s/nd", up));
	mkd(P("%s/nd/deep", up));
	wfile(P("%s/nd/deep/z", up), "zzz");
	ck_assert_int_eq(chown(P("%s/nd/deep/z", up), 42, 43), 0);
	mkwhiteout(P("%s/gone", up));

	/* same upper, copied, committed by rename onto the reference tree */
	copy_tree(up, P("%s/up2", b));
	ck_assert_msg(commit1(up, lv, 0, &err) == 0, "cross-fs: %s", err.msg);
	ck_assert_msg(commit1(P("%s/up2", b), ref, 0, &err) == 0, "same fs: %s", err.msg);
	want = tree_dump(ref, DUMP_DIR_MTIME);
	got = tree_dump(lv, DUMP_DIR_MTIME);
	ck_assert_tree_eq(want, got);
	free(want);
	free(got);
	ck_assert_int_eq(umount(mnt), 0);
	rm_rf(b);
}
END_TEST

/* A mount point in the live tree cannot be deleted or replaced: refused before any change;
 * merging into it (copying, as it is another fs) works. */
START_TEST(commit_refuses_to_replace_a_mount_point)
{
	const char *b = SCRATCH();
	const char *up = K("%s/upper", b), *lv = K("%s/live", b);
	struct hs_error err = HS_ERROR_INIT;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		HS_SKIP("no private mount namespace: %s", strerror(errno));
	mkd(up);
	mkd(lv);
	mkd(P("%s/mnt", lv));
	if (mount("tmpfs", P("%s/mnt", lv), "tmpfs", 0, "size=1m") < 0)
		HS_SKIP("cannot mount a tmpfs: %s", strerror(errno));
	wfile(P("%s/a", lv), "a");
	wfile(P("%s/a", up), "changed");
	mkwhiteout(P("%s/mnt", up));
	ck_assert_int_eq(commit1(up, lv, 0, &err), -1);
	ck_assert_int_eq(err.code, EBUSY);
	ck_assert_msg(strstr(err.msg, P("%s/mnt", lv)), "%s", err.msg);
	ck_assert_int_eq(access(P("%s/upper/a", b), F_OK), 0);
	unlink(P("%s/mnt", up));
	mkd(P("%s/mnt", up));
	wfile(P("%s/mnt/in", up), "in");
	ck_assert_msg(commit1(up, lv, 0, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(access(P("%s/mnt/in", lv), F_OK), 0);
	ck_assert_int_eq(umount(P("%s/mnt", lv)), 0);
	rm_rf(b);
}
END_TEST

/* A bind mount of the same file system is another mount: rename gives EXDEV there, so the
 * entries are copied; a bind mount point inside the target is refused like any mount point. */
START_TEST(commit_onto_a_bind_mount_copies)
{
	const char *b = SCRATCH();
	const char *up = K("%s/upper", b), *lv = K("%s/live", b), *bind = K("%s/bind", b);
	struct hs_error err = HS_ERROR_INIT;
	struct stat st;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		HS_SKIP("no private mount namespace: %s", strerror(errno));
	mkd(up);
	mkd(lv);
	mkd(bind);
	mkd(P("%s/sub", lv));
	mkd(P("%s/elsewhere", b));
	ck_assert_int_eq(mount(lv, bind, NULL, MS_BIND, NULL), 0);
	ck_assert_int_eq(mount(P("%s/elsewhere", b), P("%s/sub", lv), NULL, MS_BIND, NULL), 0);
	mkd(P("%s/d", up));
	wfile(P("%s/d/f", up), "f");
	wfile(P("%s/g", up), "g");
	ck_assert_msg(commit1(up, bind, 0, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(stat(P("%s/d/f", lv), &st), 0);
	ck_assert_int_eq(stat(P("%s/g", lv), &st), 0);
	mkwhiteout(P("%s/sub", up));
	ck_assert_int_eq(commit1(up, bind, 0, &err), -1);
	ck_assert_int_eq(err.code, EBUSY);
	rm_rf(P("%s/sub", up));
	ck_assert_int_eq(umount(P("%s/sub", lv)), 0);
	ck_assert_int_eq(umount(bind), 0);
	rm_rf(b);
}
END_TEST

/* An ordinary user commits their own sandbox (user.overlay.* names, no chown possible). */
START_TEST(commit_as_an_ordinary_user)
{
	unsigned flags = _i ? HS_COMMIT_COPY : 0;
	const char *b = SCRATCH();
	const char *up = K("%s/upper", b), *lv = K("%s/live", b);
	char *want, *got;
	pid_t pid;
	int st;

	if (geteuid() != 0)
		HS_SKIP("needs root to switch to another user");
	ck_assert_int_eq(chmod(b, 0755), 0);
	ck_assert_int_eq(chown(b, 65534, 65534), 0);
	ck_assert_int_eq(chown(P("%s/state", b), 65534, 65534), 0);
	pid = fork();
	if (pid == 0) {
		struct hs_error err = HS_ERROR_INIT;
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(3);
		mkd(up);
		mkd(lv);
		mkd(P("%s/d", lv));
		wfile(P("%s/d/old", lv), "old");
		wfile(P("%s/f", lv), "f");
		mkd(P("%s/d", up));
		ck_assert_int_eq(chmod(P("%s/d", up), 0700), 0);
		setx(P("%s/d", up), "user.overlay.impure", "y");
		wfile(P("%s/d/new", up), "new");
		wfile(P("%s/d/old", up), "");
		setx(P("%s/d/old", up), "user.overlay.whiteout", "");
		wfile(P("%s/f", up), "changed");
		setx(P("%s/f", up), "user.overlay.origin", "");
		mkd(P("%s/nd", up));
		setx(P("%s/nd", up), "user.overlay.opaque", "y");
		wfile(P("%s/nd/x", up), "x");
		if (commit1(up, lv, flags, &err) < 0) {
			fprintf(stderr, "%s\n", err.msg);
			_exit(4);
		}
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_int_eq(WEXITSTATUS(st), 0);
	want = NULL;
	got = tree_dump(lv, 0);
	ck_assert_msg(strstr(got, "/d 040700 65534:65534\n/d/new 100644 65534:65534 size=3"), "%s",
		      got);
	ck_assert_msg(!strstr(got, "/d/old"), "%s", got);
	ck_assert_msg(strstr(got, "/f 100644 65534:65534 size=7"), "%s", got);
	ck_assert_msg(strstr(got, "/nd/x 100644"), "%s", got);
	ck_assert_msg(!strstr(got, "overlay"), "%s", got);
	free(want);
	free(got);
	rm_rf(b);
}
END_TEST

/* Device nodes other than the 0/0 whiteout are files like any other (try drops them). */
START_TEST(commit_device_nodes)
{
	unsigned flags = _i ? HS_COMMIT_COPY : 0;
	const char *b = SCRATCH();
	const char *up = K("%s/upper", b), *lv = K("%s/live", b);
	struct hs_error err = HS_ERROR_INIT;
	struct stat st;

	mkd(up);
	mkd(lv);
	ck_assert_int_eq(mknod(P("%s/null", up), S_IFCHR | 0640, makedev(1, 3)), 0);
	ck_assert_int_eq(mknod(P("%s/blk", up), S_IFBLK | 0600, makedev(7, 200)), 0);
	ck_assert_msg(commit1(up, lv, flags, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(lstat(P("%s/null", lv), &st), 0);
	ck_assert(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3));
	ck_assert_int_eq(st.st_mode & 07777, 0640);
	ck_assert_int_eq(lstat(P("%s/blk", lv), &st), 0);
	ck_assert(S_ISBLK(st.st_mode) && st.st_rdev == makedev(7, 200));
	rm_rf(b);
}
END_TEST

START_TEST(summary_collapses_new_subtrees)
{
	const char *b = SCRATCH();
	const char *up = K("%s/upper", b), *lv = K("%s/live", b);
	struct hs_error err = HS_ERROR_INIT;
	char *sum = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&sum, &len);
	char *before;

	mkd(up);
	mkd(lv);
	wfile(P("%s/mod", lv), "a");
	wfile(P("%s/del", lv), "a");
	mkd(P("%s/rep", lv));
	mkd(P("%s/chm", lv));
	wfile(P("%s/mod", up), "b");
	mkwhiteout(P("%s/del", up));
	mkwhiteout(P("%s/nothing", up));
	wfile(P("%s/rep", up), "file now");
	mkd(P("%s/chm", up));
	ck_assert_int_eq(chmod(P("%s/chm", up), 0700), 0);
	mkd(P("%s/tree", up));
	for (int i = 0; i < 100; i++)
		wfile(P("%s/tree/f%d", up, i), "0123456789");
	before = tree_dump(lv, DUMP_DIR_MTIME);

	ck_assert_int_eq(hs_commit_summary(&(struct hs_commit_layer){up, lv}, 1, f, 0, &err), 5);
	fclose(f);
	ck_assert_msg(strstr(sum, P("modified %s/mod\n", lv)), "%s", sum);
	ck_assert_msg(strstr(sum, P("deleted  %s/del\n", lv)), "%s", sum);
	ck_assert_msg(strstr(sum, P("replaced %s/rep (dir -> file)\n", lv)), "%s", sum);
	ck_assert_msg(strstr(sum, P("modified %s/chm/ (metadata)\n", lv)), "%s", sum);
	ck_assert_msg(strstr(sum, P("added    %s/tree/ (dir: 100 entries, 1000 B)\n", lv)), "%s",
		      sum);
	ck_assert(!strstr(sum, "f1"));
	ck_assert(!strstr(sum, "nothing"));
	free(sum);
	/* a summary changes nothing */
	char *after = tree_dump(lv, DUMP_DIR_MTIME);
	ck_assert_tree_eq(before, after);
	free(before);
	free(after);
	rm_rf(b);
}
END_TEST

START_TEST(bad_input_is_refused_untouched)
{
	const char *b = SCRATCH();
	const char *up = K("%s/upper", b), *lv = K("%s/live", b);
	struct hs_error err = HS_ERROR_INIT;
	char *before;

	mkd(lv);
	wfile(P("%s/f", lv), "f");
	before = tree_dump(lv, DUMP_DIR_MTIME);
	ck_assert_int_eq(commit1(up, lv, 0, &err), -1);
	ck_assert_int_eq(err.code, ENOENT);
	ck_assert_msg(strstr(err.msg, up), "%s", err.msg);
	wfile(up, "not a dir");
	ck_assert_int_eq(commit1(up, lv, 0, &err), -1);
	ck_assert_int_eq(err.code, ENOTDIR);
	unlink(up);
	ck_assert_int_eq(commit1("relative", lv, 0, &err), -1);
	ck_assert_int_eq(err.code, EINVAL);
	ck_assert_int_eq(commit1(lv, lv, 0, &err), -1);
	ck_assert_int_eq(err.code, EINVAL);
	ck_assert_int_eq(commit1(b, P("%s/missing", b), 0, &err), -1);
	ck_assert_int_eq(err.code, ENOENT);
	/* data that lives in a lower layer (metacopy, redirect) cannot be committed from the
	 * upper alone: refused, naming the entry */
	mkd(up);
	wfile(P("%s/meta", up), "");
	setx(P("%s/meta", up), "trusted.overlay.metacopy", "");
	ck_assert_int_eq(commit1(up, lv, 0, &err), -1);
	ck_assert_int_eq(err.code, ENOTSUP);
	ck_assert_msg(strstr(err.msg, "metacopy"), "%s", err.msg);
	unlink(P("%s/meta", up));
	mkd(P("%s/nd", up));
	mkd(P("%s/nd/moved", up));
	setx(P("%s/nd/moved", up), "trusted.overlay.redirect", "/x");
	ck_assert_int_eq(commit1(up, lv, 0, &err), -1);
	ck_assert_int_eq(err.code, ENOTSUP);
	ck_assert_msg(strstr(err.msg, "redirect"), "%s", err.msg);
	char *after = tree_dump(lv, DUMP_DIR_MTIME);
	ck_assert_tree_eq(before, after);
	free(before);
	free(after);
	rm_rf(b);
}
END_TEST

/* An unprivileged user may not commit into a dir they cannot write: refused before any
 * change, with the dir named. */
START_TEST(commit_without_permission_changes_nothing)
{
	const char *b = SCRATCH();
	const char *up = K("%s/upper", b), *lv = K("%s/live", b);
	char *before;
	pid_t pid;
	int st;

	if (geteuid() != 0)
		HS_SKIP("needs root to switch to another user");
	ck_assert_int_eq(chmod(b, 0755), 0);
	mkd(up);
	mkd(lv);
	mkd(P("%s/ro", lv));
	wfile(P("%s/a", lv), "a");
	mkd(P("%s/ro", up));
	wfile(P("%s/a", up), "changed");
	wfile(P("%s/ro/new", up), "new");
	ck_assert_int_eq(chown(up, 65534, 65534), 0);
	ck_assert_int_eq(chown(P("%s/a", up), 65534, 65534), 0);
	ck_assert_int_eq(chown(P("%s/ro", up), 65534, 65534), 0);
	ck_assert_int_eq(chown(P("%s/ro/new", up), 65534, 65534), 0);
	ck_assert_int_eq(chown(lv, 65534, 65534), 0);
	ck_assert_int_eq(chown(P("%s/a", lv), 65534, 65534), 0);
	ck_assert_int_eq(chown(P("%s/state", b), 65534, 65534), 0);
	before = tree_dump(lv, DUMP_DIR_MTIME);
	pid = fork();
	if (pid == 0) {
		struct hs_error err = HS_ERROR_INIT;
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(3);
		if (commit1(up, lv, 0, &err) == 0)
			_exit(4);
		_exit(err.code == EACCES && strstr(err.msg, P("%s/ro", lv)) ? 0 : 5);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_int_eq(WEXITSTATUS(st), 0);
	char *after = tree_dump(lv, DUMP_DIR_MTIME);
	ck_assert_tree_eq(before, after);
	free(before);
	free(after);
	rm_rf(b);
}
END_TEST

START_TEST(several_layers_stacked_on_one_target)
{
	const char *b = SCRATCH();
	const char *u1 = K("%s/u1", b), *u2 = K("%s/u2", b), *lv = K("%s/live", b);
	struct hs_error err = HS_ERROR_INIT;
	char buf[8] = {0};
	int fd;

	mkd(u1);
	mkd(u2);
	mkd(lv);
	mkd(P("%s/d", lv));
	wfile(P("%s/d/old", lv), "old");
	/* layer 1 creates d/a; layer 2, made over layer 1, deletes d and recreates it */
	mkd(P("%s/d", u1));
	wfile(P("%s/d/a", u1), "a");
	mkd(P("%s/d", u2));
	setx(P("%s/d", u2), "trusted.overlay.opaque", "y");
	wfile(P("%s/d/b", u2), "b2");
	struct hs_commit_layer ls[2] = {{u1, lv}, {u2, lv}};
	ck_assert_msg(hs_commit_apply(ls, 2, NULL, 0, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(access(P("%s/d/old", lv), F_OK), -1);
	ck_assert_int_eq(access(P("%s/d/a", lv), F_OK), -1);
	fd = open(P("%s/d/b", lv), O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 2);
	close(fd);
	ck_assert_str_eq(buf, "b2");
	rm_rf(b);
}
END_TEST

/* overlay.opaque=x only says "holds xattr whiteouts": the dir merges, and its xattr-whiteout
 * entries delete. */
START_TEST(commit_opaque_x_merges)
{
	const char *b = SCRATCH();
	const char *up = K("%s/upper", b), *lv = K("%s/live", b);
	struct hs_error err = HS_ERROR_INIT;

	mkd(up);
	mkd(lv);
	mkd(P("%s/d", lv));
	wfile(P("%s/d/old", lv), "old");
	wfile(P("%s/d/gone", lv), "gone");
	mkd(P("%s/d", up));
	setx(P("%s/d", up), "user.overlay.opaque", "x");
	wfile(P("%s/d/new", up), "new");
	wfile(P("%s/d/gone", up), "");
	setx(P("%s/d/gone", up), "user.overlay.whiteout", "");
	ck_assert_msg(commit1(up, lv, 0, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(access(P("%s/d/old", lv), F_OK), 0);
	ck_assert_int_eq(access(P("%s/d/new", lv), F_OK), 0);
	ck_assert_int_eq(access(P("%s/d/gone", lv), F_OK), -1);
	ck_assert(!has_overlay_xattr(P("%s/d", lv)));
	rm_rf(b);
}
END_TEST

START_TEST(recover_with_nothing_to_do_is_cheap)
{
	const char *b = SCRATCH();
	struct hs_error err = HS_ERROR_INIT;
	struct timespec t0, t1;

	ck_assert_int_eq(hs_commit_recover(P("%s/state", b), &err), 0);
	ck_assert_int_eq(hs_commit_recover(P("%s/nonexistent", b), &err), 0);
	mkd(P("%s/state/commits", b));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 1000; i++)
		ck_assert_int_eq(hs_commit_recover(P("%s/state", b), &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* under 1 ms each even with sanitizers on a loaded machine (about 10 us here) */
	ck_assert_int_lt((t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec),
			 1000L * 1000 * 1000);
	rm_rf(b);
}
END_TEST

Suite *hs_test_suite(void)
{
	Suite *s = suite_create("commit");
	TCase *tc = tcase_create("commit");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, commit_each_upper_kind_over_each_live_kind, 0,
			    2 * U_NKINDS * L_NKINDS);
	tcase_add_test(tc, commit_existing_dir_metadata_applied);
	tcase_add_loop_test(tc, commit_hard_links_stay_linked, 0, 2);
	tcase_add_loop_test(tc, commit_hard_linked_live_file_in_place, 0, 2);
	tcase_add_loop_test(tc, commit_unlinked_live_file_replaced, 0, 2);
	tcase_add_loop_test(tc, commit_both_names_of_a_live_file_changed, 0, 4);
	tcase_add_loop_test(tc, commit_in_place_killed_at_every_step_recovers_whole, 0, 2);
	tcase_add_loop_test(tc, commit_xattrs_kept_overlay_ones_stripped, 0, 2);
	tcase_add_loop_test(tc, commit_odd_names, 0, 2);
	tcase_add_test(tc, commit_across_filesystems);
	tcase_add_test(tc, commit_refuses_to_replace_a_mount_point);
	tcase_add_test(tc, commit_onto_a_bind_mount_copies);
	tcase_add_loop_test(tc, commit_as_an_ordinary_user, 0, 2);
	tcase_add_loop_test(tc, commit_device_nodes, 0, 2);
	tcase_add_test(tc, summary_collapses_new_subtrees);
	tcase_add_test(tc, bad_input_is_refused_untouched);
	tcase_add_test(tc, commit_without_permission_changes_nothing);
	tcase_add_test(tc, several_layers_stacked_on_one_target);
	tcase_add_test(tc, commit_opaque_x_merges);
	tcase_add_test(tc, recover_with_nothing_to_do_is_cheap);
	suite_add_tcase(s, tc);
	return s;
}

HS_CHECK_MAIN
