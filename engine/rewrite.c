/* The rewriter (engine/rewrite.h): wraps every node of the analysis in a runtime call and
 * makes announced for-loops send their word list, keeping every line on its line number and
 * every other byte as it was. The emitted forms are specified in docs/runtime-protocol.md. */
#include "engine/rewrite.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/analyze-internal.h"
#include "engine/analyze.h"
#include "engine/ast-internal.h"
#include "engine/ast.h"
#include "lib/error.h"
#include "lib/util.h"

/* ---- a growable buffer ------------------------------------------------------------------ */

struct buf {
	char *p;
	size_t len, cap;
	size_t prefaulted; /* bytes of p faulted in ahead (large buffers only) */
	int oom;
};

#define BUF_PREFAULT_STEP (1024 * 1024)

/* Room for n more bytes and the NUL: grow p, fault in the next pages of a large one. Returns
 * 0, or -1 (b->oom set, or set before). */
static int buf_grow(struct buf *b, size_t n)
{
	if (b->oom)
		return -1;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = 1;
			return -1;
		}
		b->p = p;
		b->cap = cap;
		if (b->prefaulted > b->len)
			b->prefaulted = b->len; /* realloc may have copied: only the text is in */
	}
	/* the output of a large script: its next stretch of pages at once */
	if (b->len + n + 1 > b->prefaulted && b->cap >= 4 * BUF_PREFAULT_STEP) {
		size_t from = b->prefaulted > b->len ? b->prefaulted : b->len;
		size_t end = b->len + n + 1 + BUF_PREFAULT_STEP;
		if (end > b->cap)
			end = b->cap;
		hs_prefault(b->p + from, end - from);
		b->prefaulted = end;
	}
	return 0;
}

/* Inline: wrapping a node adds a dozen short pieces. Most fit without buf_grow. */
static inline void buf_add(struct buf *b, const char *s, size_t n)
{
	if ((b->len + n >= b->cap ||
	     (b->len + n >= b->prefaulted && b->cap >= 4 * BUF_PREFAULT_STEP) || b->oom) &&
	    buf_grow(b, n) < 0)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* A number in decimal (wrapping every node: cheaper than printf). */
static void buf_addu(struct buf *b, unsigned v)
{
	char tmp[16];
	size_t i = sizeof(tmp);
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	buf_add(b, tmp + i, sizeof(tmp) - i);
}

/* ---- edits ------------------------------------------------------------------------------ */

/* Replace src[off, off+del) by text[t, t+tlen) of the edit list. Edits at one offset apply in
 * creation order (seq). The list holds one top-level command's edits at a time: they all lie
 * inside its range, so commands can be applied one after the other. */
struct edit {
	size_t off, del;
	size_t seq;
	size_t t, tlen;
};

struct edits {
	struct edit *v;
	size_t n, cap;
	struct buf text;
	int oom;
};

/* Record an edit whose text is e->text[t..end). */
static void edit_add(struct edits *e, size_t off, size_t del, size_t t)
{
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 64;
		struct edit *v = realloc(e->v, cap * sizeof(*v));
		if (!v) {
			e->oom = 1;
			return;
		}
		e->v = v;
		e->cap = cap;
	}
	e->v[e->n] = (struct edit){off, del, e->n, t, e->text.len - t};
	e->n++;
}

static void edit_add_buf(struct edits *e, size_t off, size_t del, const struct buf *b)
{
	size_t t = e->text.len;
	if (b->oom)
		e->oom = 1;
	buf_add(&e->text, b->p ? b->p : "", b->len);
	edit_add(e, off, del, t);
}

static int cmp_edit(const void *a, const void *b)
{
	const struct edit *x = a, *y = b;
	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Apply the edits to src[*pos..) into out and empty the list. */
static void edits_apply(struct edits *e, const char *src, size_t *pos, struct buf *out)
{
	int sorted = 1;
	for (size_t i = 1; i < e->n && sorted; i++)
		sorted = e->v[i - 1].off <= e->v[i].off;
	if (!sorted)
		qsort(e->v, e->n, sizeof(*e->v), cmp_edit);
	for (size_t i = 0; i < e->n; i++) {
		const struct edit *d = &e->v[i];
		if (d->off > *pos)
			buf_add(out, src + *pos, d->off - *pos);
		if (d->off >= *pos) {
			buf_add(out, e->text.p + d->t, d->tlen);
			*pos = d->off + d->del;
		}
	}
	if (e->text.oom)
		e->oom = 1;
	e->n = 0;
	e->text.len = 0;
}

/* ---- emission --------------------------------------------------------------------------- */

static void wrap_node(struct edits *e, const struct hs_cmd *c)
{
	struct buf *b = &e->text;
	size_t t = b->len;
	/* In a function body: the variant that checks it runs in the main shell (a function may
	 * be called from a subshell; docs/runtime-protocol.md, "Subshells"). */
	buf_adds(b, c->func ? "if __hs_fnode " : "if __hs_node ");
	buf_addu(b, c->id);
	buf_add(b, " ", 1);
	buf_addu(b, c->n_vars);
	for (size_t i = 0; i < c->n_vars; i++) {
		size_t n = strlen(c->vars[i]);
		buf_add(b, " \"${", 4);
		buf_add(b, c->vars[i], n);
		buf_add(b, "+1}\" \"${", 8);
		buf_add(b, c->vars[i], n);
		buf_add(b, "-}\"", 3);
	}
	if (c->flags & HS_CMD_F_READS_POSITIONAL)
		buf_adds(b, " \"$@\"");
	buf_adds(b, "; then __hs_ret; else { ");
	edit_add(e, c->range.start, 0, t);
	t = b->len;
	buf_adds(b, "; } 9>&-; fi");
	edit_add(e, c->range.end, 0, t);
}

/* The temporary holding the k-th hoisted command substitution of loop id: __hs_lID_K. */
static void buf_add_hoisted(struct buf *b, unsigned id, unsigned k)
{
	buf_adds(b, "__hs_l");
	buf_addu(b, id);
	buf_add(b, "_", 1);
	buf_addu(b, k);
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
				buf_adds(&pre, "if ");
				buf_add_hoisted(&pre, c->id, k);
				buf_add(&pre, "=", 1);
				buf_add(&pre, src + q->range.start, q->range.end - q->range.start);
				buf_adds(&pre, "; then :; fi; ");
				buf_add(&list, src + pos, q->range.start - pos);
				struct buf var = {0};
				buf_add(&var, "${", 2);
				buf_add_hoisted(&var, c->id, k);
				buf_add(&var, "}", 1);
				buf_add(&list, var.p, var.len);
				edit_add_buf(e, q->range.start, q->range.end - q->range.start, &var);
				free(var.p);
				pos = q->range.end;
			}
		}
		buf_add(&list, src + pos, w->range.end - pos);
	}
	buf_adds(&pre, c->func ? "__hs_ffor " : "__hs_for ");
	buf_addu(&pre, c->id);
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
	edit_add_buf(e, c->range.start, 0, &pre);
	free(pre.p);
	if (f->body) {
		struct buf it = {0};
		buf_adds(&it, c->func ? "__hs_fiter " : "__hs_iter ");
		buf_addu(&it, c->id);
		buf_add(&it, " \"${", 4);
		buf_add(&it, f->name, f->name_len);
		buf_adds(&it, "-}\"; ");
		edit_add_buf(e, f->body->range.start, 0, &it);
		free(it.p);
	}
}

/* ---- the passes ------------------------------------------------------------------------- */

/* The script is parsed command by command, so that the tree is never held whole. In one pass
 * (the usual case) each command is analysed and rewritten at once. A command that calls a
 * function leaves a "hole" in the output, its text aside: if it used a summary of a function
 * defined so far, that text stands unless the summary changes by the end; if it names a
 * function not defined yet, it is parsed and analysed again at the end, once the summaries
 * are known. If the guess of function names (hs_analyzer_stream_begin) missed one, the script
 * is done again in two passes: the first finds function definitions (whose nodes it keeps)
 * and the variables holding $0; the second builds each command's entries and applies its
 * edits. Either way the output and the table are the same. */
struct hole {
	size_t batch;	/* start of the first command of its batch (hs_parse_batches) */
	unsigned idx;	/* its place in the batch */
	size_t from, n; /* its entries */
	size_t out;	/* where its text goes in out */
	size_t text, text_len; /* its text in fin */
	size_t uses[2]; /* the function summaries it used (hs_analyzer_uses_current) */
	int redo;	/* parse and analyse it again at the end */
};

struct stream {
	struct hs_analyzer *z;
	struct hs_rewrite *rw;
	const char *src;
	struct edits e;
	struct buf out;
	size_t pos; /* src[0..pos) is in out */
	struct hole *holes;
	size_t n_holes, cap_holes;
	size_t batch; /* start of the current batch */
	size_t next;  /* fill_holes: the next hole */
	struct buf fin;
	int lean; /* HS_REWRITE_NO_TABLE */
	int oom;
};

static void stream_release(struct stream *st)
{
	free(st->e.v);
	free(st->e.text.p);
	free(st->out.p);
	free(st->holes);
	free(st->fin.p);
	hs_analyzer_free(st->z);
	memset(st, 0, sizeof(*st));
}

/* Edits for the entries [from, to) of the table. */
static void emit_entries(struct stream *st, const char *src, size_t from, size_t to)
{
	const struct hs_analysis *a = hs_analyzer_table(st->z);
	for (size_t i = from; i < to; i++) {
		const struct hs_cmd *c = &a->cmds[i];
		if (c->flags & HS_CMD_F_SPECULATE) {
			wrap_node(&st->e, c);
			st->rw->n_nodes++;
		} else if (c->kind == HS_CMD_FOR && (c->flags & HS_CMD_F_ANNOUNCED)) {
			announce_loop(&st->e, src, c);
			st->rw->n_loops++;
		}
	}
}

/* The entries [from, to) (the last ones of the table) are final and their edits made: the
 * table keeps them without their nodes, or drops them if none is wanted. */
static void entries_done(struct stream *st, size_t from, size_t to)
{
	if (st->lean)
		hs_analyzer_drop(st->z, from);
	else
		hs_analyzer_forget_nodes(st->z, from, to);
}

/* Room for the script, the prelude and a wrapper every ~60 bytes. */
static int start_output(struct stream *st, size_t len)
{
	const char *prelude = hs_runtime_prelude();
	if (!prelude)
		return -1;
	buf_add(&st->out, "", 0);
	char *p = realloc(st->out.p, len + len / 2 + 4096);
	if (p) {
		st->out.p = p;
		st->out.cap = len + len / 2 + 4096;
	}
	buf_adds(&st->out, prelude);
	return st->out.oom ? -1 : 0;
}

/* Apply the edits of one command to src[start..end) into fin. */
static void hole_text(struct stream *st, const char *src, struct hole *h, size_t start, size_t end)
{
	h->text = st->fin.len;
	size_t pos = start;
	edits_apply(&st->e, src, &pos, &st->fin);
	if (pos < end)
		buf_add(&st->fin, src + pos, end - pos);
	h->text_len = st->fin.len - h->text;
}

static int step_cmd(const struct hs_node *andor, const char *src, void *ctx, unsigned idx,
		    int *keep)
{
	struct stream *st = ctx;
	size_t from = hs_analyzer_table(st->z)->n;
	int dirty;
	size_t uses[2];
	if (idx == 0)
		st->batch = andor->range.start;
	if (hs_analyzer_step(st->z, andor, &dirty, uses))
		*keep = 1;
	size_t to = hs_analyzer_table(st->z)->n;
	if (!dirty && uses[0] == uses[1]) {
		emit_entries(st, src, from, to);
		edits_apply(&st->e, src, &st->pos, &st->out);
		entries_done(st, from, to);
		return 0;
	}
	/* A hole: its text goes to fin, now if it may stand, else at the end. */
	if (st->n_holes == st->cap_holes) {
		size_t cap = st->cap_holes ? st->cap_holes * 2 : 64;
		struct hole *v = realloc(st->holes, cap * sizeof(*v));
		if (!v) {
			st->oom = 1;
			return -1;
		}
		st->holes = v;
		st->cap_holes = cap;
	}
	if (andor->range.start > st->pos)
		buf_add(&st->out, src + st->pos, andor->range.start - st->pos);
	struct hole *h = &st->holes[st->n_holes++];
	*h = (struct hole){.batch = st->batch, .idx = idx, .from = from, .n = to - from,
			   .out = st->out.len, .uses = {uses[0], uses[1]}, .redo = dirty};
	if (!dirty) {
		emit_entries(st, src, from, to);
		hole_text(st, src, h, andor->range.start, andor->range.end);
	}
	hs_analyzer_forget_nodes(st->z, from, to);
	if (andor->range.end > st->pos)
		st->pos = andor->range.end;
	return 0;
}

static int refusal_cmd(const struct hs_node *andor, const char *src, void *ctx)
{
	(void)src;
	return hs_analyzer_refusal_walk(ctx, andor);
}

/* A command of a batch parsed again: if it is the next hole to do again, analyse it again
 * and put its text in fin. */
static int hole_cmd(const struct hs_node *andor, const char *src, void *ctx, unsigned idx,
		    int *keep)
{
	struct stream *st = ctx;
	(void)keep;
	if (idx == 0)
		st->batch = andor->range.start;
	while (st->next < st->n_holes && !st->holes[st->next].redo)
		st->next++;
	if (st->next >= st->n_holes)
		return 0;
	struct hole *h = &st->holes[st->next];
	if (h->batch != st->batch || h->idx != idx)
		return 0;
	st->next++;
	if (hs_analyzer_redo(st->z, andor, h->from, h->n) < 0)
		return -1;
	emit_entries(st, src, h->from, h->from + h->n);
	hole_text(st, src, h, andor->range.start, andor->range.end);
	hs_analyzer_forget_nodes(st->z, h->from, h->from + h->n);
	return 0;
}

/* Fill the holes: parse again the batches of those to do again and analyse them again (their
 * text goes to fin), then splice the holes' text into the output, in place from the end. */
static int fill_holes(struct stream *st, const char *src, size_t len, const char *filename)
{
	if (!st->n_holes)
		return 0;
	size_t *starts = malloc(st->n_holes * sizeof(*starts));
	if (!starts)
		return -1;
	size_t n = 0;
	for (size_t i = 0; i < st->n_holes; i++) {
		struct hole *h = &st->holes[i];
		if (!h->redo && !hs_analyzer_uses_current(st->z, h->uses[0], h->uses[1])) {
			h->redo = 1;
			/* its count of wrapped nodes and loops comes again */
			for (size_t k = h->from; k < h->from + h->n; k++) {
				const struct hs_cmd *c = &hs_analyzer_table(st->z)->cmds[k];
				if (c->flags & HS_CMD_F_SPECULATE)
					st->rw->n_nodes--;
				else if (c->kind == HS_CMD_FOR && (c->flags & HS_CMD_F_ANNOUNCED))
					st->rw->n_loops--;
			}
		}
		if (h->redo && (!n || starts[n - 1] != h->batch))
			starts[n++] = h->batch;
	}
	struct hs_error perr = HS_ERROR_INIT;
	int r = n ? hs_parse_batches(src, len, filename, HS_PARSE_POSIX, starts, n, hole_cmd, st,
				     &perr)
		  : 0;
	free(starts);
	while (st->next < st->n_holes && !st->holes[st->next].redo)
		st->next++;
	if (r != 0 || st->next != st->n_holes || st->fin.oom || st->out.oom)
		return -1;
	size_t texts = 0; /* fin may hold texts of holes done again: not all of it goes in */
	for (size_t i = 0; i < st->n_holes; i++)
		texts += st->holes[i].text_len;
	size_t total = st->out.len + texts;
	if (total + 1 > st->out.cap) {
		char *p = realloc(st->out.p, total + 1);
		if (!p)
			return -1;
		st->out.p = p;
		st->out.cap = total + 1;
	}
	/* hole i's text goes after the output before it, shifted by the holes before i */
	size_t end = st->out.len, shift = texts;
	for (size_t i = st->n_holes; i-- > 0;) {
		const struct hole *h = &st->holes[i];
		memmove(st->out.p + h->out + shift, st->out.p + h->out, end - h->out);
		shift -= h->text_len;
		memcpy(st->out.p + h->out + shift, st->fin.p + h->text, h->text_len);
		end = h->out;
	}
	st->out.len = total;
	st->out.p[total] = '\0';
	return 0;
}

static int scan_cmd(const struct hs_node *andor, const char *src, void *ctx, unsigned idx,
		    int *keep)
{
	struct stream *st = ctx;
	(void)src;
	(void)idx;
	if (hs_analyzer_scan(st->z, andor))
		*keep = 1;
	return 0;
}

static int rewrite_cmd(const struct hs_node *andor, const char *src, void *ctx)
{
	struct stream *st = ctx;
	size_t from = hs_analyzer_table(st->z)->n;
	hs_analyzer_add(st->z, andor);
	size_t to = hs_analyzer_table(st->z)->n;
	emit_entries(st, src, from, to);
	edits_apply(&st->e, src, &st->pos, &st->out);
	entries_done(st, from, to);
	return 0;
}

static struct hs_rewrite *refuse(struct hs_rewrite *rw, const char *src, size_t len,
				 const char *why, const char *filename, const struct hs_node *at,
				 struct hs_error *err)
{
	rw->refused = why;
	if (at)
		snprintf(rw->refused_where, sizeof(rw->refused_where), "%s:%u:%u",
			 filename ? filename : "-", at->range.line, at->range.col);
	rw->text = malloc(len + 1);
	if (!rw->text) {
		hs_rewrite_free(rw);
		hs_error_set(err, ENOMEM, "rewrite");
		return NULL;
	}
	memcpy(rw->text, src, len);
	rw->text[len] = '\0';
	rw->len = len;
	return rw;
}

static struct hs_rewrite *refuse_parse(struct hs_rewrite *rw, const char *src, size_t len,
				       const char *filename, const struct hs_error *perr,
				       struct hs_error *err)
{
	struct hs_rewrite *res = refuse(rw, src, len, "parse error", filename, NULL, err);
	if (res)
		strlcpy(res->refused_where, perr->msg, sizeof(res->refused_where));
	return res;
}

/* The table and output are complete in st: hand them over. */
static struct hs_rewrite *finish(struct stream *st, const char *src, size_t len,
				 const char *filename, struct hs_error *err)
{
	struct hs_rewrite *rw = st->rw;
	if (st->pos < len)
		buf_add(&st->out, src + st->pos, len - st->pos);
	if (fill_holes(st, src, len, filename) < 0)
		st->oom = 1;
	rw->analysis = hs_analyzer_finish(st->z, err);
	st->z = NULL;
	int oom = !rw->analysis || st->e.oom || st->out.oom || st->oom;
	struct buf out = st->out;
	st->out = (struct buf){0};
	stream_release(st);
	if (oom) {
		free(out.p);
		hs_rewrite_free(rw);
		hs_error_set(err, ENOMEM, "rewrite");
		return NULL;
	}
	if (rw->analysis->refused) {
		free(out.p);
		rw->n_nodes = rw->n_loops = 0;
		struct hs_rewrite *res =
			refuse(rw, src, len, rw->analysis->refused, filename, NULL, err);
		if (res && res->analysis->refused_line)
			snprintf(res->refused_where, sizeof(res->refused_where), "%s:%u:%u",
				 filename ? filename : "-", res->analysis->refused_line,
				 res->analysis->refused_col);
		return res;
	}
	rw->text = out.p;
	rw->len = out.len;
	return rw;
}

static struct hs_rewrite *fail(struct stream *st, struct hs_rewrite *rw, struct hs_error *err)
{
	stream_release(st);
	hs_rewrite_free(rw);
	hs_error_set(err, ENOMEM, "rewrite");
	return NULL;
}

/* A stream with its analyzer; NULL when out of memory. */
static struct hs_analyzer *stream_init(struct stream *st, struct hs_rewrite *rw, const char *src,
				       size_t len, const char *filename, unsigned flags,
				       struct hs_error *err)
{
	*st = (struct stream){.rw = rw, .src = src, .lean = !!(flags & HS_REWRITE_NO_TABLE)};
	st->z = hs_analyzer_new(src, len, filename, err);
	if (st->z && st->lean)
		hs_analyzer_lean(st->z);
	return st->z;
}

static struct hs_rewrite *rewrite_two_passes(struct hs_rewrite *rw, const char *src, size_t len,
					     const char *filename, unsigned flags,
					     struct hs_error *err)
{
	struct stream st;
	struct hs_arena kept = {0}; /* the first pass's function definitions */
	struct hs_error perr = HS_ERROR_INIT;
	if (!stream_init(&st, rw, src, len, filename, flags, err))
		return fail(&st, rw, err);
	if (hs_parse_each_keep(src, len, filename, HS_PARSE_POSIX, scan_cmd, &st, &kept, &perr) <
	    0) {
		hs_arena_free(&kept);
		stream_release(&st);
		return refuse_parse(rw, src, len, filename, &perr, err);
	}
	hs_analyzer_summarize(st.z);
	if (start_output(&st, len) < 0 ||
	    hs_parse_each(src, len, filename, HS_PARSE_POSIX, rewrite_cmd, &st, &perr) < 0) {
		hs_arena_free(&kept); /* the first pass parsed it: only memory can fail here */
		return fail(&st, rw, err);
	}
	struct hs_rewrite *res = finish(&st, src, len, filename, err);
	hs_arena_free(&kept);
	return res;
}

/* One pass; returns rw unchanged (nothing filled in) when the two passes must do it. */
static struct hs_rewrite *rewrite_one_pass(struct hs_rewrite *rw, const char *src, size_t len,
					   const char *filename, unsigned flags,
					   struct hs_error *err)
{
	struct stream st;
	struct hs_arena kept = {0}; /* function definitions */
	struct hs_error perr = HS_ERROR_INIT;
	if (!stream_init(&st, rw, src, len, filename, flags, err))
		return fail(&st, rw, err);
	hs_analyzer_stream_begin(st.z);
	if (start_output(&st, len) < 0)
		return fail(&st, rw, err);
	if (hs_parse_each_keep(src, len, filename, HS_PARSE_POSIX, step_cmd, &st, &kept, &perr) <
	    0) {
		hs_arena_free(&kept);
		if (st.oom)
			return fail(&st, rw, err);
		stream_release(&st);
		return refuse_parse(rw, src, len, filename, &perr, err);
	}
	int r = hs_analyzer_stream_end(st.z);
	if (r < 0) {
		hs_arena_free(&kept);
		stream_release(&st);
		rw->n_nodes = rw->n_loops = 0;
		return rw;
	}
	/* the refusal check must see the final variables holding $0 (rare) */
	if (r > 0 &&
	    hs_parse_each(src, len, filename, HS_PARSE_POSIX, refusal_cmd, st.z, &perr) < 0) {
		hs_arena_free(&kept);
		return fail(&st, rw, err);
	}
	struct hs_rewrite *res = finish(&st, src, len, filename, err);
	hs_arena_free(&kept);
	return res;
}

struct hs_rewrite *hs_rewrite_script(const char *src, size_t len, const char *filename,
				     unsigned flags, struct hs_error *err)
{
	struct hs_rewrite *rw = calloc(1, sizeof(*rw));
	if (!rw) {
		hs_error_errno(err, "rewrite");
		return NULL;
	}
	if (len > HS_REWRITE_MAX_SIZE && !(flags & HS_REWRITE_ANY_SIZE))
		return refuse(rw, src, len, "the script is over 120 KiB", filename, NULL, err);
	struct hs_rewrite *res = rewrite_one_pass(rw, src, len, filename, flags, err);
	if (res && !res->text)
		res = rewrite_two_passes(rw, src, len, filename, flags, err);
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
