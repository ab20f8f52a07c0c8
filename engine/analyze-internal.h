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
 */
#ifndef HS_ENGINE_ANALYZE_INTERNAL_H
#define HS_ENGINE_ANALYZE_INTERNAL_H

#include <stddef.h>

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
/* The table so far (entries[0..n), borrowed). */
const struct hs_analysis *hs_analyzer_table(const struct hs_analyzer *z);
/* Clear the node pointers of entries[from..n) (their tree is about to be freed). */
void hs_analyzer_forget_nodes(struct hs_analyzer *z, size_t from);
/* The table; frees z. NULL with err set if anything ran out of memory. */
struct hs_analysis *hs_analyzer_finish(struct hs_analyzer *z, struct hs_error *err);
/* Without a table (error paths). NULL is a no-op. */
void hs_analyzer_free(struct hs_analyzer *z);

#endif
