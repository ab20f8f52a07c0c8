/* Private to engine/: the arena that owns a tree's nodes, and helpers shared by parse.c and
 * ast.c. */
#ifndef HS_ENGINE_AST_INTERNAL_H
#define HS_ENGINE_AST_INTERNAL_H

#include <stddef.h>

#include "engine/ast.h"

struct hs_arena_chunk {
	struct hs_arena_chunk *prev;
	size_t size, used;
	char data[];
};

struct hs_arena {
	struct hs_arena_chunk *cur;
};

struct hs_arena_mark {
	struct hs_arena_chunk *chunk;
	size_t used;
};

/* Zeroed, 8-byte aligned memory that lives until hs_arena_free; NULL when out of memory. */
void *hs_arena_alloc(struct hs_arena *a, size_t n);
void hs_arena_free(struct hs_arena *a);
struct hs_arena_mark hs_arena_mark(const struct hs_arena *a);
/* Free everything allocated after the mark. */
void hs_arena_release(struct hs_arena *a, struct hs_arena_mark m);

/* hs_parse_each with the arena owned by the caller, who frees it (hs_arena_free) after the
 * last use of a kept node, also on error. Commands come in batches (those of one line that
 * share its here-documents); idx is the command's place in its batch, from 0. fn sets *keep
 * to keep the nodes of the batch in the arena instead of freeing them after it. */
typedef int (*hs_parse_keep_fn)(const struct hs_node *andor, const char *src, void *ctx,
				unsigned idx, int *keep);
int hs_parse_each_keep(const char *src, size_t len, const char *filename, unsigned flags,
		       hs_parse_keep_fn fn, void *ctx, struct hs_arena *arena,
		       struct hs_error *err);

/* Parse again the batches that start at starts[0..n) (the start offsets of their first
 * commands, as an earlier hs_parse_each_keep delivered them, in increasing order), delivering
 * their commands to fn; keep is ignored. Returns fn's nonzero value, 0, or -1 (err set). */
int hs_parse_batches(const char *src, size_t len, const char *filename, unsigned flags,
		     const size_t *starts, size_t n_starts, hs_parse_keep_fn fn, void *ctx,
		     struct hs_error *err);

#endif
