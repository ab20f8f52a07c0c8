/* The tracer's library API, as the scheduler uses it: child-side install as an exec hook,
 * parent-side attach, an external poll loop, result accessors and stamps. */
#include "tests/unit/hs_check.h"
#include "tracer/tracer.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[] = "/var/tmp/hs-tests/tracer.XXXXXX";

static void setup(void)
{
	mkdir("/var/tmp/hs-tests", 0755);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(chdir(dir), 0);
}

static void teardown(void)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void write_file(const char *p, const char *s)
{
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(s, f);
	fclose(f);
}

/* The sandbox calls a hook `int (*)(void *)` just before execve: the tracer's install fits. */
static int (*const exec_hook)(void *) = hs_tracer_child_install;

static pid_t spawn(struct hs_tracer *t, char *const argv[])
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		dup2(null, 0);
		if (exec_hook(t) < 0)
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static const struct hs_tracer_read *find_read(struct hs_tracer *t, const char *path)
{
	const struct hs_tracer_read *r;
	size_t n = hs_tracer_reads(t, &r);
	for (size_t i = 0; i < n; i++)
		if (strcmp(r[i].path, path) == 0)
			return &r[i];
	return NULL;
}

static const struct hs_tracer_write *find_write(struct hs_tracer *t, const char *path)
{
	const struct hs_tracer_write *w;
	size_t n = hs_tracer_writes(t, &w);
	for (size_t i = 0; i < n; i++)
		if (strcmp(w[i].path, path) == 0)
			return &w[i];
	return NULL;
}

/* An external event loop: poll the tracer's fd, handle, reap the child ourselves. */
START_TEST(tracer_external_poll_loop_records_read_with_stamp)
{
	struct hs_tracer_opts opts = HS_TRACER_OPTS_INIT;
	struct hs_error err = HS_ERROR_INIT;
	char path[512];
	struct stat sb;

	opts.backend = HS_TRACER_NOTIF;
	write_file("in", "hello\n");
	snprintf(path, sizeof(path), "%s/in", dir);
	ck_assert_int_eq(stat(path, &sb), 0);
	struct hs_tracer *t = hs_tracer_new(&opts, &err);
	ck_assert_msg(t, "%s", err.msg);
	char *argv[] = {"/bin/cat", path, NULL};
	pid_t pid = spawn(t, argv);
	ck_assert_msg(hs_tracer_attach(t, pid, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(hs_tracer_backend_used(t), HS_TRACER_NOTIF);
	int done = 0, status = -1;
	while (!done) {
		struct pollfd p = {hs_tracer_fd(t), POLLIN, 0};
		ck_assert_int_ge(poll(&p, 1, 100), 0);
		done = hs_tracer_handle(t, &err);
		ck_assert_msg(done >= 0, "%s", err.msg);
		/* Reap as we go: a zombie may keep the filter alive. */
		if (status == -1 && waitpid(pid, &status, WNOHANG) != pid)
			status = -1;
	}
	if (status == -1)
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	const struct hs_tracer_read *r = find_read(t, path);
	ck_assert_ptr_nonnull(r);
	ck_assert(r->kinds & HS_TRACER_READ);
	ck_assert(!r->stamp.absent);
	ck_assert_uint_eq(r->stamp.dev, sb.st_dev);
	ck_assert_uint_eq(r->stamp.ino, sb.st_ino);
	ck_assert_int_eq(r->stamp.size, 6);
	ck_assert_int_eq(r->stamp.mtime.tv_nsec, sb.st_mtim.tv_nsec);
	ck_assert(S_ISREG(r->stamp.mode));
	const struct hs_tracer_exec *x;
	ck_assert_uint_ge(hs_tracer_execs(t, &x), 1);
	ck_assert(hs_tracer_can_speculate(t));
	ck_assert_uint_gt(hs_tracer_nevents(t), 0);
	hs_tracer_free(t);
}
END_TEST

/* The stamp of an appended file is the one before the append ran. */
static void stamp_before_syscall(enum hs_tracer_backend backend)
{
	struct hs_tracer_opts opts = HS_TRACER_OPTS_INIT;
	struct hs_error err = HS_ERROR_INIT;
	char path[512];
	int status;

	opts.backend = backend;
	write_file("log", "0123456789");
	snprintf(path, sizeof(path), "%s/log", dir);
	struct hs_tracer *t = hs_tracer_new(&opts, &err);
	ck_assert_msg(t, "%s", err.msg);
	char *argv[] = {"/bin/sh", "-c", "echo more >>log; echo new >fresh", NULL};
	pid_t pid = spawn(t, argv);
	ck_assert_msg(hs_tracer_attach(t, pid, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(hs_tracer_backend_used(t), backend);
	ck_assert_msg(hs_tracer_run(t, pid, &status, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(status, 0);
	const struct hs_tracer_read *r = find_read(t, path);
	ck_assert_ptr_nonnull(r);
	ck_assert(r->kinds & HS_TRACER_READ);
	ck_assert_int_eq(r->stamp.size, 10);
	const struct hs_tracer_write *w = find_write(t, path);
	ck_assert_ptr_nonnull(w);
	ck_assert(w->kinds & HS_TRACER_WRITE);
	ck_assert(!(w->kinds & HS_TRACER_BLIND));
	snprintf(path, sizeof(path), "%s/fresh", dir);
	w = find_write(t, path);
	ck_assert_ptr_nonnull(w);
	ck_assert_uint_eq(w->kinds, HS_TRACER_WRITE | HS_TRACER_BLIND | HS_TRACER_CREATE);
	hs_tracer_free(t);
}

START_TEST(tracer_stamp_taken_before_append_notif)
{
	stamp_before_syscall(HS_TRACER_NOTIF);
}
END_TEST

START_TEST(tracer_stamp_taken_before_append_ptrace)
{
	stamp_before_syscall(HS_TRACER_PTRACE);
}
END_TEST

/* Trace the helper's case `name` (it checks its own syscalls' results) to its end. */
static struct hs_tracer *trace_case(const char *name, bool shared_net)
{
	struct hs_tracer_opts opts = HS_TRACER_OPTS_INIT;
	struct hs_error err = HS_ERROR_INIT;
	char helper[1024];
	int status;

	opts.shared_net = shared_net;
	struct hs_tracer *t = hs_tracer_new(&opts, &err);
	ck_assert_msg(t, "%s", err.msg);
	snprintf(helper, sizeof(helper), "%s/%s/tests/helpers/trace_cases",
		 getenv("HS_ROOT") ? getenv("HS_ROOT") : ".",
		 getenv("HS_BUILD") ? getenv("HS_BUILD") : "build");
	ck_assert_msg(access(helper, X_OK) == 0, "%s missing", helper);
	char *argv[] = {helper, (char *)name, NULL};
	pid_t pid = spawn(t, argv);
	ck_assert_msg(hs_tracer_attach(t, pid, &err) == 0, "%s", err.msg);
	ck_assert_msg(hs_tracer_run(t, pid, &status, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(status, 0);
	return t;
}

START_TEST(tracer_network_attempt_blocks_speculation)
{
	const struct hs_tracer_flag *f;
	struct hs_tracer *t = trace_case("net", false); /* the helper checks the denial */

	ck_assert_uint_ge(hs_tracer_flags(t, &f), 1);
	ck_assert_int_eq(f[0].kind, HS_TRACER_FLAG_NET);
	ck_assert(!hs_tracer_can_speculate(t));
	hs_tracer_free(t);
}
END_TEST

/* An abstract name the tree binds and connects to is its own; with a network namespace
 * shared between runs another run could hold or reach it: flagged. */
START_TEST(tracer_abstract_bind_flagged_when_netns_shared)
{
	const struct hs_tracer_flag *f;
	struct hs_tracer *t = trace_case("abstract", false);

	ck_assert_uint_eq(hs_tracer_flags(t, &f), 0);
	ck_assert(hs_tracer_can_speculate(t));
	hs_tracer_free(t);
	t = trace_case("abstract", true);
	ck_assert_uint_eq(hs_tracer_flags(t, &f), 1);
	ck_assert_int_eq(f[0].kind, HS_TRACER_FLAG_IPC);
	ck_assert_msg(strstr(f[0].detail, "bind @hs-test-"), "%s", f[0].detail);
	ck_assert_msg(strstr(f[0].detail, "shared"), "%s", f[0].detail);
	ck_assert(!hs_tracer_can_speculate(t));
	hs_tracer_free(t);
}
END_TEST

START_TEST(tracer_child_dying_before_install_is_an_error)
{
	struct hs_tracer_opts opts = HS_TRACER_OPTS_INIT;
	struct hs_error err = HS_ERROR_INIT;
	struct hs_tracer *t = hs_tracer_new(&opts, &err);
	ck_assert_msg(t, "%s", err.msg);
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	ck_assert_int_eq(hs_tracer_attach(t, pid, &err), -1);
	waitpid(pid, NULL, 0);
	hs_tracer_free(t);
	hs_tracer_free(NULL);
}
END_TEST

Suite *hs_test_suite(void)
{
	Suite *s = suite_create("tracer");
	TCase *tc = tcase_create("api");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, tracer_external_poll_loop_records_read_with_stamp);
	tcase_add_test(tc, tracer_stamp_taken_before_append_notif);
	tcase_add_test(tc, tracer_stamp_taken_before_append_ptrace);
	tcase_add_test(tc, tracer_network_attempt_blocks_speculation);
	tcase_add_test(tc, tracer_abstract_bind_flagged_when_netns_shared);
	tcase_add_test(tc, tracer_child_dying_before_install_is_an_error);
	suite_add_tcase(s, tc);
	return s;
}

HS_CHECK_MAIN
