/* bench/sandbox.sh's driver: N rounds of hs_sandbox_new + hs_sandbox_run(CMD) +
 * hs_sandbox_destroy, in one process (what the scheduler does). Prints mean ms per round,
 * then the mean of each phase. Usage: sandbox_loop N CMD [ARGS...] */
#include "sandbox/sandbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	struct hs_error err = HS_ERROR_INIT;
	double t_new = 0, t_run = 0, t_destroy = 0, t0, t1, t2, t3;
	int n;

	if (argc < 3 || (n = atoi(argv[1])) <= 0) {
		fprintf(stderr, "usage: sandbox_loop N CMD [ARGS...]\n");
		return 2;
	}
	for (int i = 0; i < n; i++) {
		struct hs_sandbox_cmd cmd = HS_SANDBOX_CMD_INIT;
		struct hs_sandbox *sb;
		int st;

		t0 = now_ms();
		if (!(sb = hs_sandbox_new(NULL, &err))) {
			fprintf(stderr, "sandbox_loop: %s\n", err.msg);
			return 1;
		}
		t1 = now_ms();
		cmd.argv = argv + 2;
		if ((st = hs_sandbox_run(sb, &cmd, &err)) != 0) {
			fprintf(stderr, "sandbox_loop: status %d %s\n", st, st < 0 ? err.msg : "");
			return 1;
		}
		t2 = now_ms();
		if (hs_sandbox_destroy(sb, &err) < 0) {
			fprintf(stderr, "sandbox_loop: %s\n", err.msg);
			return 1;
		}
		t3 = now_ms();
		t_new += t1 - t0;
		t_run += t2 - t1;
		t_destroy += t3 - t2;
	}
	printf("%.3f %.3f %.3f %.3f\n", (t_new + t_run + t_destroy) / n, t_new / n, t_run / n,
	       t_destroy / n);
	return 0;
}
