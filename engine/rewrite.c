/* The rewriter (engine/rewrite.h): wraps every node of the analysis in a runtime call and
 * makes announced for-loops send their word list, keeping every line on its line number and
 * every other byte as it was. The emitted forms are specified in docs/runtime-protocol.md. */
#include "engine/rewrite.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/analyze.h"
#include "engine/ast.h"
#include "lib/error.h"
#include "lib/util.h"

/* ---- a growable buffer ------------------------------------------------------------------ */

struct buf {
	char *p;
	size_t len, cap;
	int oom;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void buf_addf(struct buf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		b->oom = 1;
		return;
	}
	buf_add(b, tmp, (size_t)n);
}

/* ---- edits ------------------------------------------------------------------------------ */

/* Replace src[off, off+del) by text. Edits at one offset apply in creation order. */
struct edit {
	size_t off, del;
	size_t seq;
	char *text;
};

struct edits {
	struct edit *v;
	size_t n, cap;
	int oom;
};

static void edit_add(struct edits *e, size_t off, size_t del, struct buf *text)
{
	if (text->oom) {
		e->oom = 1;
		return;
	}
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 64;
		struct edit *v = realloc(e->v, cap * sizeof(*v));
		if (!v) {
			e->oom = 1;
			free(text->p);
			return;
		}
		e->v = v;
		e->cap = cap;
	}
	e->v[e->n] = (struct edit){off, del, e->n, text->p ? text->p : strdup("")};
	if (!e->v[e->n].text)
		e->oom = 1;
	e->n++;
	memset(text, 0, sizeof(*text));
}

static void edit_insert(struct edits *e, size_t off, const char *s)
{
	struct buf b = {0};
	buf_adds(&b, s);
	edit_add(e, off, 0, &b);
}

static int cmp_edit(const void *a, const void *b)
{
	const struct edit *x = a, *y = b;
	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* ---- emission --------------------------------------------------------------------------- */

static void wrap_node(struct edits *e, const struct hs_cmd *c)
{
	struct buf pre = {0}, post = {0};
	buf_addf(&pre, "if __hs_node %u %zu", c->id, c->n_vars);
	for (size_t i = 0; i < c->n_vars; i++)
		buf_addf(&pre, " \"${%s+1}\" \"${%s-}\"", c->vars[i], c->vars[i]);
	if (c->flags & HS_CMD_F_READS_POSITIONAL)
		buf_adds(&pre, " \"$@\"");
	buf_adds(&pre, "; then __hs_ret; else { ");
	edit_add(e, c->range.start, 0, &pre);
	buf_adds(&post, "; } 9>&-; fi");
	edit_add(e, c->range.end, 0, &post);
}

/* A command substitution of a for list that is hoisted into a temporary. */
static int hoistable(const struct hs_node *p, int in_dquote)
{
	(void)in_dquote;
	return p->kind == HS_NODE_CMDSUB;
}

static void announce_loop(struct edits *e, const char *src, const struct hs_cmd *c)
{
	const struct hs_node_for *f = HS_NODE_AS(hs_node_for, c->node);
	struct buf pre = {0}, list = {0};
	unsigned k = 0;
	for (const struct hs_node *w = f->words; w; w = w->next) {
		size_t pos = w->range.start;
		if (w != f->words)
			buf_add(&list, " ", 1);
		for (const struct hs_node *p = HS_NODE_AS(hs_node_word, w)->parts; p; p = p->next) {
			const struct hs_node *inner = p->kind == HS_NODE_DQUOTE
							      ? HS_NODE_AS(hs_node_quoted, p)->parts
							      : p;
			for (const struct hs_node *q = inner; q;
			     q = p->kind == HS_NODE_DQUOTE ? q->next : NULL) {
				if (!hoistable(q, p->kind == HS_NODE_DQUOTE))
					continue;
				k++;
				buf_addf(&pre, "if __hs_l%u_%u=", c->id, k);
				buf_add(&pre, src + q->range.start, q->range.end - q->range.start);
				buf_adds(&pre, "; then :; fi; ");
				buf_add(&list, src + pos, q->range.start - pos);
				struct buf var = {0};
				buf_addf(&var, "${__hs_l%u_%u}", c->id, k);
				buf_add(&list, var.p, var.len);
				edit_add(e, q->range.start, q->range.end - q->range.start, &var);
				pos = q->range.end;
			}
		}
		buf_add(&list, src + pos, w->range.end - pos);
	}
	buf_addf(&pre, "__hs_for %u", c->id);
	if (f->has_in) {
		if (list.len) {
			buf_add(&pre, " ", 1);
			buf_add(&pre, list.p, list.len);
		}
	} else {
		buf_adds(&pre, " \"$@\"");
	}
	buf_adds(&pre, "; ");
	free(list.p);
	if (list.oom)
		pre.oom = 1;
	edit_add(e, c->range.start, 0, &pre);
	if (f->body) {
		struct buf it = {0};
		buf_addf(&it, "__hs_iter %u \"${%.*s-}\"; ", c->id, (int)f->name_len, f->name);
		edit_add(e, f->body->range.start, 0, &it);
	}
}

static struct hs_rewrite *refuse(struct hs_rewrite *rw, const char *src, size_t len,
				 const char *why, const char *filename, const struct hs_node *at)
{
	rw->refused = why;
	if (at)
		snprintf(rw->refused_where, sizeof(rw->refused_where), "%s:%u:%u",
			 filename ? filename : "-", at->range.line, at->range.col);
	rw->text = malloc(len + 1);
	if (!rw->text) {
		hs_rewrite_free(rw);
		return NULL;
	}
	memcpy(rw->text, src, len);
	rw->text[len] = '\0';
	rw->len = len;
	return rw;
}

struct hs_rewrite *hs_rewrite_script(const char *src, size_t len, const char *filename,
				     unsigned flags, struct hs_error *err)
{
	struct hs_rewrite *rw = calloc(1, sizeof(*rw));
	if (!rw) {
		hs_error_errno(err, "rewrite");
		return NULL;
	}
	struct hs_rewrite *res = NULL;
	if (len > HS_REWRITE_MAX_SIZE && !(flags & HS_REWRITE_ANY_SIZE)) {
		res = refuse(rw, src, len, "the script is over 120 KiB", filename, NULL);
		goto out;
	}
	struct hs_error perr = HS_ERROR_INIT;
	rw->ast = hs_parse(src, len, filename, HS_PARSE_POSIX, &perr);
	if (!rw->ast) {
		res = refuse(rw, src, len, "parse error", filename, NULL);
		if (res)
			strlcpy(res->refused_where, perr.msg, sizeof(res->refused_where));
		goto out;
	}
	rw->analysis = hs_analyze(rw->ast, err);
	if (!rw->analysis) {
		hs_rewrite_free(rw);
		return NULL;
	}
	if (rw->analysis->refused) {
		res = refuse(rw, src, len, rw->analysis->refused, filename, NULL);
		if (res && rw->analysis->refused_line)
			snprintf(res->refused_where, sizeof(res->refused_where), "%s:%u:%u",
				 filename ? filename : "-", rw->analysis->refused_line,
				 rw->analysis->refused_col);
		goto out;
	}

	struct edits e = {0};
	const char *prelude = hs_runtime_prelude();
	if (!prelude)
		e.oom = 1;
	else
		edit_insert(&e, 0, prelude);
	const struct hs_analysis *a = rw->analysis;
	for (size_t i = 0; i < a->n; i++) {
		const struct hs_cmd *c = &a->cmds[i];
		if (c->flags & HS_CMD_F_SPECULATE) {
			wrap_node(&e, c);
			rw->n_nodes++;
		} else if (c->kind == HS_CMD_FOR && (c->flags & HS_CMD_F_ANNOUNCED)) {
			announce_loop(&e, src, c);
			rw->n_loops++;
		}
	}
	struct buf out = {0};
	if (!e.oom) {
		size_t total = len + 1;
		for (size_t i = 0; i < e.n; i++)
			total += strlen(e.v[i].text);
		buf_add(&out, "", 0);
		char *p = realloc(out.p, total);
		if (p) {
			out.p = p;
			out.cap = total;
		}
		qsort(e.v, e.n, sizeof(*e.v), cmp_edit);
		size_t pos = 0;
		for (size_t i = 0; i < e.n; i++) {
			if (e.v[i].off > pos)
				buf_add(&out, src + pos, e.v[i].off - pos);
			if (e.v[i].off >= pos) {
				buf_adds(&out, e.v[i].text);
				pos = e.v[i].off + e.v[i].del;
			}
		}
		if (pos < len)
			buf_add(&out, src + pos, len - pos);
	}
	for (size_t i = 0; i < e.n; i++)
		free(e.v[i].text);
	free(e.v);
	if (e.oom || out.oom) {
		free(out.p);
		hs_rewrite_free(rw);
		hs_error_set(err, ENOMEM, "rewrite");
		return NULL;
	}
	rw->text = out.p ? out.p : strdup("");
	rw->len = out.len;
	res = rw;
out:
	if (!res)
		hs_error_set(err, ENOMEM, "rewrite");
	return res;
}

void hs_rewrite_free(struct hs_rewrite *rw)
{
	if (!rw)
		return;
	free(rw->text);
	hs_analysis_free(rw->analysis);
	hs_ast_free(rw->ast);
	free(rw);
}
