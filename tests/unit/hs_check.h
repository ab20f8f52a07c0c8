/* Shared glue for the Check-based unit and kernel-facing tests.
 *
 * Each tests/unit/test_*.c defines `Suite *hs_test_suite(void)` and ends with HS_CHECK_MAIN.
 * Check forks every test and applies its timeout. Results go out as TAP for tests/run. */
#ifndef HS_TESTS_CHECK_H
#define HS_TESTS_CHECK_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Skip the current test with a reason (a missing kernel feature, say). Under CI (CI=true)
 * a skip is a failure, so nothing is skipped silently there. tests/run turns the record
 * written to $HS_SKIP_LOG into a TAP "# SKIP" line. */
#define HS_SKIP(...)                                                                               \
	do {                                                                                       \
		char _hs_reason[512];                                                              \
		snprintf(_hs_reason, sizeof(_hs_reason), __VA_ARGS__);                             \
		const char *_ci = getenv("CI");                                                    \
		if (_ci && strcmp(_ci, "true") == 0)                                               \
			ck_abort_msg("skip not allowed under CI: %s", _hs_reason);                 \
		const char *_log = getenv("HS_SKIP_LOG");                                          \
		FILE *_f = _log ? fopen(_log, "a") : NULL;                                         \
		if (_f) {                                                                          \
			fprintf(_f, "%s\t%s\n", __func__, _hs_reason);                             \
			fclose(_f);                                                                \
		}                                                                                  \
		return;                                                                            \
	} while (0)

#define HS_CHECK_MAIN                                                                              \
	int main(void)                                                                             \
	{                                                                                          \
		SRunner *sr = srunner_create(hs_test_suite());                                     \
		const char *tap = getenv("HS_TAP");                                                \
		int failed;                                                                        \
		srunner_set_tap(sr, tap ? tap : "-");                                              \
		srunner_run_all(sr, tap ? CK_NORMAL : CK_SILENT);                                  \
		failed = srunner_ntests_failed(sr);                                                \
		srunner_free(sr);                                                                  \
		return failed ? 1 : 0;                                                             \
	}

Suite *hs_test_suite(void);

#endif
