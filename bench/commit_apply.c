/* bench/commit.sh's driver: commit one upper onto one target through the library.
 * usage: commit_apply [-c] UPPER TARGET   (-c: HS_COMMIT_COPY) */
#include "engine/commit/commit.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	struct hs_error err = HS_ERROR_INIT;
	unsigned flags = 0;
	int i = 1;

	if (argc > 1 && strcmp(argv[1], "-c") == 0) {
		flags = HS_COMMIT_COPY;
		i++;
	}
	if (argc - i != 2) {
		fputs("usage: commit_apply [-c] UPPER TARGET\n", stderr);
		return 2;
	}
	struct hs_commit_layer l = {argv[i], argv[i + 1]};
	if (hs_commit_apply(&l, 1, NULL, flags, &err) < 0) {
		fprintf(stderr, "commit_apply: %s\n", err.msg);
		return 1;
	}
	return 0;
}
