/* engine/commit against the kernel as the oracle: make changes through a real overlayfs
 * mount, remember what the merged view showed, unmount, commit the upper onto the lower, and
 * compare the lower with that view (types, modes, owners, data, links, xattrs, mtimes of
 * files and dirs, hard link groups). */
#include "commit_tree.h"
#include "engine/commit/commit.h"

#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>

static void lower_tree(const char *lo_)
{
	const char *lo = K("%s", lo_);

	mkd(lo);
	mkd(P("%s/a", lo));
	wfile(P("%s/a/file1", lo), "one");
	wfile(P("%s/a/file2", lo), "two");
	mkd(P("%s/a/sub", lo));
	wfile(P("%s/a/sub/deep", lo), "deep");
	mkd(P("%s/b", lo));
	wfile(P("%s/b/x", lo), "x");
	mkd(P("%s/b/y", lo));
	wfile(P("%s/b/y/z", lo), "z");
	wfile(P("%s/c", lo), "c is a file");
	mkd(P("%s/d", lo));
	wfile(P("%s/d/k", lo), "k");
	mkd(P("%s/d2", lo));
	wfile(P("%s/d2/old", lo), "old");
	ck_assert_int_eq(symlink("a", P("%s/e", lo)), 0);
	wfile(P("%s/f", lo), "f");
	wfile(P("%s/hl1", lo), "hl");
	ck_assert_int_eq(link(P("%s/hl1", lo), P("%s/hl2", lo)), 0);
	mkd(P("%s/g", lo));
	wfile(P("%s/g/in", lo), "in");
	mkd(P("%s/h", lo));
	setx(P("%s/h", lo), "user.k", "v");
	mkd(P("%s/emptyd", lo));
	wfile(P("%s/x", lo), "x");
}

/* Changes made through the merged view m. */
static void change(const char *m_)
{
	const char *m = K("%s", m_);
	struct timespec ts[2] = {{UTIME_OMIT, 0}, {1500000000, 42}};
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, sk;

	fd = open(P("%s/a/file1", m), O_WRONLY | O_APPEND);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "+more", 5), 5);
	close(fd);
	ck_assert_int_eq(unlink(P("%s/a/file2", m)), 0);
	ck_assert_int_eq(chmod(P("%s/a/sub/deep", m), 0600), 0);
	mkd(P("%s/a/sub/newdir", m));
	wfile(P("%s/a/sub/newdir/nf", m), "nf");
	ck_assert_int_eq(utimensat(AT_FDCWD, P("%s/a", m), ts, 0), 0);
	rm_rf(P("%s/b", m));
	ck_assert_int_eq(unlink(P("%s/c", m)), 0);
	mkd(P("%s/c", m));
	wfile(P("%s/c/new", m), "dir over file");
	rm_rf(P("%s/d", m));
	wfile(P("%s/d", m), "file over dir");
	rm_rf(P("%s/d2", m));
	mkd(P("%s/d2", m));
	wfile(P("%s/d2/n", m), "opaque");
	ck_assert_int_eq(unlink(P("%s/e", m)), 0);
	ck_assert_int_eq(symlink("g", P("%s/e", m)), 0);
	ck_assert_int_eq(mkfifo(P("%s/fifo", m), 0620), 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock", m);
	sk = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(sk, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(sk);
	mkd(P("%s/new", m));
	mkd(P("%s/new/sub", m));
	wfile(P("%s/new/sub/x", m), "x");
	wfile(P("%s/new/l1", m), "linked");
	ck_assert_int_eq(link(P("%s/new/l1", m), P("%s/new/l2", m)), 0);
	ck_assert_int_eq(link(P("%s/new/l1", m), P("%s/l3", m)), 0);
	ck_assert_int_eq(chmod(P("%s/g", m), 0700), 0);
	ck_assert_int_eq(chown(P("%s/g", m), 1000, 1001), 0);
	setx(P("%s/h", m), "user.k", "v2");
	setx(P("%s/h", m), "user.j", "j");
	wfile(P("%s/sp ace", m), "1");
	wfile(P("%s/nl\nname", m), "2");
	wfile(P("%s/\x01\xff", m), "3");
	ck_assert_int_eq(rename(P("%s/f", m), P("%s/f_renamed", m)), 0);
	/* Not hl1: a write through one name of a hard-linked file is committed in place (both
	 * names change, as under the shell), where overlayfs shows the link broken; that case
	 * has its own tests in test_commit.c. */
	ck_assert_int_eq(rmdir(P("%s/emptyd", m)), 0);
	setx(P("%s/x", m), "user.tag", "t");
}

/* _i bit 0: copy instead of rename; bit 1: userxattr (user.overlay.* names). */
START_TEST(commit_equals_what_overlayfs_showed)
{
	unsigned flags = (_i & 1) ? HS_COMMIT_COPY : 0;
	bool userxattr = _i & 2;
	const char *b = SCRATCH();
	const char *lo = K("%s/lower", b), *up = K("%s/upper", b), *wk = K("%s/work", b);
	const char *m = K("%s/merged", b);
	struct hs_error err = HS_ERROR_INIT;
	char opts[3 * PATH_MAX];
	char *shown, *got;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		HS_SKIP("no private mount namespace: %s", strerror(errno));
	lower_tree(lo);
	mkd(up);
	mkd(wk);
	mkd(m);
	snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s,metacopy=off,index=off%s",
		 lo, up, wk, userxattr ? ",userxattr" : ",redirect_dir=off");
	if (mount("overlay", m, "overlay", 0, opts) < 0)
		HS_SKIP("cannot mount overlayfs%s: %s", userxattr ? " (userxattr)" : "",
			strerror(errno));
	change(m);
	shown = tree_dump(m, DUMP_DIR_MTIME);
	ck_assert_int_eq(umount(m), 0);

	ck_assert_msg(hs_commit_apply(&(struct hs_commit_layer){up, lo}, 1, NULL, flags, &err) == 0,
		      "%s", err.msg);
	got = tree_dump(lo, DUMP_DIR_MTIME);
	ck_assert_tree_eq(shown, got);
	free(shown);
	free(got);
	rm_rf(b);
}
END_TEST

/* The summary of a real upper names each change once, collapsing the new dir. */
START_TEST(summary_of_a_real_upper)
{
	const char *b = SCRATCH();
	const char *lo = K("%s/lower", b), *up = K("%s/upper", b), *wk = K("%s/work", b);
	const char *m = K("%s/merged", b);
	struct hs_error err = HS_ERROR_INIT;
	char opts[3 * PATH_MAX];
	char *sum = NULL;
	size_t len = 0;
	FILE *f;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		HS_SKIP("no private mount namespace: %s", strerror(errno));
	lower_tree(lo);
	mkd(up);
	mkd(wk);
	mkd(m);
	snprintf(opts, sizeof(opts),
		 "lowerdir=%s,upperdir=%s,workdir=%s,metacopy=off,index=off,redirect_dir=off", lo,
		 up, wk);
	if (mount("overlay", m, "overlay", 0, opts) < 0)
		HS_SKIP("cannot mount overlayfs: %s", strerror(errno));
	change(m);
	ck_assert_int_eq(umount(m), 0);
	f = open_memstream(&sum, &len);
	ck_assert_int_ge(hs_commit_summary(&(struct hs_commit_layer){up, lo}, 1, f, 0, &err), 20);
	fclose(f);
	ck_assert_msg(strstr(sum, P("added    %s/new/ (dir: 4 entries, 13 B)\n", lo)), "%s", sum);
	ck_assert_msg(strstr(sum, P("deleted  %s/b/ (dir: 3 entries, 2 B)\n", lo)), "%s", sum);
	ck_assert_msg(strstr(sum, P("replaced %s/d (dir -> file)\n", lo)), "%s", sum);
	ck_assert_msg(strstr(sum, P("replaced %s/c/ (dir: 1 entry, 13 B) (file -> dir)\n", lo)),
		      "%s", sum);
	ck_assert_msg(strstr(sum, P("replaced %s/d2/ (dir: 1 entry, 6 B)\n", lo)), "%s", sum);
	ck_assert_msg(strstr(sum, P("modified %s/g/ (metadata)\n", lo)), "%s", sum);
	ck_assert_msg(strstr(sum, P("modified %s/a/file1\n", lo)), "%s", sum);
	ck_assert_msg(strstr(sum, P("added    %s/nl\\nname\n", lo)), "%s", sum);
	ck_assert_msg(!strstr(sum, "new/sub"), "%s", sum);
	free(sum);
	rm_rf(b);
}
END_TEST

Suite *hs_test_suite(void)
{
	Suite *s = suite_create("commit_overlay");
	TCase *tc = tcase_create("commit_overlay");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, commit_equals_what_overlayfs_showed, 0, 4);
	tcase_add_test(tc, summary_of_a_real_upper);
	suite_add_tcase(s, tc);
	return s;
}

HS_CHECK_MAIN
