/* hs parse [--json] [-n] FILE: parse a script and print its syntax tree, or the first syntax
 * error as "file:line:col: message" (exit 2). -n checks only, like dash -n (streaming: memory
 * bounded by the largest command). FILE "-" reads stdin. */
#include "cli/commands.h"
#include "engine/ast.h"
#include "lib/error.h"
#include "lib/util.h"

#include <fcntl.h>
#include <string.h>

static int count_fn(const struct hs_node *andor, const char *src, void *ctx)
{
	(void)andor;
	(void)src;
	(*(size_t *)ctx)++;
	return 0;
}

/* --verify FILE...: parse each file and check its ranges (hs_ast_verify). Prints one line per
 * file ("ok", "rejected: <error>", "BROKEN: <what>") and a summary; exit 1 if any is BROKEN. */
static int verify_files(int n, char **files, unsigned flags)
{
	size_t ok = 0, rejected = 0, broken = 0;

	for (int i = 0; i < n; i++) {
		struct hs_error err = HS_ERROR_INIT;
		_cleanup_close_ int fd = open(files[i], O_RDONLY | O_CLOEXEC);
		_cleanup_free_ char *src = NULL;
		size_t len;
		if (fd < 0 || !(src = hs_read_all(fd, &len))) {
			printf("unreadable %s: %m\n", files[i]);
			continue;
		}
		struct hs_ast *ast = hs_parse(src, len, files[i], flags, &err);
		if (!ast) {
			printf("rejected %s\n", err.msg);
			rejected++;
			continue;
		}
		if (hs_ast_verify(ast, &err) < 0) {
			printf("BROKEN %s: %s\n", files[i], err.msg);
			broken++;
		} else {
			printf("ok %s\n", files[i]);
			ok++;
		}
		hs_ast_free(ast);
	}
	printf("%zu parsed, %zu rejected, %zu broken\n", ok, rejected, broken);
	return broken ? 1 : 0;
}

int cmd_parse(int argc, char **argv)
{
	int json = 0, check = 0, posix = 0;
	const char *file = NULL;
	struct hs_error err = HS_ERROR_INIT;
	_cleanup_free_ char *src = NULL;
	_cleanup_close_ int fd = -1;
	size_t len;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "-n") == 0 || strcmp(argv[i], "--check") == 0)
			check = 1;
		else if (strcmp(argv[i], "--verify") == 0)
			return verify_files(argc - i - 1, argv + i + 1, 0);
		else if (strcmp(argv[i], "--posix") == 0)
			posix = 1;
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			puts("usage: hs parse [--json] [-n|--check] [--posix] FILE\n"
			     "       hs parse --verify FILE...\n"
			     "Prints the syntax tree of a shell script (JSON with --json); -n only checks\n"
			     "the syntax. A syntax error prints file:line:col: message and exits 2.");
			return 0;
		} else if (!file && (argv[i][0] != '-' || strcmp(argv[i], "-") == 0))
			file = argv[i];
		else {
			hs_warn("parse: unknown argument: %s", argv[i]);
			return 2;
		}
	}
	if (!file) {
		hs_warn("usage: hs parse [--json] [-n] FILE");
		return 2;
	}
	if (strcmp(file, "-") == 0) {
		fd = dup(0);
		file = "<stdin>";
	} else {
		fd = open(file, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0) {
		hs_warn("parse: %s: %m", file);
		return 2;
	}
	src = hs_read_all(fd, &len);
	if (!src) {
		hs_warn("parse: %s: %m", file);
		return 2;
	}
	unsigned flags = posix ? HS_PARSE_POSIX : 0;
	if (check) {
		size_t n = 0;
		if (hs_parse_each(src, len, file, flags, count_fn, &n, &err) < 0) {
			fprintf(stderr, "%s\n", err.msg);
			return 2;
		}
		return 0;
	}
	struct hs_ast *ast = hs_parse(src, len, file, flags, &err);
	if (!ast) {
		fprintf(stderr, "%s\n", err.msg);
		return 2;
	}
	int r = json ? hs_ast_dump_json(&ast->root->base, src, stdout)
		     : hs_ast_dump(&ast->root->base, src, stdout);
	hs_ast_free(ast);
	if (fflush(stdout) != 0 || r < 0) {
		hs_warn("parse: write: %m");
		return 1;
	}
	return 0;
}
