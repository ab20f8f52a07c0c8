/* The rewriter: turns a script into the text the real shell runs under hs
 * (docs/runtime-protocol.md), and the embedded shell runtime. */
#ifndef HS_ENGINE_REWRITE_H
#define HS_ENGINE_REWRITE_H

#include <stddef.h>

struct hs_error;
struct hs_analysis;
struct hs_ast;

/* Scripts larger than this run unchanged: `dash -c TEXT` is limited by MAX_ARG_STRLEN. */
#define HS_REWRITE_MAX_SIZE (120 * 1024)

/* hs_rewrite_script flags */
#define HS_REWRITE_ANY_SIZE (1u << 0) /* no size limit (hs preprocess, benchmarks) */
/* no table: analysis->n is 0 (the text alone is wanted; a large script's table costs more
 * memory than the rest) */
#define HS_REWRITE_NO_TABLE (1u << 1)

struct hs_rewrite {
	char *text; /* the script the shell runs: rewritten, or a copy of the original */
	size_t len;
	const char *refused;	  /* NULL, or why the script runs unchanged (static text) */
	char refused_where[256]; /* "file:line:col" of the cause (parse errors: the message) */
	struct hs_ast *ast;	  /* always NULL: the script is parsed command by command, and
				     no tree is kept (see analysis->cmds[].node) */
	struct hs_analysis *analysis; /* NULL when the size limit or a parse error refused it */
	unsigned n_nodes;	      /* wrapped nodes */
	unsigned n_loops;	      /* announced for loops */
};

/* Parse, analyse and rewrite src[0..len). src must outlive the result (the AST points into
 * it). A script that cannot be rewritten safely is not an error: the result then holds a
 * copy of the original and `refused` says why. Returns NULL with err set only when out of
 * memory. Free with hs_rewrite_free (NULL is a no-op). */
struct hs_rewrite *hs_rewrite_script(const char *src, size_t len, const char *filename,
				     unsigned flags, struct hs_error *err);
void hs_rewrite_free(struct hs_rewrite *rw);

/* engine/runtime.sh as embedded at build time (NUL-terminated, static). */
const char *hs_runtime_source(void);

/* The runtime as one line (no newline), ready to prepend to line 1; ends with "; ".
 * Static storage; NULL only if out of memory. */
const char *hs_runtime_prelude(void);

#endif
