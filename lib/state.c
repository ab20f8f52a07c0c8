#include "lib/state.h"
#include "lib/util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int hs_mkdir_p(const char *path, mode_t mode, struct hs_error *err)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return hs_error_set(err, ENAMETOOLONG, "mkdir %s", path);
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return hs_error_errno(err, "mkdir %s", buf);
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return hs_error_errno(err, "mkdir %s", buf);
	return 0;
}

char *hs_state_dir(struct hs_error *err)
{
	const char *env = getenv("HS_STATE_DIR");
	char *dir = NULL;
	int r;

	if (env && *env) {
		if (env[0] != '/') {
			hs_error_set(err, EINVAL, "HS_STATE_DIR must be an absolute path: %s", env);
			return NULL;
		}
		r = asprintf(&dir, "%s", env);
	} else if (geteuid() == 0) {
		r = asprintf(&dir, "/var/lib/hs");
	} else if ((env = getenv("XDG_STATE_HOME")) && env[0] == '/') {
		r = asprintf(&dir, "%s/hs", env);
	} else if ((env = getenv("HOME")) && env[0] == '/') {
		r = asprintf(&dir, "%s/.local/state/hs", env);
	} else {
		hs_error_set(err, ENOENT, "no state directory: set HS_STATE_DIR or HOME");
		return NULL;
	}
	if (r < 0) {
		hs_error_set(err, ENOMEM, "state directory");
		return NULL;
	}
	if (hs_mkdir_p(dir, 0700, err) < 0) {
		hs_error_prefix(err, "state directory");
		free(dir);
		return NULL;
	}
	return dir;
}
