/* Private to engine/: the node finder in steps, for a script parsed command by command
 * (hs_parse_each) rather than kept whole. hs_analyze() is these steps on a whole tree.
 *
 *   z = hs_analyzer_new(src, len, filename, err);
 *   hs_analyzer_scan(z, andor) for every top-level command, in order (keep the nodes of those
 *       for which it returns 1: they hold function bodies, walked again by summarize);
 *   hs_analyzer_summarize(z);
 *   hs_analyzer_add(z, andor) for every top-level command again, in order (a fresh parse is
 *       fine: only the function bodies given to scan must still be alive);
 *   a = hs_analyzer_finish(z, err);
 *
 * or in one pass (engine/rewrite.c), where only the commands that call a function may need to
 * be parsed and analysed again:
 *
 *   hs_analyzer_stream_begin(z);
 *   hs_analyzer_step(z, andor, &dirty, uses) for every top-level command, in order: its
 *       entries are final unless dirty (it names a function not defined yet) or it used
 *       function summaries (uses[0] < uses[1]) that hs_analyzer_uses_current finds changed
 *       at the end; keep the nodes of those for which it returns 1;
 *   hs_analyzer_stream_end(z): -1 if the guess of function names missed one (start over with
 *       the two passes), 1 if the refusal check must be walked again (hs_analyzer_refusal_walk
 *       over every command until it returns 1; fresh parse fine);
 *   hs_analyzer_redo(z, andor, from, n) for every command to do again: its n entries;
 *   a = hs_analyzer_finish(z, err);
 */
#ifndef HS_ENGINE_ANALYZE_INTERNAL_H
#define HS_ENGINE_ANALYZE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

#include "engine/analyze.h"

struct hs_analyzer;

/* NULL with err set when out of memory. src must outlive the analysis. */
struct hs_analyzer *hs_analyzer_new(const char *src, size_t len, const char *filename,
				    struct hs_error *err);
/* First pass over a list of top-level ANDORs: variables holding the script's path, function
 * definitions. Returns 1 if the list defines a function (its nodes must stay alive until
 * hs_analyzer_finish). */
int hs_analyzer_scan(struct hs_analyzer *z, const struct hs_node *andors);
/* Between the passes: what a call of each function reads. */
void hs_analyzer_summarize(struct hs_analyzer *z);
/* Second pass: append the entries of a list of top-level ANDORs to the table (and note a
 * script refusal found in it). */
void hs_analyzer_add(struct hs_analyzer *z, const struct hs_node *andors);
/* One-pass mode: see the top of this file. */
void hs_analyzer_stream_begin(struct hs_analyzer *z);
int hs_analyzer_step(struct hs_analyzer *z, const struct hs_node *andor, int *dirty,
		     size_t *uses);
int hs_analyzer_stream_end(struct hs_analyzer *z);
/* After hs_analyzer_stream_end: whether the function summaries a step used (uses[0..1) as it
 * set them) are still those of the end; if not, its entries must be done again. */
int hs_analyzer_uses_current(const struct hs_analyzer *z, size_t from, size_t to);
/* Returns 1 once the script is refused. */
int hs_analyzer_refusal_walk(struct hs_analyzer *z, const struct hs_node *andor);
/* Rebuild entries[from..from+n) from andor (the command that made them). -1 if it made a
 * different number of entries (cannot happen: the count follows the tree alone). */
int hs_analyzer_redo(struct hs_analyzer *z, const struct hs_node *andor, size_t from, size_t n);
/* The table so far (entries[0..n), borrowed). */
const struct hs_analysis *hs_analyzer_table(const struct hs_analyzer *z);
/* The caller wants no table, only the rewriter's input: the entries get no name, redirections,
 * word list, assigns or calls, only nodes their vars, and outside for loops an entry that
 * cannot be a node not even the flags of what it reads. The caller drops the entries it is
 * done with (hs_analyzer_drop); hs_analyzer_finish returns a table with none (n == 0). */
void hs_analyzer_lean(struct hs_analyzer *z);
/* Drop entries[from..n) (the last ones): the next entry's id still counts them. */
void hs_analyzer_drop(struct hs_analyzer *z, size_t from);
/* Clear the node pointers of entries[from..to) (their tree is about to be freed). */
void hs_analyzer_forget_nodes(struct hs_analyzer *z, size_t from, size_t to);
/* The table; frees z. NULL with err set if anything ran out of memory. */
struct hs_analysis *hs_analyzer_finish(struct hs_analyzer *z, struct hs_error *err);
/* Without a table (error paths). NULL is a no-op. */
void hs_analyzer_free(struct hs_analyzer *z);

/* Fault in the pages of [p, p+n) (whole pages inside it) with one call: page by page, the
 * faults of a large table or buffer cost more than filling it. Advice only (a kernel without
 * MADV_POPULATE_WRITE: ignored). */
static inline void hs_prefault(void *p, size_t n)
{
#ifdef MADV_POPULATE_WRITE
	uintptr_t page = 4096;
	uintptr_t start = ((uintptr_t)p + page - 1) & ~(page - 1);
	uintptr_t end = ((uintptr_t)p + n) & ~(page - 1);
	if (end > start)
		madvise((void *)start, end - start, MADV_POPULATE_WRITE);
#else
	(void)p;
	(void)n;
#endif
}

#endif
