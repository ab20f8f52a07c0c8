/* Speculative runs. Until the sandbox and the tracer are in this build, no run can start:
 * every node is answered "run" and the script runs exactly as under the plain shell. */
#include "scheduler/runner.h"

#include <errno.h>

int hs_runner_probe(struct hs_error *err)
{
	return hs_error_set(err, ENOSYS, "the sandbox and the tracer are not in this build") + 1;
}

struct hs_runner *hs_runner_start(const struct hs_run_req *req, struct hs_error *err)
{
	(void)req;
	hs_error_set(err, ENOSYS, "speculative runs are not in this build");
	return NULL;
}

void hs_runner_fds(const struct hs_runner *r, int fds[2])
{
	(void)r;
	fds[0] = fds[1] = -1;
}

int hs_runner_handle(struct hs_runner *r, struct hs_error *err)
{
	(void)r;
	return hs_error_set(err, ENOSYS, "no runs");
}

int hs_runner_status(const struct hs_runner *r)
{
	(void)r;
	return 255;
}

bool hs_runner_clean(struct hs_runner *r, const char **why)
{
	(void)r;
	*why = "no runs in this build";
	return false;
}

bool hs_runner_reads_valid(struct hs_runner *r, const char **path)
{
	(void)r;
	*path = NULL;
	return false;
}

bool hs_runner_read_any(struct hs_runner *r, char *const *paths, size_t n)
{
	(void)r, (void)paths, (void)n;
	return true;
}

int hs_runner_commit(struct hs_runner *r, struct hs_error *err)
{
	(void)r;
	return hs_error_set(err, ENOSYS, "no runs");
}

void hs_runner_free(struct hs_runner *r)
{
	(void)r;
}
