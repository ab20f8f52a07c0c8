/* scheduler/runner.c: a speculative run in a real sandbox under the real tracer (root or user
 * namespaces, overlayfs, seccomp user notification). */
#include "hs_check.h"
#include "lib/error.h"
#include "scheduler/runner.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Start script as a run (stacked on base unless NULL), its stdout and stderr in *out (a
 * memfd). NULL when runs cannot work on this host. */
static struct hs_runner *start_on(const char *script, struct hs_runner *base, int *out)
{
	struct hs_error err = HS_ERROR_INIT;
	char *argv[] = {(char *)"/bin/sh", (char *)"-c", (char *)script, (char *)"sh", NULL};
	char *envp[] = {(char *)"PATH=/usr/bin:/bin", NULL};

	if (hs_runner_probe(&err) == 0)
		return NULL;
	*out = memfd_create("out", MFD_CLOEXEC);
	ck_assert_int_ge(*out, 0);
	struct hs_run_req req = {
		.argv = argv, .envp = envp, .cwd = "/tmp",
		.out_fd = *out, .err_fd = *out, .state_fd = *out, .base = base,
	};
	struct hs_runner *r = hs_runner_start(&req, &err);
	ck_assert_msg(r != NULL, "hs_runner_start: %s", err.msg);
	return r;
}

static struct hs_runner *start(const char *script, int *out)
{
	return start_on(script, NULL, out);
}

/* Poll the run's fds once (up to ms) and handle what came. Returns hs_runner_handle's value;
 * *hup: the listener reported a hang-up. */
static int pump(struct hs_runner *r, int ms, bool *hup)
{
	struct hs_error err = HS_ERROR_INIT;
	int fds[2];
	struct pollfd p[2];
	nfds_t n = 0;

	hs_runner_fds(r, fds);
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			p[n++] = (struct pollfd){fds[i], POLLIN, 0};
	*hup = false;
	if (poll(p, n, ms) > 0)
		for (nfds_t i = 0; i < n; i++)
			if (p[i].fd == fds[0] && (p[i].revents & POLLHUP))
				*hup = true;
	int rc = hs_runner_handle(r, &err);
	ck_assert_msg(rc >= 0, "hs_runner_handle: %s", err.msg);
	return rc;
}

/* A hung-up listener is always readable: once the trace is final the runner must stop
 * listing it, or an event loop polling it spins until the sandbox is done too (it did: 41%
 * of hs's CPU on bench oneliners). */
START_TEST(listener_leaves_the_poll_set_once_the_trace_is_final)
{
	int out;
	struct hs_runner *r = start("exit 3", &out);
	if (!r)
		HS_SKIP("runs cannot work on this host (hs_runner_probe)");
	int rc = 0, hups = 0;
	for (int i = 0; i < 2000 && rc == 0; i++) {
		bool hup;
		rc = pump(r, 100, &hup);
		if (hup) {
			int fds[2];
			hs_runner_fds(r, fds);
			ck_assert_msg(fds[0] == -1, "listener still listed after its hang-up");
			hups++;
		}
	}
	ck_assert_int_eq(rc, 1);
	ck_assert_int_eq(hs_runner_status(r), 3);
	ck_assert_int_le(hups, 1);
	hs_runner_free(r);
	hs_runner_flush();
	close(out);
}
END_TEST

/* The pids whose command line is exactly argv0 and arg1 (NUL-separated). */
static size_t find_procs(const char *arg0, const char *arg1, pid_t *pids, size_t max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	size_t n = 0;
	char want[128];
	int wl = snprintf(want, sizeof(want), "%s%c%s%c", arg0, 0, arg1, 0);

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) && n < max) {
		char path[64], buf[128];
		pid_t pid = (pid_t)atoi(e->d_name);
		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t len = read(fd, buf, sizeof(buf));
		close(fd);
		if (len == wl && memcmp(buf, want, (size_t)wl) == 0)
			pids[n++] = pid;
	}
	closedir(d);
	return n;
}

/* Runs start at idle priority; the one the shell waits for is raised, every process of it. */
START_TEST(boost_raises_every_process_of_the_run)
{
	/* A duration of our own (this test's pid in its fraction): another run of this test,
	 * side by side, has sleeps of its own. */
	char secs[32], script[96];
	snprintf(secs, sizeof(secs), "7.%07d", (int)getpid());
	snprintf(script, sizeof(script), "sleep %s & sleep %s; wait", secs, secs);
	int out;
	struct hs_runner *r = start(script, &out);
	if (!r)
		HS_SKIP("runs cannot work on this host (hs_runner_probe)");
	pid_t pids[8];
	size_t n = 0;
	for (int i = 0; i < 500 && n < 2; i++) {
		bool hup;
		ck_assert_int_eq(pump(r, 10, &hup), 0);
		n = find_procs("sleep", secs, pids, 8);
	}
	ck_assert_uint_eq(n, 2);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(sched_getscheduler(pids[i]), SCHED_IDLE);
	hs_runner_boost(r);
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(sched_getscheduler(pids[i]), SCHED_OTHER);
		errno = 0;
		ck_assert_int_eq(getpriority(PRIO_PROCESS, (id_t)pids[i]), 0);
	}
	hs_runner_free(r);
	hs_runner_flush();
	close(out);
}
END_TEST

/* Run r to its end (up to 30 s); its output. */
static char *finish(struct hs_runner *r, int out)
{
	int rc = 0;
	for (int i = 0; i < 3000 && rc == 0; i++) {
		bool hup;
		rc = pump(r, 10, &hup);
	}
	ck_assert_int_eq(rc, 1);
	static char buf[256];
	ssize_t n = pread(out, buf, sizeof(buf) - 1, 0);
	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	return buf;
}

static void commit(struct hs_runner *r)
{
	struct hs_error err = HS_ERROR_INIT;
	ck_assert_msg(hs_runner_commit(r, &err) == 0, "commit: %s", err.msg);
}

static char *slurp(const char *path)
{
	static char buf[256];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	return buf;
}

/* A fresh directory under /tmp for one test. */
static void scratch(char dir[64])
{
	strcpy(dir, "/tmp/hs-stack-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void rm_scratch(const char *dir)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* A directory a run only looked up may gain and lose entries (a cwd), but one removed and
 * made again is another directory: the tracer stamps before the syscall runs, so a run that
 * looked D up while the shell ran `rm -r D; mkdir D` may have found no D at all. */
START_TEST(a_directory_made_again_after_a_lookup_makes_the_run_stale)
{
	char dir[64], script[256], d[96], e[96];
	int out;
	scratch(dir);
	snprintf(d, sizeof(d), "%s/d", dir);
	snprintf(e, sizeof(e), "%s/d/e", dir);
	ck_assert_int_eq(mkdir(d, 0755), 0);
	usleep(30 * 1000); /* made well before the stamp: the stamp is good */
	snprintf(script, sizeof(script), "test -d %s && echo yes", d);
	struct hs_runner *r = start(script, &out);
	if (!r) {
		rm_scratch(dir);
		HS_SKIP("runs cannot work on this host (hs_runner_probe)");
	}
	ck_assert_str_eq(finish(r, out), "yes\n");
	const char *stale;
	ck_assert_msg(hs_runner_reads_valid(r, &stale), "stale: %s", stale);
	ck_assert_int_eq(mkdir(e, 0755), 0); /* an entry more: still the same directory */
	ck_assert_msg(hs_runner_reads_valid(r, &stale), "stale after a new entry: %s", stale);
	ck_assert_int_eq(rmdir(e), 0);
	ck_assert_int_eq(rmdir(d), 0);
	ck_assert_int_eq(mkdir(d, 0755), 0);
	ck_assert(!hs_runner_reads_valid(r, &stale));
	ck_assert_str_eq(stale, d);
	hs_runner_free(r);
	hs_runner_flush();
	close(out);
	rm_scratch(dir);
}
END_TEST

/* For the stacking tests: the base, started and run to its end (NULL when runs cannot work
 * on this host), and the teardown of a base and a run stacked on it. */
static struct hs_runner *finished_base(const char *script, int *out)
{
	struct hs_runner *w = start(script, out);
	if (w) {
		finish(w, *out);
		ck_assert(hs_runner_stackable(w));
	}
	return w;
}

static void end_stack(struct hs_runner *w, struct hs_runner *n, int wout, int nout,
		      const char *dir)
{
	hs_runner_free(w);
	hs_runner_free(n);
	hs_runner_flush();
	close(wout);
	close(nout);
	rm_scratch(dir);
}

/* A run stacked on a finished one sees its files; the base commits while the stacked run
 * still reads them (they stay: commit by copy), and the stacked run is valid after that
 * commit although the files it read now have other inodes and times. */
START_TEST(stacked_run_reads_its_base_and_stays_valid_across_its_commit)
{
	char dir[64], script[512];
	int wout, nout;
	scratch(dir);
	snprintf(script, sizeof(script), "mkdir %s/d && echo one > %s/d/f", dir, dir);
	struct hs_runner *w = finished_base(script, &wout);
	if (!w) {
		rm_scratch(dir);
		HS_SKIP("runs cannot work on this host (hs_runner_probe)");
	}
	snprintf(script, sizeof(script), "cat %s/d/f; sleep 2; cat %s/d/f > %s/g", dir, dir, dir);
	struct hs_runner *n = start_on(script, w, &nout);
	ck_assert_ptr_eq(hs_runner_base(n), w);
	ck_assert(!hs_runner_stackable(n)); /* one level only */
	const char *stale;
	bool hup;
	for (int i = 0; i < 20; i++)
		ck_assert_int_eq(pump(n, 10, &hup), 0);
	ck_assert_msg(hs_runner_reads_valid(n, &stale), "stale before the commit: %s", stale);
	commit(w);
	ck_assert_str_eq(slurp(strcat(strcpy(script, dir), "/d/f")), "one\n");
	/* Still running: it reads the base's files again after the commit. */
	ck_assert_int_eq(pump(n, 0, &hup), 0);
	ck_assert_str_eq(finish(n, nout), "one\n");
	ck_assert(hs_runner_clean(n, &stale));
	ck_assert_msg(hs_runner_reads_valid(n, &stale), "stale after the commit: %s", stale);
	commit(n);
	ck_assert_str_eq(slurp(strcat(strcpy(script, dir), "/g")), "one\n");
	end_stack(w, n, wout, nout, dir);
}
END_TEST

/* The shell is let go right after a commit: a change it makes at once, in the same tick of
 * the file clock and to the same size, must still make the stacked run stale. */
START_TEST(a_change_right_after_the_base_commit_makes_the_stacked_run_stale)
{
	char dir[64], script[512], path[128];
	int wout, nout;
	scratch(dir);
	snprintf(script, sizeof(script), "echo one > %s/f", dir);
	struct hs_runner *w = finished_base(script, &wout);
	if (!w) {
		rm_scratch(dir);
		HS_SKIP("runs cannot work on this host (hs_runner_probe)");
	}
	snprintf(script, sizeof(script), "cat %s/f", dir);
	struct hs_runner *n = start_on(script, w, &nout);
	ck_assert_str_eq(finish(n, nout), "one\n");
	commit(w);
	snprintf(path, sizeof(path), "%s/f", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("two\n", f);
	fclose(f);
	const char *stale;
	ck_assert(!hs_runner_reads_valid(n, &stale));
	ck_assert_str_eq(stale, path);
	end_stack(w, n, wout, nout, dir);
}
END_TEST

/* A stacked run lists a directory where its base created an entry: the listing merged the
 * base's entries with the live ones, so a live entry added before the base's commit, which
 * the listing did not see, makes it stale. And a base given up leaves it worthless. */
START_TEST(a_live_change_under_the_base_before_its_commit_makes_the_stacked_run_stale)
{
	char dir[64], script[512], path[128];
	int wout, nout;
	scratch(dir);
	usleep(30 * 1000); /* the directory's times well before any stamp of it */
	snprintf(script, sizeof(script), "echo one > %s/f", dir);
	struct hs_runner *w = finished_base(script, &wout);
	if (!w) {
		rm_scratch(dir);
		HS_SKIP("runs cannot work on this host (hs_runner_probe)");
	}
	snprintf(script, sizeof(script), "ls %s", dir);
	struct hs_runner *n = start_on(script, w, &nout);
	ck_assert_str_eq(finish(n, nout), "f\n");
	const char *stale;
	ck_assert_msg(hs_runner_reads_valid(n, &stale), "stale: %s", stale);
	snprintf(path, sizeof(path), "%s/other", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	ck_assert(!hs_runner_reads_valid(n, &stale));
	ck_assert_str_eq(stale, dir);
	ck_assert(!hs_runner_base_lost(n));
	hs_runner_free(w);
	ck_assert(hs_runner_base_lost(n));
	end_stack(NULL, n, wout, nout, dir);
}
END_TEST

Suite *hs_test_suite(void)
{
	Suite *s = suite_create("runner");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, listener_leaves_the_poll_set_once_the_trace_is_final);
	tcase_add_test(tc, boost_raises_every_process_of_the_run);
	tcase_add_test(tc, a_directory_made_again_after_a_lookup_makes_the_run_stale);
	tcase_add_test(tc, stacked_run_reads_its_base_and_stays_valid_across_its_commit);
	tcase_add_test(tc, a_change_right_after_the_base_commit_makes_the_stacked_run_stale);
	tcase_add_test(tc, a_live_change_under_the_base_before_its_commit_makes_the_stacked_run_stale);
	suite_add_tcase(s, tc);
	return s;
}

HS_CHECK_MAIN
