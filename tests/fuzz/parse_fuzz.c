/* libFuzzer target for the shell parser: any input must parse or fail cleanly (no crash, leak,
 * hang, sanitizer report), a tree must pass hs_ast_verify, and the streaming parse must agree
 * with the whole-file parse on success. Build and run: make fuzz-parse [FUZZ_TIME=600]. */
#include "engine/ast.h"
#include "lib/error.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int count_cb(const struct hs_node *n, const char *src, void *ctx)
{
	(void)n;
	(void)src;
	(*(size_t *)ctx)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	struct hs_error err = HS_ERROR_INIT;
	const char *src = (const char *)data;
	size_t n_stream = 0, n_tree = 0;

	if (!null)
		null = fopen("/dev/null", "w");
	for (unsigned flags = 0; flags <= HS_PARSE_POSIX; flags += HS_PARSE_POSIX) {
		n_tree = n_stream = 0;
		struct hs_ast *ast = hs_parse(src, size, "fuzz", flags, &err);
		int rs = hs_parse_each(src, size, "fuzz", flags, count_cb, &n_stream, &err);
		if (!ast) {
			if (rs == 0) {
				fprintf(stderr, "whole-file parse failed but streaming succeeded\n");
				abort();
			}
			continue;
		}
		if (rs != 0) {
			fprintf(stderr, "streaming parse failed: %s\n", err.msg);
			abort();
		}
		if (hs_ast_verify(ast, &err) < 0) {
			fprintf(stderr, "verify: %s\n", err.msg);
			abort();
		}
		for (const struct hs_node *n = ast->root->body; n; n = n->next)
			n_tree++;
		if (n_tree != n_stream) {
			fprintf(stderr, "stream saw %zu commands, tree has %zu\n", n_stream, n_tree);
			abort();
		}
		if (null) {
			hs_ast_dump_json(&ast->root->base, src, null);
			hs_ast_dump(&ast->root->base, src, null);
		}
		hs_ast_free(ast);
	}
	return 0;
}
