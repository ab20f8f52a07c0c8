/* engine/commit crash safety: the commit is killed (_exit, as kill -9 would leave it) at
 * every step of its journal protocol; after recovery the live tree is either exactly the
 * fully committed tree or exactly the untouched one, never anything between. */
#include "commit_tree.h"
#include "engine/commit/commit.h"

#include <sys/file.h>
#include <sys/wait.h>

/* Live tree and upper covering every kind of step: modify, delete file and dir, opaque dir,
 * dir over file, file over dir, symlink change, dir metadata, new dir, fifo, hard links. */
static void build(const char *lv_, const char *up_)
{
	const char *lv = K("%s", lv_), *up = K("%s", up_);

	mkd(lv);
	wfile(P("%s/f", lv), "old f");
	wfile(P("%s/keep", lv), "keep");
	wfile(P("%s/del", lv), "del");
	mkd(P("%s/deldir", lv));
	wfile(P("%s/deldir/a", lv), "a");
	mkd(P("%s/deldir/b", lv));
	wfile(P("%s/deldir/b/c", lv), "c");
	mkd(P("%s/opq", lv));
	wfile(P("%s/opq/x", lv), "x");
	wfile(P("%s/rep_fd", lv), "file becomes dir");
	mkd(P("%s/rep_df", lv));
	wfile(P("%s/rep_df/z", lv), "z");
	ck_assert_int_eq(symlink("f", P("%s/ln", lv)), 0);
	mkd(P("%s/d", lv));
	wfile(P("%s/d/k", lv), "k");
	wfile(P("%s/d/stay", lv), "stay");

	mkd(up);
	wfile(P("%s/f", up), "new f, longer");
	setx(P("%s/f", up), "trusted.overlay.origin", "o");
	mkwhiteout(P("%s/del", up));
	mkwhiteout(P("%s/deldir", up));
	mkd(P("%s/opq", up));
	setx(P("%s/opq", up), "trusted.overlay.opaque", "y");
	wfile(P("%s/opq/n1", up), "n1");
	mkd(P("%s/rep_fd", up));
	wfile(P("%s/rep_fd/q", up), "q");
	wfile(P("%s/rep_df", up), "dir becomes file");
	ck_assert_int_eq(symlink("keep", P("%s/ln", up)), 0);
	mkd(P("%s/d", up));
	wfile(P("%s/d/new", up), "new");
	mkwhiteout(P("%s/d/k", up));
	ck_assert_int_eq(chmod(P("%s/d", up), 0700), 0);
	setx(P("%s/d", up), "user.tag", "v");
	mkd(P("%s/nd", up));
	mkd(P("%s/nd/sub", up));
	wfile(P("%s/nd/sub/s", up), "s");
	wfile(P("%s/nd/t", up), "t");
	ck_assert_int_eq(mkfifo(P("%s/fifo", up), 0600), 0);
	wfile(P("%s/h1", up), "hard");
	ck_assert_int_eq(link(P("%s/h1", up), P("%s/h2", up)), 0);
	ck_assert_int_eq(link(P("%s/h1", up), P("%s/nd/h3", up)), 0);
}

/* Commit in a child that may die at crash point k. Returns the child's exit status. */
static int commit_child(const char *up, const char *lv, const char *jdir, unsigned flags, long k)
{
	pid_t pid = fork();
	int st;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct hs_commit_layer l = {up, lv};
		struct hs_error err = HS_ERROR_INIT;
		char v[32];
		snprintf(v, sizeof(v), "%ld", k);
		setenv("HS_COMMIT_CRASH_AFTER", v, 1);
		if (hs_commit_apply(&l, 1, jdir, flags, &err) < 0) {
			fprintf(stderr, "commit: %s\n", err.msg);
			_exit(1);
		}
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void fresh(const char *b)
{
	rm_rf(P("%s/live", b));
	rm_rf(P("%s/upper", b));
	copy_tree(P("%s/live0", b), P("%s/live", b));
	copy_tree(P("%s/upper0", b), P("%s/upper", b));
}

/* _i: 0 rename (journal in the state dir), 1 copy (journal in its own dir, linked from the
 * state dir); 2 and 3 the same with HS_COMMIT_NOSYNC (what hs script.sh uses: a killed
 * commit recovers just the same, the page cache outlives the process). */
START_TEST(commit_killed_at_every_step_recovers_whole)
{
	unsigned flags = (_i & 1 ? HS_COMMIT_COPY : 0) | (_i & 2 ? HS_COMMIT_NOSYNC : 0);
	const char *b = SCRATCH();
	const char *lv = K("%s/live", b), *up = K("%s/upper", b);
	const char *jdir = _i & 1 ? K("%s/jdir", b) : NULL;
	struct hs_error err = HS_ERROR_INIT;
	char *before, *upper_before, *after;
	int rolled_back = 0, finished = 0;
	long k;

	if (jdir)
		mkd(jdir);
	build(P("%s/live0", b), P("%s/upper0", b));
	before = tree_dump(P("%s/live0", b), 0);
	upper_before = tree_dump(P("%s/upper0", b), 0);
	fresh(b);
	ck_assert_int_eq(commit_child(up, lv, jdir, flags, 0), 0);
	after = tree_dump(lv, 0);
	ck_assert(strcmp(before, after) != 0);

	for (k = 1; k < 1000; k++) {
		int rc;
		char *now;

		fresh(b);
		rc = commit_child(up, lv, jdir, flags, k);
		if (rc == 0)
			break;
		ck_assert_msg(rc == 86, "crash point %ld: exit %d", k, rc);
		ck_assert_msg(hs_commit_recover(P("%s/state", b), &err) == 1,
			      "crash point %ld: recover: %s", k, err.msg);
		now = tree_dump(lv, 0);
		if (strcmp(now, before) == 0) {
			/* rolled back: the upper is as it was too, ready for another try */
			char *u = tree_dump(up, 0);
			ck_assert_msg(strcmp(u, upper_before) == 0,
				      "crash point %ld: upper changed", k);
			free(u);
			rolled_back++;
		} else {
			ck_assert_msg(
			    strcmp(now, after) == 0,
			    "crash point %ld: neither old nor new:\n--- new\n%s--- got\n%s", k,
			    after, now);
			finished++;
		}
		free(now);
		/* the journal is gone: nothing more to recover */
		ck_assert_int_eq(hs_commit_recover(P("%s/state", b), &err), 0);
	}
	ck_assert_int_lt(k, 1000);
	/* Both outcomes happened: the kill points span the whole protocol. */
	ck_assert_int_ge(rolled_back, 1);
	ck_assert_int_ge(finished, 10);
	free(before);
	free(after);
	free(upper_before);
	rm_rf(b);
}
END_TEST

/* Recovery itself killed at every step, then run again: still the whole commit. */
START_TEST(recovery_killed_at_every_step_recovers_whole)
{
	unsigned flags = _i ? HS_COMMIT_COPY : 0;
	const char *b = SCRATCH();
	const char *lv = K("%s/live", b), *up = K("%s/upper", b);
	struct hs_error err = HS_ERROR_INIT;
	char *after;
	long j;
	/* a crash point after the seal, in the middle of the steps */
	const long k = _i ? 18 : 6;

	build(P("%s/live0", b), P("%s/upper0", b));
	fresh(b);
	ck_assert_int_eq(commit_child(up, lv, NULL, flags, 0), 0);
	after = tree_dump(lv, 0);
	for (j = 1; j < 1000; j++) {
		pid_t pid;
		int st;
		char *now;

		fresh(b);
		ck_assert_int_eq(commit_child(up, lv, NULL, flags, k), 86);
		pid = fork();
		if (pid == 0) {
			char v[32];
			snprintf(v, sizeof(v), "%ld", j);
			setenv("HS_COMMIT_CRASH_AFTER", v, 1);
			_exit(hs_commit_recover(P("%s/state", b), &err) == 1 ? 0 : 1);
		}
		ck_assert_int_eq(waitpid(pid, &st, 0), pid);
		ck_assert_int_eq(hs_commit_recover(P("%s/state", b), &err),
				 WEXITSTATUS(st) == 0 ? 0 : 1);
		now = tree_dump(lv, 0);
		ck_assert_msg(strcmp(now, after) == 0,
			      "recovery crash %ld:\n--- new\n%s--- got\n%s", j, after, now);
		free(now);
		if (WEXITSTATUS(st) == 0)
			break;
		ck_assert_int_eq(WEXITSTATUS(st), 86);
	}
	ck_assert_int_ge(j, 3);
	free(after);
	rm_rf(b);
}
END_TEST

/* Every start of hs finishes an interrupted commit and says so on stderr. */
START_TEST(hs_start_recovers_an_interrupted_commit)
{
	const char *hs = getenv("HS");
	const char *b = SCRATCH();
	const char *lv = K("%s/live", b), *up = K("%s/upper", b);
	char *after, *now, line[512] = {0};
	FILE *p;

	if (!hs || access(hs, X_OK) < 0)
		HS_SKIP("HS (the hs binary) not set: run through tests/run");
	build(P("%s/live0", b), P("%s/upper0", b));
	fresh(b);
	ck_assert_int_eq(commit_child(up, lv, NULL, 0, 0), 0);
	after = tree_dump(lv, 0);
	fresh(b);
	ck_assert_int_eq(commit_child(up, lv, NULL, 0, 8), 86);
	p = popen(P("'%s' --help 2>&1 >/dev/null", hs), "r");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), p));
	ck_assert_int_eq(pclose(p), 0);
	ck_assert_msg(strstr(line, "recovered 1 interrupted commit"), "%s", line);
	now = tree_dump(lv, 0);
	ck_assert_tree_eq(after, now);
	free(now);
	/* and the next start is quiet */
	p = popen(P("'%s' --help 2>&1 >/dev/null", hs), "r");
	ck_assert_ptr_null(fgets(line, sizeof(line), p));
	pclose(p);
	free(after);
	rm_rf(b);
}
END_TEST

/* A journal whose commit is still running (its lock held) is left alone. */
START_TEST(recover_skips_a_running_commit)
{
	const char *b = SCRATCH();
	struct hs_error err = HS_ERROR_INIT;
	int fd;

	mkd(P("%s/state/commits", b));
	wfile(P("%s/state/commits/hs-commit.x.journal", b), "HSCOMMIT 1 x\n");
	fd = open(P("%s/state/commits/hs-commit.x.journal", b), O_RDWR);
	ck_assert_int_eq(flock(fd, LOCK_EX), 0);
	pid_t pid = fork();
	if (pid == 0)
		_exit(hs_commit_recover(P("%s/state", b), &err) == 0 &&
			      access(P("%s/state/commits/hs-commit.x.journal", b), F_OK) == 0
			  ? 0
			  : 1);
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_int_eq(WEXITSTATUS(st), 0);
	close(fd);
	/* nor does recovery run while another commit holds the state dir */
	int dfd = open(P("%s/state/commits", b), O_RDONLY | O_DIRECTORY);
	ck_assert_int_eq(flock(dfd, LOCK_EX), 0);
	pid = fork();
	if (pid == 0)
		_exit(hs_commit_recover(P("%s/state", b), &err) == 0 ? 0 : 1);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_int_eq(WEXITSTATUS(st), 0);
	ck_assert_int_eq(access(P("%s/state/commits/hs-commit.x.journal", b), F_OK), 0);
	close(dfd);
	/* once the locks are gone, the (empty, unsealed) journal is recovered and removed */
	ck_assert_int_eq(hs_commit_recover(P("%s/state", b), &err), 1);
	ck_assert_int_eq(access(P("%s/state/commits/hs-commit.x.journal", b), F_OK), -1);
	rm_rf(b);
}
END_TEST

/* Killed between creating the journal and writing the plan (no crash point there: a real
 * kill -9 can still land there): an empty or torn journal means nothing happened yet. A
 * sealed journal that does not parse is kept aside as .bad and reported. */
START_TEST(recover_torn_and_bad_journals)
{
	const char *b = SCRATCH();
	const char *reg = K("%s/state/commits", b);
	struct hs_error err = HS_ERROR_INIT;

	mkd(reg);
	wfile(P("%s/hs-commit.a.journal", reg), "");
	wfile(P("%s/hs-commit.z.new", reg), "");
	wfile(P("%s/hs-commit.b.journal", reg), "HSCOM");
	/* the torn one names a staged copy: the rollback removes it, beneath its target */
	mkd(P("%s/x", b));
	wfile(P("%s/x/a", b), "staged");
	wfile(P("%s/hs-commit.c.journal", reg),
	      P("HSCOMMIT 1 c\nM %zu %s/x/a %s/x/b - 1 2 0 0 1 0\nM 2 /x/a /x/", strlen(b) + 2, b,
		b));
	ck_assert_msg(hs_commit_recover(P("%s/state", b), &err) == 3, "%s", err.msg);
	ck_assert_int_eq(access(P("%s/hs-commit.a.journal", reg), F_OK), -1);
	ck_assert_int_eq(access(P("%s/hs-commit.z.new", reg), F_OK), -1);
	ck_assert_int_eq(access(P("%s/hs-commit.c.journal", reg), F_OK), -1);
	ck_assert_int_eq(access(P("%s/x/a", b), F_OK), -1);
	wfile(P("%s/hs-commit.d.journal", reg), "HSCOMMIT 1 d\nQ nonsense\nSEAL\n");
	ck_assert_int_eq(hs_commit_recover(P("%s/state", b), &err), -1);
	ck_assert_msg(strstr(err.msg, "bad line 2"), "%s", err.msg);
	ck_assert_int_eq(access(P("%s/hs-commit.d.journal.bad", reg), F_OK), 0);
	ck_assert_int_eq(hs_commit_recover(P("%s/state", b), &err), 0);
	rm_rf(b);
}
END_TEST

/* A live dir swapped for a symlink between plan and commit (here: in a journal being
 * recovered) does not send the rename elsewhere. */
START_TEST(commit_does_not_follow_a_swapped_in_symlink)
{
	const char *b = SCRATCH();
	const char *reg = K("%s/state/commits", b);
	struct hs_error err = HS_ERROR_INIT;
	struct stat st;

	mkd(reg);
	mkd(P("%s/upper", b));
	mkd(P("%s/live", b));
	mkd(P("%s/outside", b));
	wfile(P("%s/upper/f", b), "f");
	ck_assert_int_eq(symlink(P("%s/outside", b), P("%s/live/d", b)), 0);
	ck_assert_int_eq(stat(P("%s/upper/f", b), &st), 0);
	wfile(P("%s/hs-commit.s.journal", reg),
	      P("HSCOMMIT 1 s\nM %zu %s/upper/f %s/live/d/f - %llu %llu 0 0 0 0\nSEAL\n",
		strlen(b) + 5, b, b, (unsigned long long)st.st_dev, (unsigned long long)st.st_ino));
	ck_assert_int_eq(hs_commit_recover(P("%s/state", b), &err), -1);
	ck_assert_msg(strstr(err.msg, P("%s/live/d/f", b)), "%s", err.msg);
	ck_assert_int_eq(err.code, ELOOP);
	ck_assert_int_eq(access(P("%s/outside/f", b), F_OK), -1);
	ck_assert_int_eq(access(P("%s/upper/f", b), F_OK), 0);
	rm_rf(b);
}
END_TEST

Suite *hs_test_suite(void)
{
	Suite *s = suite_create("commit_crash");
	TCase *tc = tcase_create("commit_crash");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, commit_killed_at_every_step_recovers_whole, 0, 4);
	tcase_add_loop_test(tc, recovery_killed_at_every_step_recovers_whole, 0, 2);
	tcase_add_test(tc, hs_start_recovers_an_interrupted_commit);
	tcase_add_test(tc, recover_skips_a_running_commit);
	tcase_add_test(tc, recover_torn_and_bad_journals);
	tcase_add_test(tc, commit_does_not_follow_a_swapped_in_symlink);
	suite_add_tcase(s, tc);
	return s;
}

HS_CHECK_MAIN
