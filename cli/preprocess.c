/* hs preprocess: print the rewritten script, its node table, or the runtime prelude. */
#include "cli/commands.h"
#include "engine/analyze.h"
#include "engine/rewrite.h"
#include "lib/error.h"
#include "lib/util.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
	fputs("usage: hs preprocess [--nodes] [--explain] [--any-size] FILE|-\n"
	      "       hs preprocess --runtime\n"
	      "Prints the script as hs hands it to the shell: each speculatable command wrapped\n"
	      "in a runtime call, for-loops announcing their word list, line numbers kept.\n"
	      "  --nodes     print the node table as JSON instead\n"
	      "  --explain   print one line per command to stderr: where, kind, node or why not\n"
	      "  --any-size  rewrite scripts over 120 KiB too (hs itself runs them unchanged)\n"
	      "  --runtime   print the one-line shell runtime prepended to line 1\n"
	      "A script that cannot be rewritten safely is printed unchanged; a note on stderr\n"
	      "says why. Exit status: 0, 1 on a read error, 2 on bad usage.\n",
	      out);
}

static void explain(const struct hs_analysis *a, const char *file)
{
	for (size_t i = 0; i < a->n; i++) {
		const struct hs_cmd *c = &a->cmds[i];
		fprintf(stderr, "%s:%u:%u: #%u %s: %s%s%s", file, c->range.line, c->range.col, c->id,
			hs_cmd_kind_name(c->kind),
			(c->flags & HS_CMD_F_SPECULATE) ? "node" : "inline",
			c->reason ? " - " : "", c->reason ? c->reason : "");
		if (c->kind == HS_CMD_FOR && (c->flags & HS_CMD_F_ANNOUNCED))
			fputs(" (list announced)", stderr);
		if (c->n_vars) {
			fputs(" [reads", stderr);
			for (size_t j = 0; j < c->n_vars; j++)
				fprintf(stderr, " %s", c->vars[j]);
			fputc(']', stderr);
		}
		fputc('\n', stderr);
	}
}

int cmd_preprocess(int argc, char **argv)
{
	int nodes = 0, expl = 0;
	unsigned flags = 0;
	const char *file = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--runtime") == 0) {
			const char *p = hs_runtime_prelude();
			if (!p)
				hs_die(1, "preprocess: out of memory");
			printf("%s\n", p);
			return fflush(stdout) == 0 ? 0 : 1;
		} else if (strcmp(a, "--nodes") == 0) {
			nodes = 1;
		} else if (strcmp(a, "--explain") == 0) {
			expl = 1;
		} else if (strcmp(a, "--any-size") == 0) {
			flags |= HS_REWRITE_ANY_SIZE;
		} else if (a[0] == '-' && a[1] != '\0') {
			hs_warn("preprocess: unknown option %s", a);
			usage(stderr);
			return 2;
		} else if (file) {
			hs_warn("preprocess: more than one file");
			return 2;
		} else {
			file = a;
		}
	}
	if (!file) {
		usage(stderr);
		return 2;
	}
	_cleanup_close_ int fd = strcmp(file, "-") == 0 ? dup(0) : open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		hs_die(1, "preprocess: %s: %m", file);
	size_t len;
	_cleanup_free_ char *src = hs_read_all(fd, &len);
	if (!src)
		hs_die(1, "preprocess: %s: %m", file);
	if (!nodes && !expl)
		flags |= HS_REWRITE_NO_TABLE;
	struct hs_error err = HS_ERROR_INIT;
	struct hs_rewrite *rw = hs_rewrite_script(src, len, file, flags, &err);
	if (!rw)
		hs_die(1, "preprocess: %s", err.msg);
	if (rw->refused)
		fprintf(stderr, "hs: preprocess: %s runs unchanged: %s%s%s\n", file, rw->refused,
			rw->refused_where[0] ? ": " : "", rw->refused_where);
	if (expl && rw->analysis)
		explain(rw->analysis, file);
	int rc = 0;
	if (nodes) {
		if (rw->analysis) {
			rc = hs_analysis_json(rw->analysis, stdout);
		} else {
			fprintf(stdout, "{\"version\":2,\"refused\":\"%s\",\"commands\":[]}\n", rw->refused);
		}
	} else {
		fwrite(rw->text, 1, rw->len, stdout);
	}
	hs_rewrite_free(rw);
	if (fflush(stdout) != 0 || rc < 0)
		return 1;
	return 0;
}
