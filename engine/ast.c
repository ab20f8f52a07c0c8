/* Syntax tree helpers: the arena, walking, dumping (text and JSON). */
#include "engine/ast-internal.h"
#include "engine/ast.h"
#include "lib/error.h"

#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE (64 * 1024 - 64)

void *hs_arena_alloc_chunk(struct hs_arena *a, size_t n)
{
	size_t size = n > CHUNK_SIZE / 4 ? n : CHUNK_SIZE;
	struct hs_arena_chunk *c;

	/* chunks start zeroed and are zeroed again on release: no memset per node */
	if (size == CHUNK_SIZE && a->spare) {
		c = a->spare;
		a->spare = NULL;
	} else {
		c = calloc(1, sizeof(*c) + size);
		if (!c)
			return NULL;
	}
	c->size = size;
	c->used = n;
	c->prev = a->cur;
	a->cur = c;
	return c->data;
}

void hs_arena_free(struct hs_arena *a)
{
	struct hs_arena_chunk *c = a->cur, *prev;

	for (; c; c = prev) {
		prev = c->prev;
		free(c);
	}
	a->cur = NULL;
	free(a->spare);
	a->spare = NULL;
}

struct hs_arena_mark hs_arena_mark(const struct hs_arena *a)
{
	struct hs_arena_mark m = {a->cur, a->cur ? a->cur->used : 0};
	return m;
}

void hs_arena_release(struct hs_arena *a, struct hs_arena_mark m)
{
	while (a->cur && a->cur != m.chunk) {
		struct hs_arena_chunk *c = a->cur;
		a->cur = c->prev;
		if (!a->spare && c->size == CHUNK_SIZE) {
			memset(c->data, 0, c->used);
			c->used = 0;
			a->spare = c;
		} else {
			free(c);
		}
	}
	if (a->cur && a->cur->used > m.used) {
		memset(a->cur->data + m.used, 0, a->cur->used - m.used);
		a->cur->used = m.used;
	}
}

void hs_ast_free(struct hs_ast *ast)
{
	if (!ast)
		return;
	if (ast->arena) {
		hs_arena_free(ast->arena);
		free(ast->arena);
	}
	free(ast);
}

static const char *const kind_names[HS_NODE_KIND_COUNT] = {
	[HS_NODE_PROGRAM] = "program",	   [HS_NODE_ANDOR] = "andor",
	[HS_NODE_PIPELINE] = "pipeline",   [HS_NODE_SIMPLE] = "simple",
	[HS_NODE_SUBSHELL] = "subshell",   [HS_NODE_GROUP] = "group",
	[HS_NODE_IF] = "if",		   [HS_NODE_WHILE] = "while",
	[HS_NODE_UNTIL] = "until",	   [HS_NODE_FOR] = "for",
	[HS_NODE_CASE] = "case",	   [HS_NODE_FUNCDEF] = "funcdef",
	[HS_NODE_SELECT] = "select",	   [HS_NODE_ARITH_FOR] = "arith_for",
	[HS_NODE_DBRACKET] = "dbracket",   [HS_NODE_ARITH_CMD] = "arith_cmd",
	[HS_NODE_COPROC] = "coproc",	   [HS_NODE_CASE_ITEM] = "case_item",
	[HS_NODE_ASSIGN] = "assign",	   [HS_NODE_REDIR] = "redir",
	[HS_NODE_WORD] = "word",	   [HS_NODE_LIT] = "lit",
	[HS_NODE_SQUOTE] = "squote",	   [HS_NODE_DQUOTE] = "dquote",
	[HS_NODE_ESCAPE] = "escape",	   [HS_NODE_PARAM] = "param",
	[HS_NODE_CMDSUB] = "cmdsub",	   [HS_NODE_ARITH] = "arith",
	[HS_NODE_ANSIC] = "ansic",	   [HS_NODE_LOCALE] = "locale",
	[HS_NODE_PROCSUB] = "procsub",	   [HS_NODE_ARRAY] = "array",
	[HS_NODE_EXTGLOB] = "extglob",
};

const char *hs_node_kind_name(enum hs_node_kind kind)
{
	return (unsigned)kind < HS_NODE_KIND_COUNT ? kind_names[kind] : "?";
}

/* The child lists of n, in source order, with a name for dumps. Returns how many. SIMPLE's
 * lists (assigns, words, redirs) interleave; hs_ast_walk merges them by offset. The walks use
 * the same lists through hs_child_iter_init (engine/ast-internal.h): keep the two in step. */
struct child_list {
	const char *name;
	struct hs_node *head;
};

static int child_lists(const struct hs_node *n, struct child_list out[4])
{
	int k = 0;
#define L(nm, h) out[k].name = nm, out[k++].head = (h)
	switch (n->kind) {
	case HS_NODE_PROGRAM:
		L("body", ((struct hs_node_program *)n)->body);
		break;
	case HS_NODE_ANDOR:
		L("pipelines", ((struct hs_node_andor *)n)->pipelines);
		break;
	case HS_NODE_PIPELINE:
		L("cmds", ((struct hs_node_pipeline *)n)->cmds);
		break;
	case HS_NODE_SIMPLE: {
		const struct hs_node_simple *s = (const void *)n;
		L("assigns", s->assigns);
		L("words", s->words);
		L("redirs", s->redirs);
		break;
	}
	case HS_NODE_SUBSHELL:
	case HS_NODE_GROUP:
		L("body", ((struct hs_node_compound *)n)->body);
		L("redirs", ((struct hs_node_compound *)n)->redirs);
		break;
	case HS_NODE_IF: {
		const struct hs_node_if *i = (const void *)n;
		L("cond", i->cond);
		L("then", i->then_body);
		L("else", i->else_body);
		L("redirs", i->redirs);
		break;
	}
	case HS_NODE_WHILE:
	case HS_NODE_UNTIL:
		L("cond", ((struct hs_node_loop *)n)->cond);
		L("body", ((struct hs_node_loop *)n)->body);
		L("redirs", ((struct hs_node_loop *)n)->redirs);
		break;
	case HS_NODE_FOR:
	case HS_NODE_SELECT:
	case HS_NODE_ARITH_FOR:
		L("words", ((struct hs_node_for *)n)->words);
		L("body", ((struct hs_node_for *)n)->body);
		L("redirs", ((struct hs_node_for *)n)->redirs);
		break;
	case HS_NODE_CASE:
		L("word", ((struct hs_node_case *)n)->word);
		L("items", ((struct hs_node_case *)n)->items);
		L("redirs", ((struct hs_node_case *)n)->redirs);
		break;
	case HS_NODE_CASE_ITEM:
		L("patterns", ((struct hs_node_case_item *)n)->patterns);
		L("body", ((struct hs_node_case_item *)n)->body);
		break;
	case HS_NODE_FUNCDEF:
		L("body", ((struct hs_node_funcdef *)n)->body);
		break;
	case HS_NODE_DBRACKET:
	case HS_NODE_ARITH_CMD:
		L("words", ((struct hs_node_bash_cmd *)n)->words);
		L("redirs", ((struct hs_node_bash_cmd *)n)->redirs);
		break;
	case HS_NODE_COPROC:
		L("body", ((struct hs_node_coproc *)n)->body);
		L("redirs", ((struct hs_node_coproc *)n)->redirs);
		break;
	case HS_NODE_ASSIGN:
		L("subscript", ((struct hs_node_assign *)n)->subscript);
		L("value", ((struct hs_node_assign *)n)->value);
		break;
	case HS_NODE_REDIR:
		L("target", ((struct hs_node_redir *)n)->target);
		L("heredoc", ((struct hs_node_redir *)n)->heredoc);
		break;
	case HS_NODE_WORD:
		L("parts", ((struct hs_node_word *)n)->parts);
		break;
	case HS_NODE_DQUOTE:
	case HS_NODE_LOCALE:
	case HS_NODE_EXTGLOB:
		L("parts", ((struct hs_node_quoted *)n)->parts);
		break;
	case HS_NODE_PARAM:
		L("subscript", ((struct hs_node_param *)n)->subscript);
		L("arg", ((struct hs_node_param *)n)->arg);
		break;
	case HS_NODE_CMDSUB:
	case HS_NODE_PROCSUB:
		L("body", ((struct hs_node_cmdsub *)n)->body);
		break;
	case HS_NODE_ARITH:
		L("expr", ((struct hs_node_arith *)n)->expr);
		break;
	case HS_NODE_ARRAY:
		L("elems", ((struct hs_node_array *)n)->elems);
		break;
	default:
		break;
	}
#undef L
	return k;
}

static int walk(struct hs_node *n, struct hs_node *parent, hs_walk_fn enter, hs_walk_fn leave,
		void *ctx)
{
	int r = enter(n, parent, ctx);

	if (r == HS_WALK_STOP)
		return 1;
	if (r == HS_WALK_CONTINUE) {
		struct hs_child_iter it;
		hs_child_iter_init(&it, n, 1);
		for (struct hs_node *c; (c = hs_child_iter_next(&it));)
			if (walk(c, n, enter, leave, ctx))
				return 1;
	}
	if (leave && leave(n, parent, ctx) == HS_WALK_STOP)
		return 1;
	return 0;
}

int hs_ast_walk(struct hs_node *n, hs_walk_fn enter, hs_walk_fn leave, void *ctx)
{
	return n ? walk(n, NULL, enter, leave, ctx) : 0;
}

struct hs_node *hs_node_redirs(const struct hs_node *cmd)
{
	switch (cmd->kind) {
	case HS_NODE_SIMPLE:
	case HS_NODE_SUBSHELL:
	case HS_NODE_GROUP:
	case HS_NODE_IF:
	case HS_NODE_WHILE:
	case HS_NODE_UNTIL:
	case HS_NODE_FOR:
	case HS_NODE_CASE:
	case HS_NODE_FUNCDEF:
	case HS_NODE_SELECT:
	case HS_NODE_ARITH_FOR:
	case HS_NODE_DBRACKET:
	case HS_NODE_ARITH_CMD:
	case HS_NODE_COPROC:
		return ((const struct hs_node_simple *)cmd)->redirs;
	default:
		return NULL;
	}
}

static int bash_enter(struct hs_node *n, struct hs_node *parent, void *ctx)
{
	(void)parent;
	if (n->flags & HS_NODE_F_BASH) {
		*(int *)ctx = 1;
		return HS_WALK_STOP;
	}
	return HS_WALK_CONTINUE;
}

int hs_node_has_bash(const struct hs_node *n)
{
	int found = 0;
	hs_ast_walk((struct hs_node *)n, bash_enter, NULL, &found);
	return found;
}

/* ---- dumps ---- */

static void json_str(FILE *out, const char *s, size_t n)
{
	fputc('"', out);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static const char *const redir_ops[] = {"<", ">", ">>", ">|", "<>", "<&", ">&", "<<", "<<<", "&>", "&>>"};
static const char *const param_op_names[] = {"plain",	   "length", "default", "assign",  "error",
					      "alt",	   "del_suffix", "del_prefix", "replace", "substr",
					      "upper",	   "lower",  "transform", "names", "bad"};
static const char *const sep_names[] = {"", ";", "&", "\\n"};

/* Kind-specific scalar fields as JSON members (each preceded by a comma). */
static void json_fields(const struct hs_node *n, FILE *out)
{
	switch (n->kind) {
	case HS_NODE_ANDOR: {
		const struct hs_node_andor *a = (const void *)n;
		if (a->sep != HS_SEP_NONE)
			fprintf(out, ",\"sep\":\"%s\",\"sep_off\":%zu", sep_names[a->sep], a->sep_off);
		break;
	}
	case HS_NODE_PIPELINE: {
		const struct hs_node_pipeline *p = (const void *)n;
		if (p->op != HS_ANDOR_FIRST)
			fprintf(out, ",\"op\":\"%s\"", p->op == HS_ANDOR_AND ? "&&" : "||");
		if (p->bang)
			fputs(",\"bang\":true", out);
		break;
	}
	case HS_NODE_FOR:
	case HS_NODE_SELECT: {
		const struct hs_node_for *f = (const void *)n;
		fputs(",\"name\":", out);
		json_str(out, f->name, f->name_len);
		fprintf(out, ",\"has_in\":%s", f->has_in ? "true" : "false");
		break;
	}
	case HS_NODE_FUNCDEF: {
		const struct hs_node_funcdef *f = (const void *)n;
		fputs(",\"name\":", out);
		json_str(out, f->name, f->name_len);
		break;
	}
	case HS_NODE_COPROC: {
		const struct hs_node_coproc *c = (const void *)n;
		if (c->name) {
			fputs(",\"name\":", out);
			json_str(out, c->name, c->name_len);
		}
		break;
	}
	case HS_NODE_CASE_ITEM: {
		static const char *const t[] = {"", ";;", ";&", ";;&"};
		fprintf(out, ",\"term\":\"%s\"", t[((const struct hs_node_case_item *)n)->term]);
		break;
	}
	case HS_NODE_ASSIGN: {
		const struct hs_node_assign *a = (const void *)n;
		fputs(",\"name\":", out);
		json_str(out, a->name, a->name_len);
		if (a->append)
			fputs(",\"append\":true", out);
		break;
	}
	case HS_NODE_REDIR: {
		const struct hs_node_redir *r = (const void *)n;
		fprintf(out, ",\"op\":\"%s%s\"", redir_ops[r->op], r->strip_tabs ? "-" : "");
		if (r->fd >= 0)
			fprintf(out, ",\"fd\":%d", r->fd);
		if (r->fd_var) {
			fputs(",\"fd_var\":", out);
			json_str(out, r->fd_var, r->fd_var_len);
		}
		if (r->op == HS_REDIR_HEREDOC) {
			fputs(",\"delim\":", out);
			json_str(out, r->delim, r->delim_len);
			fprintf(out, ",\"quoted\":%s,\"heredoc_end\":%zu", r->quoted ? "true" : "false",
				r->heredoc_end);
		}
		break;
	}
	case HS_NODE_WORD: {
		const struct hs_node_word *w = (const void *)n;
		if (w->assign_len)
			fprintf(out, ",\"assign_len\":%u", w->assign_len);
		break;
	}
	case HS_NODE_LIT:
	case HS_NODE_SQUOTE:
	case HS_NODE_ESCAPE:
	case HS_NODE_ANSIC: {
		const struct hs_node_lit *l = (const void *)n;
		fputs(",\"text\":", out);
		json_str(out, l->text, l->len);
		break;
	}
	case HS_NODE_PARAM: {
		const struct hs_node_param *p = (const void *)n;
		fputs(",\"name\":", out);
		json_str(out, p->name, p->name_len);
		fprintf(out, ",\"op\":\"%s\"", param_op_names[p->op]);
		if (p->pflags & HS_PARAM_F_COLON)
			fputs(",\"colon\":true", out);
		if (p->pflags & HS_PARAM_F_LONGEST)
			fputs(",\"longest\":true", out);
		if (p->pflags & HS_PARAM_F_INDIRECT)
			fputs(",\"indirect\":true", out);
		break;
	}
	case HS_NODE_PROCSUB:
		fprintf(out, ",\"dir\":\"%c\"", ((const struct hs_node_cmdsub *)n)->dir);
		break;
	default:
		break;
	}
	if (n->flags & HS_NODE_F_BASH)
		fputs(",\"bash\":true", out);
	if (n->flags & HS_NODE_F_BACKQUOTE)
		fputs(",\"backquote\":true", out);
	if (n->flags & HS_NODE_F_ELIF)
		fputs(",\"elif\":true", out);
	if (n->flags & HS_NODE_F_PIPE_AMP)
		fputs(",\"pipe_amp\":true", out);
	if (n->flags & HS_NODE_F_DECL)
		fputs(",\"decl\":true", out);
	if (n->flags & HS_NODE_F_IN_DQUOTE)
		fputs(",\"in_dquote\":true", out);
}

static void dump_json(const struct hs_node *n, FILE *out)
{
	struct child_list cl[4];
	int k = child_lists(n, cl);

	fprintf(out, "{\"kind\":\"%s\",\"start\":%zu,\"end\":%zu,\"line\":%u,\"col\":%u",
		hs_node_kind_name(n->kind), n->range.start, n->range.end, n->range.line, n->range.col);
	json_fields(n, out);
	for (int i = 0; i < k; i++) {
		if (!cl[i].head)
			continue;
		fprintf(out, ",\"%s\":[", cl[i].name);
		for (const struct hs_node *c = cl[i].head; c; c = c->next) {
			dump_json(c, out);
			if (c->next)
				fputc(',', out);
		}
		fputc(']', out);
	}
	fputc('}', out);
}

int hs_ast_dump_json(const struct hs_node *n, const char *src, FILE *out)
{
	(void)src;
	dump_json(n, out);
	fputc('\n', out);
	return ferror(out) ? -1 : 0;
}

static void dump_text(const struct hs_node *n, const char *src, FILE *out, int depth, const char *label)
{
	struct child_list cl[4];
	int k = child_lists(n, cl);
	size_t len = n->range.end - n->range.start;

	fprintf(out, "%*s%s%s%s %u:%u [%zu,%zu)", depth * 2, "", label ? label : "", label ? ": " : "",
		hs_node_kind_name(n->kind), n->range.line, n->range.col, n->range.start, n->range.end);
	if (n->flags & HS_NODE_F_BASH)
		fputs(" bash", out);
	if (n->kind == HS_NODE_LIT || n->kind == HS_NODE_SQUOTE || n->kind == HS_NODE_ESCAPE ||
	    n->kind == HS_NODE_ANSIC || n->kind == HS_NODE_WORD || n->kind == HS_NODE_REDIR ||
	    n->kind == HS_NODE_PARAM) {
		fputc(' ', out);
		json_str(out, src + n->range.start, len > 60 ? 60 : len);
		if (len > 60)
			fputs("...", out);
	}
	fputc('\n', out);
	for (int i = 0; i < k; i++)
		for (const struct hs_node *c = cl[i].head; c; c = c->next)
			dump_text(c, src, out, depth + 1, k > 1 ? cl[i].name : NULL);
}

int hs_ast_dump(const struct hs_node *n, const char *src, FILE *out)
{
	dump_text(n, src, out, 0, NULL);
	return ferror(out) ? -1 : 0;
}

/* ---- verification ---- */

struct verify {
	const char *src;
	size_t len;
	struct hs_error *err;
	size_t *hd; /* here-doc regions [hd[2i], hd[2i+1]) */
	size_t nhd, caphd;
	int oom;
};

static int vfail(struct verify *v, const struct hs_node *n, const char *what)
{
	hs_error_set(v->err, 0, "%s [%zu,%zu) at %u:%u: %s", hs_node_kind_name(n->kind), n->range.start,
		     n->range.end, n->range.line, n->range.col, what);
	return -1;
}

/* [a, b) holds only line continuations */
static int only_continuations(const char *s, size_t a, size_t b)
{
	while (a < b) {
		if (b - a >= 2 && s[a] == '\\' && s[a + 1] == '\n')
			a += 2;
		else
			return 0;
	}
	return 1;
}

static int verify_node(struct verify *v, const struct hs_node *n, int in_bq)
{
	struct child_list cl[4];
	int k = child_lists(n, cl);

	if (n->range.start > n->range.end || n->range.end > v->len)
		return vfail(v, n, "range outside the source");
	if (n->kind == HS_NODE_CMDSUB && (n->flags & HS_NODE_F_BACKQUOTE))
		in_bq = 1;
	if (n->kind == HS_NODE_REDIR) {
		const struct hs_node_redir *r = (const void *)n;
		if (r->heredoc) {
			if (v->nhd == v->caphd) {
				size_t cap = v->caphd ? v->caphd * 2 : 16;
				size_t *m = realloc(v->hd, cap * 2 * sizeof(*m));
				if (!m) {
					v->oom = 1;
					return vfail(v, n, "out of memory");
				}
				v->hd = m;
				v->caphd = cap;
			}
			v->hd[2 * v->nhd] = r->heredoc->range.start;
			v->hd[2 * v->nhd + 1] = r->heredoc_end;
			v->nhd++;
			if (r->heredoc->range.start < n->range.end || r->heredoc_end < r->heredoc->range.end ||
			    r->heredoc_end > v->len)
				return vfail(v, n, "here-document body misplaced");
		}
	}
	for (int i = 0; i < k; i++) {
		size_t prev_end = n->range.start;
		int parts = n->kind == HS_NODE_WORD || n->kind == HS_NODE_DQUOTE;
		if (n->kind == HS_NODE_DQUOTE)
			prev_end++;
		for (const struct hs_node *c = cl[i].head; c; c = c->next) {
			int hd = c->kind == HS_NODE_WORD && (c->flags & HS_NODE_F_HEREDOC);
			if (!hd && (c->range.start < n->range.start || c->range.end > n->range.end))
				return vfail(v, c, "not inside its parent");
			if (!hd && c->range.start < prev_end)
				return vfail(v, c, "overlaps its previous sibling");
			if (parts && !in_bq && !only_continuations(v->src, prev_end, c->range.start))
				return vfail(v, c, "gap before this part");
			if (!hd)
				prev_end = c->range.end;
			if (verify_node(v, c, in_bq) < 0)
				return -1;
		}
		if (parts && !in_bq && cl[i].head &&
		    !only_continuations(v->src, prev_end, n->range.end - (n->kind == HS_NODE_DQUOTE)))
			return vfail(v, n, "gap after the last part");
	}
	return 0;
}

/* The text between top-level commands: blanks, ; & newlines, comments, continuations,
 * here-document bodies. */
static int verify_gap(struct verify *v, size_t a, size_t b, size_t *hdi)
{
	const char *s = v->src;

	while (a < b) {
		while (*hdi < v->nhd && v->hd[2 * *hdi + 1] <= a)
			(*hdi)++;
		if (*hdi < v->nhd && v->hd[2 * *hdi] == a) {
			a = v->hd[2 * *hdi + 1];
			continue;
		}
		char c = s[a];
		if (c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&') {
			a++;
		} else if (c == '\\' && a + 1 < b && s[a + 1] == '\n') {
			a += 2;
		} else if (c == '#') {
			while (a < b && s[a] != '\n')
				a++;
		} else {
			hs_error_set(v->err, 0, "unexpected text between commands at offset %zu", a);
			return -1;
		}
	}
	if (a > b) {
		hs_error_set(v->err, 0, "here-document body overlaps a command at offset %zu", b);
		return -1;
	}
	return 0;
}

static int cmp_region(const void *a, const void *b)
{
	const size_t *x = a, *y = b;
	return x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] < y[1] ? -1 : x[1] > y[1];
}

int hs_ast_verify(const struct hs_ast *ast, struct hs_error *err)
{
	struct verify v = {.src = ast->src, .len = ast->len, .err = err};
	size_t pos = 0, hdi = 0;
	int r = -1;

	if (!ast->root)
		return hs_error_set(err, 0, "no tree");
	for (const struct hs_node *n = ast->root->body; n; n = n->next)
		if (verify_node(&v, n, 0) < 0)
			goto out;
	if (v.nhd)
		qsort(v.hd, v.nhd, 2 * sizeof(*v.hd), cmp_region);
	for (const struct hs_node *n = ast->root->body; n; n = n->next) {
		if (n->range.start < pos) {
			vfail(&v, n, "overlaps the previous command");
			goto out;
		}
		if (verify_gap(&v, pos, n->range.start, &hdi) < 0)
			goto out;
		pos = n->range.end;
	}
	if (verify_gap(&v, pos, ast->len, &hdi) < 0)
		goto out;
	r = 0;
out:
	free(v.hd);
	return r;
}
