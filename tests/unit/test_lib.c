/* lib/: error objects and full reads/writes. */
#include "hs_check.h"
#include "lib/error.h"
#include "lib/util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

START_TEST(error_set_appends_strerror)
{
	struct hs_error err = HS_ERROR_INIT;

	ck_assert_int_eq(hs_error_set(&err, ENOENT, "open %s", "/x"), -1);
	ck_assert_int_eq(err.code, ENOENT);
	ck_assert_str_eq(err.msg, "open /x: No such file or directory");
}
END_TEST

START_TEST(error_prefix_adds_context)
{
	struct hs_error err = HS_ERROR_INIT;

	hs_error_set(&err, EXDEV, "workdir");
	hs_error_prefix(&err, "overlay on %s", "/usr");
	ck_assert_str_eq(err.msg, "overlay on /usr: workdir: Invalid cross-device link");
	ck_assert_int_eq(err.code, EXDEV);
}
END_TEST

START_TEST(error_null_is_tolerated)
{
	ck_assert_int_eq(hs_error_set(NULL, EIO, "x"), -1);
	ck_assert_int_eq(hs_error_prefix(NULL, "y"), -1);
	hs_error_clear(NULL);
}
END_TEST

/* A pipe delivers a large write in pieces: read_full must still return all of it. */
START_TEST(read_full_collects_short_reads)
{
	int p[2];
	char out[200000], in[200000];
	pid_t pid;

	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (char)(i * 7);
	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[0]);
		_exit(hs_write_full(p[1], out, sizeof(out)) == 0 ? 0 : 1);
	}
	close(p[1]);
	ck_assert_int_eq(hs_read_full(p[0], in, sizeof(in)), (ssize_t)sizeof(in));
	ck_assert_int_eq(memcmp(in, out, sizeof(in)), 0);
	ck_assert_int_eq(hs_read_full(p[0], in, 1), 0);
	close(p[0]);
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}
END_TEST

START_TEST(write_full_reports_epipe)
{
	int p[2];

	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(pipe(p), 0);
	close(p[0]);
	ck_assert_int_eq(hs_write_full(p[1], "x", 1), -1);
	ck_assert_int_eq(errno, EPIPE);
	close(p[1]);
}
END_TEST

START_TEST(read_all_reads_to_eof)
{
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	_cleanup_free_ char *buf = NULL;

	ck_assert_int_ge(fd, 0);
	buf = hs_read_all(fd, &len);
	close(fd);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_gt(len, 0);
	ck_assert_int_eq(buf[len], '\0');
}
END_TEST

Suite *hs_test_suite(void)
{
	Suite *s = suite_create("lib");
	TCase *tc = tcase_create("lib");

	tcase_add_test(tc, error_set_appends_strerror);
	tcase_add_test(tc, error_prefix_adds_context);
	tcase_add_test(tc, error_null_is_tolerated);
	tcase_add_test(tc, read_full_collects_short_reads);
	tcase_add_test(tc, write_full_reports_epipe);
	tcase_add_test(tc, read_all_reads_to_eof);
	suite_add_tcase(s, tc);
	return s;
}

HS_CHECK_MAIN
