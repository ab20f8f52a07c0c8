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
	/* a released chunk of the standard size, zeroed, for the next one needed: a command
	 * that overflows its chunk does not allocate and clear a fresh one each time */
	struct hs_arena_chunk *spare;
};

struct hs_arena_mark {
	struct hs_arena_chunk *chunk;
	size_t used;
};

/* hs_arena_alloc when the current chunk is full: n (a multiple of 8) from a new one. */
void *hs_arena_alloc_chunk(struct hs_arena *a, size_t n);

/* Zeroed, 8-byte aligned memory that lives until hs_arena_free; NULL when out of memory.
 * Inline: the parser takes every node from it. */
static inline void *hs_arena_alloc(struct hs_arena *a, size_t n)
{
	struct hs_arena_chunk *c = a->cur;

	n = (n + 7) & ~(size_t)7;
	if (!c || c->size - c->used < n)
		return hs_arena_alloc_chunk(a, n);
	void *m = c->data + c->used;
	c->used += n;
	return m;
}
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

/* The children of a node in the order hs_ast_walk visits them: the child lists in source
 * order, SIMPLE's assigns, words and redirs merged by start offset (they interleave), or
 * unless ordered one list after the other (for a walk that only gathers). For walks
 * specialised to one visitor (engine/analyze.c), with no call per node. The lists are those
 * of child_lists in engine/ast.c (the dumps): keep the two in step. */
struct hs_child_iter {
	struct hs_node *h[4];
	int k, i, simple;
};

__attribute__((always_inline)) static inline void hs_child_iter_init(struct hs_child_iter *it,
								     const struct hs_node *n,
								     int ordered)
{
	it->k = 0;
	it->i = 0;
	it->simple = 0;
#define H(x) it->h[it->k++] = (x)
	switch (n->kind) {
	case HS_NODE_WORD:
		H(((const struct hs_node_word *)n)->parts);
		break;
	case HS_NODE_LIT:
	case HS_NODE_SQUOTE:
		break;
	case HS_NODE_PROGRAM:
		H(((const struct hs_node_program *)n)->body);
		break;
	case HS_NODE_ANDOR:
		H(((const struct hs_node_andor *)n)->pipelines);
		break;
	case HS_NODE_PIPELINE:
		H(((const struct hs_node_pipeline *)n)->cmds);
		break;
	case HS_NODE_SIMPLE: {
		const struct hs_node_simple *s = (const void *)n;
		/* prefix assignments all come before the first word: only redirections
		 * interleave with them */
		it->simple = ordered && s->redirs && (s->assigns || s->words);
		H(s->assigns);
		H(s->words);
		H(s->redirs);
		break;
	}
	case HS_NODE_SUBSHELL:
	case HS_NODE_GROUP:
		H(((const struct hs_node_compound *)n)->body);
		H(((const struct hs_node_compound *)n)->redirs);
		break;
	case HS_NODE_IF: {
		const struct hs_node_if *f = (const void *)n;
		H(f->cond);
		H(f->then_body);
		H(f->else_body);
		H(f->redirs);
		break;
	}
	case HS_NODE_WHILE:
	case HS_NODE_UNTIL:
		H(((const struct hs_node_loop *)n)->cond);
		H(((const struct hs_node_loop *)n)->body);
		H(((const struct hs_node_loop *)n)->redirs);
		break;
	case HS_NODE_FOR:
	case HS_NODE_SELECT:
	case HS_NODE_ARITH_FOR:
		H(((const struct hs_node_for *)n)->words);
		H(((const struct hs_node_for *)n)->body);
		H(((const struct hs_node_for *)n)->redirs);
		break;
	case HS_NODE_CASE:
		H(((const struct hs_node_case *)n)->word);
		H(((const struct hs_node_case *)n)->items);
		H(((const struct hs_node_case *)n)->redirs);
		break;
	case HS_NODE_CASE_ITEM:
		H(((const struct hs_node_case_item *)n)->patterns);
		H(((const struct hs_node_case_item *)n)->body);
		break;
	case HS_NODE_FUNCDEF:
		H(((const struct hs_node_funcdef *)n)->body);
		break;
	case HS_NODE_DBRACKET:
	case HS_NODE_ARITH_CMD:
		H(((const struct hs_node_bash_cmd *)n)->words);
		H(((const struct hs_node_bash_cmd *)n)->redirs);
		break;
	case HS_NODE_COPROC:
		H(((const struct hs_node_coproc *)n)->body);
		H(((const struct hs_node_coproc *)n)->redirs);
		break;
	case HS_NODE_ASSIGN:
		H(((const struct hs_node_assign *)n)->subscript);
		H(((const struct hs_node_assign *)n)->value);
		break;
	case HS_NODE_REDIR:
		H(((const struct hs_node_redir *)n)->target);
		H(((const struct hs_node_redir *)n)->heredoc);
		break;
	case HS_NODE_DQUOTE:
	case HS_NODE_LOCALE:
	case HS_NODE_EXTGLOB:
		H(((const struct hs_node_quoted *)n)->parts);
		break;
	case HS_NODE_PARAM:
		H(((const struct hs_node_param *)n)->subscript);
		H(((const struct hs_node_param *)n)->arg);
		break;
	case HS_NODE_CMDSUB:
	case HS_NODE_PROCSUB:
		H(((const struct hs_node_cmdsub *)n)->body);
		break;
	case HS_NODE_ARITH:
		H(((const struct hs_node_arith *)n)->expr);
		break;
	case HS_NODE_ARRAY:
		H(((const struct hs_node_array *)n)->elems);
		break;
	default:
		break;
	}
#undef H
}

/* The next child, or NULL after the last. */
static inline struct hs_node *hs_child_iter_next(struct hs_child_iter *it)
{
	struct hs_node *c;
	if (it->simple) {
		int best = -1;
		for (int i = 0; i < 3; i++)
			if (it->h[i] && (best < 0 || it->h[i]->range.start < it->h[best]->range.start))
				best = i;
		if (best < 0)
			return NULL;
		c = it->h[best];
		it->h[best] = c->next;
		return c;
	}
	while (it->i < it->k && !it->h[it->i])
		it->i++;
	if (it->i == it->k)
		return NULL;
	c = it->h[it->i];
	it->h[it->i] = c->next;
	return c;
}

#endif
