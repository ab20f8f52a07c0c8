/* POSIX shell parser (XCU chapter 2, "Shell Command Language") with the bash extensions that
 * real scripts use. A hand-written lexer feeds a recursive-descent parser whose functions are
 * named after the grammar rules of XCU 2.10.2. Words are split into parts while they are
 * lexed; $(...) is parsed recursively in place, backquotes after unescaping (ranges mapped
 * back), here-document bodies when the newline that ends their command is read.
 *
 * Errors: the first one wins; the parser longjmps out (all memory is in the tree's arena, so
 * nothing leaks). Recursion is bounded by HS_PARSE_MAX_DEPTH nesting levels. */
#include "engine/ast-internal.h"
#include "engine/ast.h"
#include "lib/error.h"
#include "lib/util.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum tok_type {
	T_EOF,
	T_WORD,
	T_NEWLINE,
	T_SEMI,
	T_AMP,
	T_AND_IF,
	T_OR_IF,
	T_PIPE,
	T_PIPE_AMP,
	T_LPAREN,
	T_RPAREN,
	T_DSEMI,
	T_SEMI_AMP,
	T_DSEMI_AMP,
	T_REDIR,
	T_IO_NUMBER,
	T_IO_VAR,
};

struct token {
	enum tok_type type;
	size_t start, end;
	struct hs_node_word *word; /* T_WORD */
	enum hs_redir_op rop;	   /* T_REDIR */
	int strip;		   /* T_REDIR: <<- */
	int fd;			   /* T_IO_NUMBER */
};

struct pending_hd {
	struct hs_node_redir *r;
	struct pending_hd *next;
};

/* Shared by a parser and the sub-parsers of backquoted text. */
struct parse_shared {
	const char *fname;
	const char *orig;
	size_t orig_len;
	uint32_t *lines; /* offset of each line start in orig */
	size_t nlines;
	size_t lc_cache;	/* the line of the last position asked for (line_col) */
	size_t lc_lo, lc_hi; /* its offsets: [lines[lc_cache], the next line's or SIZE_MAX) */
	struct hs_error *err;
	jmp_buf jb;
	unsigned flags;
};

struct parser {
	struct parse_shared *sh;
	struct hs_arena *arena; /* shared too, but here: every node comes from it */
	const char *s; /* buffer being lexed: the original, or an unescaped backquote copy */
	size_t pos, end;
	const size_t *map; /* copy offset -> offset in up's buffer (NULL for the original) */
	size_t map_len, map_base; /* map_base: offset of the opening backquote in up's buffer */
	struct parser *up;
	int depth;
	int have_tok;
	struct token tok;
	size_t last_end; /* end of the last consumed token */
	size_t full_end; /* end of the whole buffer (p->end is lower inside `...` and bodies) */
	struct pending_hd *hd_head, **hd_tail;
};

/* ---- errors and positions ---- */

static size_t to_orig(const struct parser *p, size_t off)
{
	while (p->map) {
		if (p->map_len == 0)
			off = 0;
		else if (off >= p->map_len)
			off = p->map[p->map_len - 1] + 1;
		else
			off = p->map[off];
		p = p->up;
	}
	return off;
}

/* Make the line of off the cached one. */
static void line_find(struct parse_shared *sh, size_t off)
{
	size_t i = sh->lc_cache, lo, hi;

	/* mostly sequential: try the cached line and the next two before searching */
	for (int k = 0; k < 3 && i < sh->nlines && sh->lines[i] <= off; k++, i++)
		if (i + 1 == sh->nlines || sh->lines[i + 1] > off)
			goto found;
	i = sh->lc_cache;
	if (!(i < sh->nlines && sh->lines[i] <= off && (i + 1 == sh->nlines || sh->lines[i + 1] > off))) {
		lo = 0;
		hi = sh->nlines; /* lines[lo] <= off < lines[hi] */
		while (hi - lo > 1) {
			size_t mid = lo + (hi - lo) / 2;
			if (sh->lines[mid] <= off)
				lo = mid;
			else
				hi = mid;
		}
		i = lo;
	}
found:
	sh->lc_cache = i;
	sh->lc_lo = sh->lines[i];
	sh->lc_hi = i + 1 < sh->nlines ? sh->lines[i + 1] : SIZE_MAX;
}

/* Line and column (1-based) of off. Called for every node, mostly in order: the line of the
 * last call is checked inline (one compare: an off before it wraps around). */
static inline void line_col(struct parse_shared *sh, size_t off, uint32_t *line, uint32_t *col)
{
	if (off - sh->lc_lo >= sh->lc_hi - sh->lc_lo)
		line_find(sh, off);
	*line = (uint32_t)(sh->lc_cache + 1);
	*col = (uint32_t)(off - sh->lc_lo + 1);
}

__attribute__((noreturn, format(printf, 3, 4))) static void perr(struct parser *p, size_t off,
								   const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	uint32_t line, col;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	off = to_orig(p, off);
	line_col(p->sh, off, &line, &col);
	hs_error_set(p->sh->err, 0, "%s:%u:%u: %s", p->sh->fname, line, col, msg);
	longjmp(p->sh->jb, 1);
}

static void *xalloc(struct parser *p, size_t n)
{
	void *m = hs_arena_alloc(p->arena, n);
	if (!m) {
		hs_error_set(p->sh->err, ENOMEM, "%s: parse", p->sh->fname);
		longjmp(p->sh->jb, 1);
	}
	return m;
}

static struct hs_node *new_node(struct parser *p, enum hs_node_kind kind, size_t size, size_t start)
{
	struct hs_node *n = xalloc(p, size);
	n->kind = kind;
	n->range.start = start;
	n->range.end = start;
	/* nodes of a backquote copy get theirs when their offsets are mapped back */
	if (!p->map)
		line_col(p->sh, start, &n->range.line, &n->range.col);
	return n;
}
#define NEW(p, type, kind, start) ((struct type *)new_node(p, kind, sizeof(struct type), start))

static void enter(struct parser *p, size_t off)
{
	if (++p->depth > HS_PARSE_MAX_DEPTH)
		perr(p, off, "nesting too deep (more than %d levels)", HS_PARSE_MAX_DEPTH);
}

static void leave(struct parser *p)
{
	p->depth--;
}

/* ---- character classes ---- */

enum { CH_META = 1, CH_WORDSPECIAL = 2, CH_NAME = 4, CH_NAMESTART = 8, CH_DIGIT = 16 };
static unsigned char ctab[256];

static void init_ctab(void)
{
	static int done;
	if (done)
		return;
	for (int c = 0; c < 256; c++) {
		unsigned char v = 0;
		if (strchr(" \t\n;&|<>()", c) && c)
			v |= CH_META | CH_WORDSPECIAL;
		if (c && strchr("\\'\"`$", c))
			v |= CH_WORDSPECIAL;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
			v |= CH_NAME | CH_NAMESTART;
		if (c >= '0' && c <= '9')
			v |= CH_NAME | CH_DIGIT;
		ctab[c] = v;
	}
	done = 1;
}

static inline int is_name(char c)
{
	return ctab[(unsigned char)c] & CH_NAME;
}
static inline int is_namestart(char c)
{
	return ctab[(unsigned char)c] & CH_NAMESTART;
}
static inline int is_digit(char c)
{
	return ctab[(unsigned char)c] & CH_DIGIT;
}
static inline int is_special_param(char c)
{
	return c == '@' || c == '*' || c == '#' || c == '?' || c == '-' || c == '$' || c == '!';
}

static inline int at(const struct parser *p, size_t i)
{
	return i < p->end ? (unsigned char)p->s[i] : -1;
}

/* ---- word lexing ---- */

enum ctx {
	C_WORD,	     /* unquoted word: ends at a metacharacter */
	C_DQUOTE,    /* "...": ends at " */
	C_PARAM,     /* ${x-...} unquoted: ends at } */
	C_PARAM_DQ,  /* ${x-...} inside "...": ends at } */
	C_HEREDOC,   /* unquoted here-doc body: ends at p->end */
	C_ARITH,     /* $((...)): ends at p->end */
	C_EXTGLOB,   /* @(...): ends at the unmatched ) */
	C_SUBSCRIPT, /* ${a[...]}: ends at the unmatched ] */
};

static int ctx_dq(enum ctx c)
{
	return c == C_DQUOTE || c == C_PARAM_DQ || c == C_HEREDOC || c == C_ARITH;
}

static struct hs_node *lex_parts(struct parser *p, enum ctx ctx, size_t wstart, uint32_t assign_len);
static struct hs_node *parse_dollar(struct parser *p, int dq);
static struct hs_node *parse_backquote(struct parser *p, int dq);
static struct hs_node_word *lex_word(struct parser *p);
static struct hs_node *parse_compound_list(struct parser *p);
static void lex_token(struct parser *p, struct token *t);
__attribute__((noreturn)) static void unexpected(struct parser *p, const char *expecting);

static void add_lit(struct parser *p, struct hs_node ***tail, size_t from, size_t to)
{
	if (to <= from)
		return;
	struct hs_node_lit *l = NEW(p, hs_node_lit, HS_NODE_LIT, from);
	l->base.range.end = to;
	l->text = p->s + from;
	l->len = to - from;
	**tail = &l->base;
	*tail = &l->base.next;
}

static void append(struct hs_node ***tail, struct hs_node *n)
{
	**tail = n;
	*tail = &n->next;
}

/* Does the $ at p->pos start an expansion (else it is a literal $)? */
static int dollar_expands(const struct parser *p, int dq)
{
	int c = at(p, p->pos + 1);
	if (c < 0)
		return 0;
	if (c == '{' || c == '(' || is_namestart((char)c) || is_digit((char)c) ||
	    is_special_param((char)c))
		return 1;
	return !dq && (c == '\'' || c == '"');
}

/* Find the ")" that starts the "))" closing an arithmetic expansion whose text begins at
 * from; returns 0 if the text does not balance that way (then it is a command substitution
 * or a subshell). */
static int arith_scan(const struct parser *p, size_t from, size_t *close)
{
	int depth = 0;
	size_t i = from;

	while (i < p->end) {
		char c = p->s[i];
		switch (c) {
		case '(':
			depth++;
			break;
		case ')':
			if (depth == 0) {
				if (i + 1 < p->end && p->s[i + 1] == ')') {
					*close = i;
					return 1;
				}
				return 0;
			}
			depth--;
			break;
		case '\\':
			i++;
			break;
		case '\'': {
			const char *q = memchr(p->s + i + 1, '\'', p->end - i - 1);
			if (!q)
				return 0;
			i = (size_t)(q - p->s);
			break;
		}
		case '"':
			for (i++; i < p->end && p->s[i] != '"'; i++)
				if (p->s[i] == '\\')
					i++;
			break;
		case '`':
			for (i++; i < p->end && p->s[i] != '`'; i++)
				if (p->s[i] == '\\')
					i++;
			break;
		default:
			break;
		}
		i++;
	}
	return 0;
}

/* Parse [from, to) as a word in ctx (here-doc body, arithmetic text); p->pos ends at to. */
static struct hs_node_word *parse_range_word(struct parser *p, enum ctx ctx, size_t from, size_t to)
{
	size_t save_end = p->end;
	struct hs_node_word *w = NEW(p, hs_node_word, HS_NODE_WORD, from);

	w->base.range.end = to;
	p->pos = from;
	p->end = to;
	w->parts = lex_parts(p, ctx, from, 0);
	p->end = save_end;
	p->pos = to;
	return w;
}

static struct hs_node *parse_squote(struct parser *p)
{
	size_t st = p->pos;
	const char *q = memchr(p->s + st + 1, '\'', p->end > st + 1 ? p->end - st - 1 : 0);
	struct hs_node_lit *l;

	if (!q)
		perr(p, st, "unterminated quoted string");
	l = NEW(p, hs_node_lit, HS_NODE_SQUOTE, st);
	l->text = p->s + st + 1;
	l->len = (size_t)(q - p->s) - st - 1;
	p->pos = (size_t)(q - p->s) + 1;
	l->base.range.end = p->pos;
	return &l->base;
}

static struct hs_node *parse_dquote(struct parser *p, enum hs_node_kind kind, size_t st)
{
	struct hs_node_quoted *q = NEW(p, hs_node_quoted, kind, st);

	enter(p, st);
	q->parts = lex_parts(p, C_DQUOTE, 0, 0);
	if (p->pos >= p->end)
		perr(p, st, "unterminated quoted string");
	p->pos++;
	leave(p);
	q->base.range.end = p->pos;
	if (kind == HS_NODE_LOCALE)
		q->base.flags |= HS_NODE_F_BASH;
	return &q->base;
}

/* bash a=(...) */
static struct hs_node *parse_array(struct parser *p)
{
	size_t st = p->pos;
	struct hs_node_array *a = NEW(p, hs_node_array, HS_NODE_ARRAY, st);
	struct hs_node **tail = &a->elems;

	a->base.flags |= HS_NODE_F_BASH;
	enter(p, st);
	p->pos++;
	for (;;) {
		int c = at(p, p->pos);
		if (c == ' ' || c == '\t' || c == '\n') {
			p->pos++;
			continue;
		}
		if (c == '\\' && at(p, p->pos + 1) == '\n') {
			p->pos += 2;
			continue;
		}
		if (c == '#') {
			while (p->pos < p->end && p->s[p->pos] != '\n')
				p->pos++;
			continue;
		}
		if (c == ')')
			break;
		if (c < 0)
			perr(p, st, "unterminated array");
		size_t before = p->pos;
		struct hs_node_word *w = lex_word(p);
		if (p->pos == before)
			perr(p, p->pos, "\"%c\" unexpected in array", c);
		append(&tail, &w->base);
	}
	p->pos++;
	leave(p);
	a->base.range.end = p->pos;
	return &a->base;
}

static struct hs_node *parse_extglob(struct parser *p)
{
	size_t st = p->pos - 1; /* the @ ! + * ? before ( */
	struct hs_node_quoted *q = NEW(p, hs_node_quoted, HS_NODE_EXTGLOB, st);

	q->base.flags |= HS_NODE_F_BASH;
	enter(p, st);
	p->pos++;
	q->parts = lex_parts(p, C_EXTGLOB, 0, 0);
	if (at(p, p->pos) != ')')
		perr(p, st, "unterminated pattern");
	p->pos++;
	leave(p);
	q->base.range.end = p->pos;
	return &q->base;
}

static struct hs_node *lex_parts(struct parser *p, enum ctx ctx, size_t wstart, uint32_t assign_len)
{
	struct hs_node *head = NULL, **tail = &head;
	size_t lit = p->pos;
	int nest = 0, dq = ctx_dq(ctx);
	unsigned inflag = (ctx == C_DQUOTE || ctx == C_PARAM_DQ || ctx == C_HEREDOC) ? HS_NODE_F_IN_DQUOTE : 0;
	struct hs_node *part;

	while (p->pos < p->end) {
		if (ctx == C_WORD) {
			/* the run of plain word characters, in locals: p->s may alias p->pos */
			const char *s = p->s;
			size_t i = p->pos, end = p->end;
			while (i < end && !(ctab[(unsigned char)s[i]] & CH_WORDSPECIAL))
				i++;
			p->pos = i;
			if (i == end)
				break;
		}
		char c = p->s[p->pos];
		part = NULL;
		switch (c) {
		case '\\': {
			int n = at(p, p->pos + 1);
			if (n == '\n') {
				add_lit(p, &tail, lit, p->pos);
				p->pos += 2;
				lit = p->pos;
				continue;
			}
			if (n < 0) {
				p->pos++;
				continue;
			}
			int esc = !dq || n == '$' || n == '`' || n == '\\' ||
				  (n == '"' && ctx != C_HEREDOC) || (n == '}' && ctx == C_PARAM_DQ);
			if (!esc) {
				p->pos += 2;
				continue;
			}
			add_lit(p, &tail, lit, p->pos);
			struct hs_node_lit *e = NEW(p, hs_node_lit, HS_NODE_ESCAPE, p->pos);
			e->text = p->s + p->pos + 1;
			e->len = 1;
			p->pos += 2;
			e->base.range.end = p->pos;
			part = &e->base;
			break;
		}
		case '\'':
			if (dq)
				goto literal;
			add_lit(p, &tail, lit, p->pos);
			part = parse_squote(p);
			break;
		case '"':
			if (ctx == C_DQUOTE)
				goto done;
			if (ctx == C_HEREDOC)
				goto literal;
			add_lit(p, &tail, lit, p->pos);
			p->pos++;
			part = parse_dquote(p, HS_NODE_DQUOTE, p->pos - 1);
			break;
		case '`':
			add_lit(p, &tail, lit, p->pos);
			part = parse_backquote(p, dq);
			break;
		case '$':
			if (!dollar_expands(p, dq))
				goto literal;
			add_lit(p, &tail, lit, p->pos);
			part = parse_dollar(p, dq);
			break;
		case '}':
			if (ctx == C_PARAM || ctx == C_PARAM_DQ)
				goto done;
			goto literal;
		case '[':
			if (ctx == C_SUBSCRIPT)
				nest++;
			goto literal;
		case ']':
			if (ctx == C_SUBSCRIPT && nest-- == 0)
				goto done;
			goto literal;
		case '(':
			if (ctx == C_EXTGLOB) {
				nest++;
				goto literal;
			}
			if (ctx != C_WORD)
				goto literal;
			if (assign_len && p->pos == wstart + assign_len) {
				add_lit(p, &tail, lit, p->pos);
				part = parse_array(p);
				break;
			}
			if (p->pos > lit && strchr("@!+*?", p->s[p->pos - 1]) &&
			    !(p->s[p->pos - 1] == '!' && p->pos - 1 == wstart)) {
				add_lit(p, &tail, lit, p->pos - 1);
				part = parse_extglob(p);
				break;
			}
			goto done;
		case ')':
			if (ctx == C_EXTGLOB) {
				if (nest-- == 0)
					goto done;
				goto literal;
			}
			if (ctx == C_WORD)
				goto done;
			goto literal;
		default:
			if (ctx == C_WORD && (ctab[(unsigned char)c] & CH_META))
				goto done;
			goto literal;
		}
		part->flags |= inflag;
		append(&tail, part);
		lit = p->pos;
		continue;
	literal:
		p->pos++;
	}
done:
	add_lit(p, &tail, lit, p->pos);
	if (inflag)
		for (struct hs_node *n = head; n; n = n->next)
			n->flags |= inflag;
	return head;
}

/* A word in unquoted context (XCU 2.3 token recognition). Detects a leading assignment
 * prefix, which becomes a LIT part of its own. */
static struct hs_node_word *lex_word(struct parser *p)
{
	size_t st = p->pos, i = st;
	struct hs_node_word *w = NEW(p, hs_node_word, HS_NODE_WORD, st);
	uint32_t alen = 0;

	if (i < p->end && is_namestart(p->s[i])) {
		while (i < p->end && is_name(p->s[i]))
			i++;
		if (i < p->end && p->s[i] == '[') {
			/* bash a[subscript]=: only a plain subscript counts */
			size_t j = i + 1;
			while (j < p->end && p->s[j] != ']' && !(ctab[(unsigned char)p->s[j]] & CH_META))
				j++;
			if (j < p->end && p->s[j] == ']')
				i = j + 1;
		}
		if (i < p->end && p->s[i] == '=')
			alen = (uint32_t)(i + 1 - st);
		else if (i + 1 < p->end && p->s[i] == '+' && p->s[i + 1] == '=')
			alen = (uint32_t)(i + 2 - st);
	}
	if (alen) {
		struct hs_node **tail = &w->parts;
		add_lit(p, &tail, st, st + alen);
		p->pos = st + alen;
		*tail = lex_parts(p, C_WORD, st, alen);
	} else {
		w->parts = lex_parts(p, C_WORD, st, 0);
	}
	w->assign_len = alen;
	w->base.range.end = p->pos;
	return w;
}

/* $( ... ) in place: parse a command list up to the matching ")". */
static struct hs_node *parse_cmdsub_body(struct parser *p, size_t st, enum hs_node_kind kind)
{
	struct hs_node_cmdsub *c = NEW(p, hs_node_cmdsub, kind, st);
	struct token save = p->tok;
	int save_have = p->have_tok;
	size_t save_last = p->last_end;
	struct token *t;

	enter(p, st);
	p->have_tok = 0;
	c->body = parse_compound_list(p);
	if (!p->have_tok)
		lex_token(p, &p->tok), p->have_tok = 1;
	t = &p->tok;
	if (t->type != T_RPAREN)
		unexpected(p, "\")\"");
	p->pos = t->end;
	p->have_tok = save_have;
	p->tok = save;
	p->last_end = save_last;
	leave(p);
	c->base.range.end = p->pos;
	return &c->base;
}

static const char *param_ops = "-=?+%#/:^,@";

/* ${...} that is no expansion we know: bash only complains when it runs it, so keep the raw
 * text up to the matching } (braces nest, quotes are skipped) and mark it bash-only. */
static struct hs_node *bad_subst(struct parser *p, struct hs_node_param *pm, size_t st)
{
	size_t i = st + 2;
	int depth = 0;

	while (i < p->end) {
		char c = p->s[i];
		if (c == '\\') {
			i += 2;
			continue;
		}
		if (c == '\'') {
			const char *q = memchr(p->s + i + 1, '\'', p->end - i - 1);
			if (!q)
				break;
			i = (size_t)(q - p->s) + 1;
			continue;
		}
		if (c == '{')
			depth++;
		else if (c == '}' && depth-- == 0)
			break;
		else if (c == '\n')
			break;
		i++;
	}
	if (i >= p->end || p->s[i] != '}')
		perr(p, st, "bad substitution");
	pm->op = HS_PARAM_BAD;
	pm->name = p->s + st + 2;
	pm->name_len = i - st - 2;
	pm->subscript = pm->arg = NULL;
	pm->base.flags |= HS_NODE_F_BASH;
	p->pos = i + 1;
	pm->base.range.end = p->pos;
	return &pm->base;
}

static struct hs_node *parse_braced(struct parser *p, int dq)
{
	size_t st = p->pos;
	struct hs_node_param *pm = NEW(p, hs_node_param, HS_NODE_PARAM, st);
	int c, bash = 0;
	size_t ns;

	enter(p, st);
	pm->pflags |= HS_PARAM_F_BRACED;
	p->pos += 2;
	c = at(p, p->pos);
	if (c == '#') {
		int n = at(p, p->pos + 1);
		if (n == '}' || n < 0) {
			/* ${#} */
		} else if (is_name((char)n) || is_special_param((char)n)) {
			/* ${#name}, ${#@}, ${##}; but ${#-x}? that is $# with a default: rare */
			if (!(strchr("-=?+%#:", n) && at(p, p->pos + 2) != '}')) {
				pm->op = HS_PARAM_LENGTH;
				p->pos++;
			}
		}
	} else if (c == '!') {
		int n = at(p, p->pos + 1);
		if (n >= 0 && n != '}' && (is_name((char)n) || is_special_param((char)n))) {
			pm->pflags |= HS_PARAM_F_INDIRECT;
			bash = 1;
			p->pos++;
		}
	}
	ns = p->pos;
	c = at(p, p->pos);
	if (c >= 0 && is_namestart((char)c)) {
		while (p->pos < p->end && is_name(p->s[p->pos]))
			p->pos++;
	} else if (c >= 0 && is_digit((char)c)) {
		while (p->pos < p->end && is_digit(p->s[p->pos]))
			p->pos++;
	} else if (c >= 0 && (is_special_param((char)c) || c == '0')) {
		p->pos++;
	} else {
		leave(p);
		return bad_subst(p, pm, st);
	}
	pm->name = p->s + ns;
	pm->name_len = p->pos - ns;
	if (at(p, p->pos) == '[') {
		size_t bs = p->pos;
		struct hs_node_word *w = NEW(p, hs_node_word, HS_NODE_WORD, bs + 1);
		p->pos++;
		w->parts = lex_parts(p, C_SUBSCRIPT, 0, 0);
		if (at(p, p->pos) != ']')
			perr(p, st, "missing \"]\"");
		w->base.range.end = p->pos;
		p->pos++;
		pm->subscript = &w->base;
		bash = 1;
	}
	c = at(p, p->pos);
	if (c == '}') {
		p->pos++;
		goto out;
	}
	if (c < 0 || !strchr(param_ops, c) || pm->op == HS_PARAM_LENGTH) {
		leave(p);
		return bad_subst(p, pm, st);
	}
	if ((pm->pflags & HS_PARAM_F_INDIRECT) && (c == '*' || c == '@') && at(p, p->pos + 1) == '}') {
		pm->op = HS_PARAM_NAMES;
		p->pos += 2;
		goto out;
	}
	p->pos++;
	switch (c) {
	case ':':
		c = at(p, p->pos);
		if (c == '-' || c == '=' || c == '?' || c == '+') {
			pm->pflags |= HS_PARAM_F_COLON;
			p->pos++;
			pm->op = c == '-' ? HS_PARAM_DEFAULT
			       : c == '=' ? HS_PARAM_ASSIGN
			       : c == '?' ? HS_PARAM_ERROR
					  : HS_PARAM_ALT;
		} else {
			pm->op = HS_PARAM_SUBSTR;
			bash = 1;
		}
		break;
	case '-':
		pm->op = HS_PARAM_DEFAULT;
		break;
	case '=':
		pm->op = HS_PARAM_ASSIGN;
		break;
	case '?':
		pm->op = HS_PARAM_ERROR;
		break;
	case '+':
		pm->op = HS_PARAM_ALT;
		break;
	case '%':
	case '#':
		pm->op = c == '%' ? HS_PARAM_DEL_SUFFIX : HS_PARAM_DEL_PREFIX;
		if (at(p, p->pos) == c) {
			pm->pflags |= HS_PARAM_F_LONGEST;
			p->pos++;
		}
		break;
	case '/':
		pm->op = HS_PARAM_REPLACE;
		bash = 1;
		if (at(p, p->pos) == '/') {
			pm->pflags |= HS_PARAM_F_LONGEST;
			p->pos++;
		}
		break;
	case '^':
	case ',':
		pm->op = c == '^' ? HS_PARAM_UPPER : HS_PARAM_LOWER;
		bash = 1;
		if (at(p, p->pos) == c) {
			pm->pflags |= HS_PARAM_F_LONGEST;
			p->pos++;
		}
		break;
	case '@':
		pm->op = HS_PARAM_TRANSFORM;
		bash = 1;
		break;
	default:
		break;
	}
	{
		struct hs_node_word *w = NEW(p, hs_node_word, HS_NODE_WORD, p->pos);
		w->parts = lex_parts(p, dq ? C_PARAM_DQ : C_PARAM, 0, 0);
		if (at(p, p->pos) != '}')
			perr(p, st, "missing \"}\"");
		w->base.range.end = p->pos;
		pm->arg = &w->base;
		p->pos++;
	}
out:
	leave(p);
	if (bash)
		pm->base.flags |= HS_NODE_F_BASH;
	pm->base.range.end = p->pos;
	return &pm->base;
}

/* p->pos at a '$' for which dollar_expands() is true (XCU 2.6.2-2.6.4). */
static struct hs_node *parse_dollar(struct parser *p, int dq)
{
	size_t st = p->pos, close;
	char c = p->s[st + 1];

	if (c == '{')
		return parse_braced(p, dq);
	if (c == '(') {
		if (at(p, st + 2) == '(' && arith_scan(p, st + 3, &close)) {
			struct hs_node_arith *a = NEW(p, hs_node_arith, HS_NODE_ARITH, st);
			enter(p, st);
			a->expr = &parse_range_word(p, C_ARITH, st + 3, close)->base;
			leave(p);
			p->pos = close + 2;
			a->base.range.end = p->pos;
			return &a->base;
		}
		p->pos = st + 2;
		return parse_cmdsub_body(p, st, HS_NODE_CMDSUB);
	}
	if (c == '\'') {
		struct hs_node_lit *l = NEW(p, hs_node_lit, HS_NODE_ANSIC, st);
		size_t i = st + 2;
		while (i < p->end && p->s[i] != '\'')
			i += p->s[i] == '\\' ? 2 : 1;
		if (i >= p->end)
			perr(p, st, "unterminated quoted string");
		l->text = p->s + st + 2;
		l->len = i - st - 2;
		l->base.flags |= HS_NODE_F_BASH;
		p->pos = i + 1;
		l->base.range.end = p->pos;
		return &l->base;
	}
	if (c == '"') {
		p->pos = st + 2;
		return parse_dquote(p, HS_NODE_LOCALE, st);
	}
	struct hs_node_param *pm = NEW(p, hs_node_param, HS_NODE_PARAM, st);
	p->pos = st + 1;
	if (is_namestart(c)) {
		while (p->pos < p->end && is_name(p->s[p->pos]))
			p->pos++;
	} else {
		p->pos++;
	}
	pm->name = p->s + st + 1;
	pm->name_len = p->pos - st - 1;
	pm->base.range.end = p->pos;
	return &pm->base;
}

/* Shift every offset of a sub-tree parsed from a backquote copy back to the buffer of up. */
struct remap_ctx {
	const struct parser *sub;
};

static size_t remap_off(const struct parser *sub, size_t off, int is_end)
{
	if (sub->map_len == 0)
		return sub->map ? 0 : off;
	if (is_end)
		return off == 0 ? sub->map[0] : sub->map[off - 1] + 1;
	if (off >= sub->map_len)
		return sub->map[sub->map_len - 1] + 1;
	/* a char whose escaping backslash was removed starts at that backslash */
	size_t prev = off ? sub->map[off - 1] : sub->map_base;
	return sub->map[off] - prev > 1 ? sub->map[off] - 1 : sub->map[off];
}

static int remap_enter(struct hs_node *n, struct hs_node *parent, void *vctx)
{
	const struct parser *sub = ((struct remap_ctx *)vctx)->sub;
	(void)parent;
	if (n->range.end > n->range.start) {
		n->range.end = remap_off(sub, n->range.end, 1);
		n->range.start = remap_off(sub, n->range.start, 0);
	} else {
		n->range.start = n->range.end = remap_off(sub, n->range.start, 0);
	}
	if (!sub->up->map)
		line_col(sub->sh, n->range.start, &n->range.line, &n->range.col);
	if (n->kind == HS_NODE_ANDOR) {
		struct hs_node_andor *a = (struct hs_node_andor *)n;
		if (a->sep != HS_SEP_NONE)
			a->sep_off = remap_off(sub, a->sep_off, 0);
	} else if (n->kind == HS_NODE_REDIR) {
		struct hs_node_redir *r = (struct hs_node_redir *)n;
		if (r->heredoc)
			r->heredoc_end = remap_off(sub, r->heredoc_end, 1);
	}
	return HS_WALK_CONTINUE;
}

/* `...` (XCU 2.6.3): backslash keeps its meaning only before $ ` \ (and " inside "..."). */
static struct hs_node *parse_backquote(struct parser *p, int dq)
{
	size_t st = p->pos, i = st + 1, close;
	int need_copy = 0;
	struct hs_node_cmdsub *c = NEW(p, hs_node_cmdsub, HS_NODE_CMDSUB, st);

	c->base.flags |= HS_NODE_F_BACKQUOTE;
	while (i < p->end && p->s[i] != '`') {
		if (p->s[i] == '\\' && i + 1 < p->end) {
			char n = p->s[i + 1];
			if (n == '$' || n == '`' || n == '\\' || (dq && n == '"'))
				need_copy = 1;
			i += 2;
			continue;
		}
		i++;
	}
	if (i >= p->end)
		perr(p, st, "unterminated `...` command substitution");
	close = i;
	enter(p, st);
	if (!need_copy) {
		size_t save_end = p->end;
		struct token save = p->tok;
		int save_have = p->have_tok;
		size_t save_last = p->last_end;
		struct pending_hd *save_hd = p->hd_head, **save_hd_tail = p->hd_tail;
		p->hd_head = NULL;
		p->hd_tail = &p->hd_head;
		p->end = close;
		p->pos = st + 1;
		p->have_tok = 0;
		c->body = parse_compound_list(p);
		if (!p->have_tok)
			lex_token(p, &p->tok);
		if (p->tok.type != T_EOF)
			perr(p, p->tok.start, "syntax error in `...` command substitution");
		if (p->hd_head)
			perr(p, st, "here-document in `...` not terminated");
		p->hd_head = save_hd;
		p->hd_tail = save_hd_tail;
		p->end = save_end;
		p->tok = save;
		p->have_tok = save_have;
		p->last_end = save_last;
	} else {
		size_t n = close - st - 1, k = 0;
		char *copy = xalloc(p, n + 1);
		size_t *map = xalloc(p, (n + 1) * sizeof(*map));
		for (i = st + 1; i < close; i++) {
			if (p->s[i] == '\\' && i + 1 < close) {
				char e = p->s[i + 1];
				if (e == '$' || e == '`' || e == '\\' || (dq && e == '"'))
					i++;
			}
			map[k] = i;
			copy[k++] = p->s[i];
		}
		struct parser sub = {
			.sh = p->sh,
			.arena = p->arena,
			.s = copy,
			.pos = 0,
			.end = k,
			.map = map,
			.map_len = k,
			.map_base = st,
			.up = p,
			.depth = p->depth,
			.full_end = k,
		};
		sub.hd_tail = &sub.hd_head;
		c->body = parse_compound_list(&sub);
		if (!sub.have_tok)
			lex_token(&sub, &sub.tok);
		if (sub.tok.type != T_EOF)
			perr(&sub, sub.tok.start, "syntax error in `...` command substitution");
		if (sub.hd_head)
			perr(p, st, "here-document in `...` not terminated");
		struct remap_ctx rc = {&sub};
		for (struct hs_node *b = c->body; b; b = b->next)
			hs_ast_walk(b, remap_enter, NULL, &rc);
	}
	leave(p);
	p->pos = close + 1;
	c->base.range.end = p->pos;
	return &c->base;
}

/* ---- tokens (XCU 2.3, 2.10.1) ---- */

static void read_heredocs(struct parser *p);

static void lex_token(struct parser *p, struct token *t)
{
	const char *s = p->s;
	size_t i;
	int c;

again:
	while (p->pos < p->end) {
		char ch = s[p->pos];
		if (ch == ' ' || ch == '\t')
			p->pos++;
		else if (ch == '\\' && p->pos + 1 < p->end && s[p->pos + 1] == '\n')
			p->pos += 2;
		else
			break;
	}
	memset(t, 0, sizeof(*t));
	t->start = p->pos;
	if (p->pos >= p->end) {
		t->type = T_EOF;
		t->end = p->pos;
		if (p->hd_head && p->end == p->full_end)
			read_heredocs(p);
		return;
	}
	i = p->pos;
	c = (unsigned char)s[i];
	switch (c) {
	case '#': {
		const char *nl = memchr(s + i, '\n', p->end - i);
		p->pos = nl ? (size_t)(nl - s) : p->end;
		goto again;
	}
	case '\n':
		t->type = T_NEWLINE;
		p->pos = i + 1;
		t->end = p->pos;
		if (p->hd_head)
			read_heredocs(p);
		return;
	case ';':
		if (at(p, i + 1) == ';') {
			if (at(p, i + 2) == '&') {
				t->type = T_DSEMI_AMP;
				p->pos = i + 3;
			} else {
				t->type = T_DSEMI;
				p->pos = i + 2;
			}
		} else if (at(p, i + 1) == '&') {
			t->type = T_SEMI_AMP;
			p->pos = i + 2;
		} else {
			t->type = T_SEMI;
			p->pos = i + 1;
		}
		break;
	case '&':
		if (at(p, i + 1) == '&') {
			t->type = T_AND_IF;
			p->pos = i + 2;
		} else if (at(p, i + 1) == '>') {
			t->type = T_REDIR;
			if (at(p, i + 2) == '>') {
				t->rop = HS_REDIR_APPEND_ERR;
				p->pos = i + 3;
			} else {
				t->rop = HS_REDIR_OUT_ERR;
				p->pos = i + 2;
			}
		} else {
			t->type = T_AMP;
			p->pos = i + 1;
		}
		break;
	case '|':
		if (at(p, i + 1) == '|') {
			t->type = T_OR_IF;
			p->pos = i + 2;
		} else if (at(p, i + 1) == '&') {
			t->type = T_PIPE_AMP;
			p->pos = i + 2;
		} else {
			t->type = T_PIPE;
			p->pos = i + 1;
		}
		break;
	case '(':
		t->type = T_LPAREN;
		p->pos = i + 1;
		break;
	case ')':
		t->type = T_RPAREN;
		p->pos = i + 1;
		break;
	case '<':
	case '>': {
		int n = at(p, i + 1);
		if (n == '(') {
			/* bash process substitution: a word */
			struct hs_node_word *w = NEW(p, hs_node_word, HS_NODE_WORD, i);
			struct hs_node **tail = &w->parts;
			p->pos = i + 2;
			struct hs_node *ps = parse_cmdsub_body(p, i, HS_NODE_PROCSUB);
			((struct hs_node_cmdsub *)ps)->dir = (char)c;
			ps->flags |= HS_NODE_F_BASH;
			append(&tail, ps);
			*tail = lex_parts(p, C_WORD, i, 0);
			w->base.range.end = p->pos;
			t->type = T_WORD;
			t->word = w;
			break;
		}
		t->type = T_REDIR;
		if (c == '<') {
			if (n == '<') {
				if (at(p, i + 2) == '<') {
					t->rop = HS_REDIR_HERESTR;
					p->pos = i + 3;
				} else if (at(p, i + 2) == '-') {
					t->rop = HS_REDIR_HEREDOC;
					t->strip = 1;
					p->pos = i + 3;
				} else {
					t->rop = HS_REDIR_HEREDOC;
					p->pos = i + 2;
				}
			} else if (n == '&') {
				t->rop = HS_REDIR_DUP_IN;
				p->pos = i + 2;
			} else if (n == '>') {
				t->rop = HS_REDIR_RDWR;
				p->pos = i + 2;
			} else {
				t->rop = HS_REDIR_IN;
				p->pos = i + 1;
			}
		} else {
			if (n == '>') {
				t->rop = HS_REDIR_APPEND;
				p->pos = i + 2;
			} else if (n == '&') {
				t->rop = HS_REDIR_DUP_OUT;
				p->pos = i + 2;
			} else if (n == '|') {
				t->rop = HS_REDIR_CLOBBER;
				p->pos = i + 2;
			} else {
				t->rop = HS_REDIR_OUT;
				p->pos = i + 1;
			}
		}
		break;
	}
	default:
		if (is_digit((char)c)) {
			size_t j = i;
			long fd = 0;
			while (j < p->end && is_digit(s[j])) {
				if (fd < 100000000)
					fd = fd * 10 + (s[j] - '0');
				j++;
			}
			if (j < p->end && (s[j] == '<' || s[j] == '>') && at(p, j + 1) != '(') {
				t->type = T_IO_NUMBER;
				t->fd = (int)fd;
				p->pos = j;
				break;
			}
		} else if (c == '{') {
			size_t j = i + 1;
			while (j < p->end && is_name(s[j]))
				j++;
			if (j > i + 1 && is_namestart(s[i + 1]) && at(p, j) == '}' &&
			    (at(p, j + 1) == '<' || at(p, j + 1) == '>') && at(p, j + 2) != '(') {
				t->type = T_IO_VAR;
				p->pos = j + 1;
				break;
			}
		}
		t->type = T_WORD;
		t->word = lex_word(p);
		break;
	}
	t->end = p->pos;
}

/* Here-document bodies (XCU 2.7.4), read right after the newline that ends their line. */
static void read_heredocs(struct parser *p)
{
	struct pending_hd *h = p->hd_head;

	p->hd_head = NULL;
	p->hd_tail = &p->hd_head;
	for (; h; h = h->next) {
		struct hs_node_redir *r = h->r;
		size_t bs = p->pos, i = bs, body_end = p->end, hd_end = p->end;
		while (i < p->end) {
			const char *nl = memchr(p->s + i, '\n', p->end - i);
			size_t le = nl ? (size_t)(nl - p->s) : p->end, j = i;
			if (r->strip_tabs)
				while (j < le && p->s[j] == '\t')
					j++;
			if (le - j == r->delim_len && memcmp(p->s + j, r->delim, r->delim_len) == 0) {
				body_end = i;
				hd_end = nl ? le + 1 : le;
				break;
			}
			i = nl ? le + 1 : le;
		}
		struct hs_node_word *w;
		if (r->quoted) {
			w = NEW(p, hs_node_word, HS_NODE_WORD, bs);
			w->base.range.end = body_end;
			if (body_end > bs) {
				struct hs_node **tail = &w->parts;
				add_lit(p, &tail, bs, body_end);
				w->parts->flags |= HS_NODE_F_IN_DQUOTE;
			}
		} else {
			w = parse_range_word(p, C_HEREDOC, bs, body_end);
		}
		w->base.flags |= HS_NODE_F_HEREDOC;
		r->heredoc = &w->base;
		r->heredoc_end = hd_end;
		p->pos = hd_end;
	}
}

/* ---- the grammar (XCU 2.10.2) ---- */

static struct token *peek(struct parser *p)
{
	if (!p->have_tok) {
		lex_token(p, &p->tok);
		p->have_tok = 1;
	}
	return &p->tok;
}

static void consume(struct parser *p)
{
	p->last_end = p->tok.end;
	p->have_tok = 0;
}

/* Inline: called with constants (word_is), its memcmp is compiled inline too. */
static inline int word_is_n(const struct token *t, const char *w, size_t n)
{
	size_t len;
	const char *s;

	if (t->type != T_WORD)
		return 0;
	s = hs_word_literal(&t->word->base, &len);
	return s && len == n && memcmp(s, w, len) == 0;
}
#define word_is(t, lit) word_is_n(t, lit, sizeof(lit) - 1)

static int is_closing(const struct token *t)
{
	size_t len;
	const char *s;

	if (t->type != T_WORD)
		return 0;
	s = hs_word_literal(&t->word->base, &len);
	if (!s)
		return 0;
	/* by length, with memcmp of a constant size (compiled inline): asked for most words */
	switch (len) {
	case 1:
		return s[0] == '}';
	case 2:
		return memcmp(s, "fi", 2) == 0 || memcmp(s, "do", 2) == 0;
	case 4:
		return memcmp(s, "then", 4) == 0 || memcmp(s, "else", 4) == 0 ||
		       memcmp(s, "elif", 4) == 0 || memcmp(s, "done", 4) == 0 ||
		       memcmp(s, "esac", 4) == 0;
	default:
		return 0;
	}
}

static const char *tok_desc(struct parser *p, const struct token *t, char *buf, size_t n)
{
	static const char *const names[] = {
		[T_EOF] = "end of file", [T_NEWLINE] = "newline", [T_SEMI] = "\";\"",
		[T_AMP] = "\"&\"",	 [T_AND_IF] = "\"&&\"", [T_OR_IF] = "\"||\"",
		[T_PIPE] = "\"|\"",	 [T_PIPE_AMP] = "\"|&\"", [T_LPAREN] = "\"(\"",
		[T_RPAREN] = "\")\"",	 [T_DSEMI] = "\";;\"",	[T_SEMI_AMP] = "\";&\"",
		[T_DSEMI_AMP] = "\";;&\"",
	};
	if (t->type == T_WORD || t->type == T_REDIR || t->type == T_IO_NUMBER || t->type == T_IO_VAR) {
		size_t len = t->end - t->start;
		if (len > 40)
			len = 40;
		char tmp[41];
		memcpy(tmp, p->s + t->start, len);
		tmp[len] = 0;
		for (size_t i = 0; i < len; i++)
			if (tmp[i] == '\n')
				tmp[i] = ' ';
		snprintf(buf, n, "\"%s\"", tmp);
		return buf;
	}
	return names[t->type];
}

__attribute__((noreturn)) static void unexpected(struct parser *p, const char *expecting)
{
	char buf[64];
	struct token *t = peek(p);
	const char *d = tok_desc(p, t, buf, sizeof(buf));

	if (expecting)
		perr(p, t->start, "syntax error: %s unexpected (expecting %s)", d, expecting);
	perr(p, t->start, "syntax error: %s unexpected", d);
}

static void expect_word_n(struct parser *p, const char *w, size_t n, const char *quoted)
{
	if (!word_is_n(peek(p), w, n))
		unexpected(p, quoted);
	consume(p);
}
#define expect_word(p, lit, quoted) expect_word_n(p, lit, sizeof(lit) - 1, quoted)

static void linebreak(struct parser *p)
{
	while (peek(p)->type == T_NEWLINE)
		consume(p);
}

static int can_start_command(const struct token *t)
{
	switch (t->type) {
	case T_WORD:
		return !is_closing(t);
	case T_LPAREN:
	case T_REDIR:
	case T_IO_NUMBER:
	case T_IO_VAR:
		return 1;
	default:
		return 0;
	}
}

static struct hs_node *parse_and_or(struct parser *p);
static struct hs_node *parse_command(struct parser *p);

/* compound_list / list: and-or lists separated by ; & or newlines. */
static struct hs_node *parse_compound_list(struct parser *p)
{
	struct hs_node *head = NULL, **tail = &head;

	linebreak(p);
	while (can_start_command(peek(p))) {
		struct hs_node_andor *ao = (struct hs_node_andor *)parse_and_or(p);
		struct token *t = peek(p);
		append(&tail, &ao->base);
		if (t->type == T_SEMI || t->type == T_AMP) {
			ao->sep = t->type == T_SEMI ? HS_SEP_SEMI : HS_SEP_AMP;
			ao->sep_off = t->start;
			consume(p);
			linebreak(p);
		} else if (t->type == T_NEWLINE) {
			ao->sep = HS_SEP_NEWLINE;
			ao->sep_off = t->start;
			linebreak(p);
		} else {
			break;
		}
	}
	return head;
}

static struct hs_node *nonempty_list(struct parser *p, const char *expecting)
{
	struct hs_node *l = parse_compound_list(p);
	if (!l)
		unexpected(p, expecting);
	return l;
}

/* redirection: io_number? (io_file | io_here) (XCU 2.7) */
static struct hs_node *parse_redir(struct parser *p)
{
	struct token *t = peek(p);
	struct hs_node_redir *r = NEW(p, hs_node_redir, HS_NODE_REDIR, t->start);

	r->fd = -1;
	if (t->type == T_IO_NUMBER) {
		r->fd = t->fd;
		consume(p);
		t = peek(p);
	} else if (t->type == T_IO_VAR) {
		r->fd_var = p->s + t->start + 1;
		r->fd_var_len = t->end - t->start - 2;
		r->base.flags |= HS_NODE_F_BASH;
		consume(p);
		t = peek(p);
	}
	if (t->type != T_REDIR)
		unexpected(p, "redirection");
	r->op = t->rop;
	r->strip_tabs = t->strip;
	if (r->op == HS_REDIR_HERESTR || r->op == HS_REDIR_OUT_ERR || r->op == HS_REDIR_APPEND_ERR)
		r->base.flags |= HS_NODE_F_BASH;
	consume(p);
	t = peek(p);
	if (t->type != T_WORD)
		unexpected(p, "word");
	r->target = &t->word->base;
	consume(p);
	if (r->op == HS_REDIR_HEREDOC) {
		/* the delimiter: quote removal on the word as written (XCU 2.7.4) */
		size_t a = r->target->range.start, b = r->target->range.end, k = 0;
		char *d = xalloc(p, b - a + 1);
		for (size_t i = a; i < b; i++) {
			char ch = p->s[i];
			if (ch == '\'' || ch == '"') {
				r->quoted = 1;
				continue;
			}
			if (ch == '\\' && i + 1 < b) {
				r->quoted = 1;
				ch = p->s[++i];
			}
			d[k++] = ch;
		}
		r->delim = d;
		r->delim_len = k;
		struct pending_hd *h = xalloc(p, sizeof(*h));
		h->r = r;
		*p->hd_tail = h;
		p->hd_tail = &h->next;
	}
	r->base.range.end = p->last_end;
	return &r->base;
}

static void trailing_redirs(struct parser *p, struct hs_node *cmd)
{
	struct hs_node **tail = &((struct hs_node_simple *)cmd)->redirs;
	struct token *t;

	while (*tail)
		tail = &(*tail)->next;
	for (t = peek(p); t->type == T_REDIR || t->type == T_IO_NUMBER || t->type == T_IO_VAR; t = peek(p))
		append(&tail, parse_redir(p));
	cmd->range.end = p->last_end;
}

/* export readonly local declare typeset; by length, with memcmp of a constant size (compiled
 * inline): asked for every command name */
static int is_decl_builtin(const char *s, size_t n)
{
	switch (n) {
	case 5:
		return memcmp(s, "local", 5) == 0;
	case 6:
		return memcmp(s, "export", 6) == 0;
	case 7:
		return memcmp(s, "declare", 7) == 0 || memcmp(s, "typeset", 7) == 0;
	case 8:
		return memcmp(s, "readonly", 8) == 0;
	default:
		return 0;
	}
}

static struct hs_node *make_assign(struct parser *p, struct hs_node_word *w)
{
	struct hs_node_assign *a = NEW(p, hs_node_assign, HS_NODE_ASSIGN, w->base.range.start);
	struct hs_node_lit *pre = (struct hs_node_lit *)w->parts;
	size_t n = pre->len - 1;
	const char *br;

	a->base.range.end = w->base.range.end;
	if (n && pre->text[n - 1] == '+') {
		a->append = 1;
		n--;
	}
	br = memchr(pre->text, '[', n);
	a->name = pre->text;
	a->name_len = br ? (size_t)(br - pre->text) : n;
	if (br) {
		struct hs_node_word *sw = NEW(p, hs_node_word, HS_NODE_WORD, pre->base.range.start + a->name_len + 1);
		struct hs_node **tail = &sw->parts;
		size_t s0 = sw->base.range.start, e0 = pre->base.range.start + n - 1;
		add_lit(p, &tail, s0, e0);
		sw->base.range.end = e0;
		a->subscript = &sw->base;
		a->base.flags |= HS_NODE_F_BASH;
	}
	struct hs_node_word *v = NEW(p, hs_node_word, HS_NODE_WORD, pre->base.range.end);
	v->base.range.end = w->base.range.end;
	v->parts = pre->base.next;
	if (v->parts && v->parts->kind == HS_NODE_ARRAY)
		a->base.flags |= HS_NODE_F_BASH;
	a->value = &v->base;
	return &a->base;
}

/* simple_command, and function_definition (fname '(' ')' linebreak function_body) */
static struct hs_node *parse_simple(struct parser *p)
{
	struct token *t = peek(p);
	struct hs_node_simple *c = NEW(p, hs_node_simple, HS_NODE_SIMPLE, t->start);
	struct hs_node **at_ = &c->assigns, **wt = &c->words, **rt = &c->redirs;

	for (;;) {
		t = peek(p);
		if (t->type == T_REDIR || t->type == T_IO_NUMBER || t->type == T_IO_VAR) {
			append(&rt, parse_redir(p));
			continue;
		}
		if (t->type != T_WORD)
			break;
		struct hs_node_word *w = t->word;
		if (!c->words && w->assign_len) {
			append(&at_, make_assign(p, w));
			consume(p);
			continue;
		}
		int first = !c->words && !c->assigns && !c->redirs;
		append(&wt, &w->base);
		consume(p);
		if (first) {
			size_t n;
			const char *s = hs_word_literal(&w->base, &n);
			if (peek(p)->type == T_LPAREN) {
				struct hs_node_funcdef *f = NEW(p, hs_node_funcdef, HS_NODE_FUNCDEF, c->base.range.start);
				if (!s)
					perr(p, w->base.range.start, "syntax error: bad function name");
				f->name = s;
				f->name_len = n;
				consume(p);
				if (peek(p)->type != T_RPAREN)
					unexpected(p, "\")\"");
				consume(p);
				linebreak(p);
				f->body = parse_command(p);
				if (f->body->kind == HS_NODE_SIMPLE)
					perr(p, f->body->range.start, "syntax error: function body must be a compound command");
				f->base.range.end = f->body->range.end;
				return &f->base;
			}
			if (s && is_decl_builtin(s, n))
				c->base.flags |= HS_NODE_F_DECL;
		}
	}
	if (!c->words && !c->assigns && !c->redirs)
		unexpected(p, NULL);
	c->base.range.end = p->last_end;
	return &c->base;
}

/* for name [in words] do_group; select likewise; bash for ((;;)) */
static struct hs_node *parse_for(struct parser *p, enum hs_node_kind kind)
{
	struct token *t = peek(p);
	struct hs_node_for *f = NEW(p, hs_node_for, kind, t->start);
	size_t close;

	consume(p);
	t = peek(p);
	if (kind == HS_NODE_FOR && t->type == T_LPAREN && at(p, p->pos) == '(' &&
	    arith_scan(p, p->pos + 1, &close)) {
		f->base.kind = HS_NODE_ARITH_FOR;
		f->base.flags |= HS_NODE_F_BASH;
		f->words = &parse_range_word(p, C_ARITH, p->pos + 1, close)->base;
		p->pos = close + 2;
		p->have_tok = 0;
		p->last_end = p->pos;
		if (peek(p)->type == T_SEMI)
			consume(p);
		linebreak(p);
	} else {
		const char *s;
		if (t->type != T_WORD || !(s = hs_word_literal(&t->word->base, &f->name_len)))
			unexpected(p, "name");
		f->name = s;
		consume(p);
		linebreak(p);
		if (word_is(peek(p), "in")) {
			struct hs_node **tail = &f->words;
			f->has_in = 1;
			consume(p);
			while ((t = peek(p))->type == T_WORD) {
				append(&tail, &t->word->base);
				consume(p);
			}
			if (t->type != T_SEMI && t->type != T_NEWLINE)
				unexpected(p, "\"do\"");
			consume(p);
			linebreak(p);
		} else if (peek(p)->type == T_SEMI) {
			consume(p);
			linebreak(p);
		}
	}
	if (kind == HS_NODE_SELECT)
		f->base.flags |= HS_NODE_F_BASH;
	if (word_is(peek(p), "{")) {
		/* bash: for x in ...; { ...; } */
		consume(p);
		f->base.flags |= HS_NODE_F_BASH;
		f->body = nonempty_list(p, "command");
		expect_word(p, "}", "\"}\"");
	} else {
		expect_word(p, "do", "\"do\"");
		f->body = nonempty_list(p, "command");
		expect_word(p, "done", "\"done\"");
	}
	f->base.range.end = p->last_end;
	return &f->base;
}

static struct hs_node *parse_case(struct parser *p)
{
	struct token *t = peek(p);
	struct hs_node_case *c = NEW(p, hs_node_case, HS_NODE_CASE, t->start);
	struct hs_node **it = &c->items;

	consume(p);
	t = peek(p);
	if (t->type != T_WORD)
		unexpected(p, "word");
	c->word = &t->word->base;
	consume(p);
	linebreak(p);
	expect_word(p, "in", "\"in\"");
	linebreak(p);
	for (;;) {
		t = peek(p);
		if (word_is(t, "esac"))
			break;
		struct hs_node_case_item *ci = NEW(p, hs_node_case_item, HS_NODE_CASE_ITEM, t->start);
		struct hs_node **pt = &ci->patterns;
		if (t->type == T_LPAREN) {
			consume(p);
			t = peek(p);
		}
		for (;;) {
			if (t->type != T_WORD)
				unexpected(p, "pattern");
			append(&pt, &t->word->base);
			consume(p);
			t = peek(p);
			if (t->type != T_PIPE)
				break;
			consume(p);
			t = peek(p);
		}
		if (t->type != T_RPAREN)
			unexpected(p, "\")\"");
		consume(p);
		ci->body = parse_compound_list(p);
		t = peek(p);
		ci->base.range.end = p->last_end;
		append(&it, &ci->base);
		if (t->type == T_DSEMI || t->type == T_SEMI_AMP || t->type == T_DSEMI_AMP) {
			ci->term = t->type == T_DSEMI ? HS_CASE_BREAK : t->type == T_SEMI_AMP ? HS_CASE_FALL : HS_CASE_CONT;
			if (t->type != T_DSEMI)
				ci->base.flags |= HS_NODE_F_BASH;
			consume(p);
			ci->base.range.end = p->last_end;
			linebreak(p);
			continue;
		}
		if (word_is(t, "esac"))
			break;
		unexpected(p, "\";;\"");
	}
	consume(p);
	c->base.range.end = p->last_end;
	return &c->base;
}

static struct hs_node *parse_if(struct parser *p)
{
	struct hs_node_if *top = NEW(p, hs_node_if, HS_NODE_IF, peek(p)->start), *cur = top;

	consume(p);
	top->cond = nonempty_list(p, "command");
	expect_word(p, "then", "\"then\"");
	top->then_body = nonempty_list(p, "command");
	for (;;) {
		struct token *t = peek(p);
		if (word_is(t, "elif")) {
			struct hs_node_if *e = NEW(p, hs_node_if, HS_NODE_IF, t->start);
			e->base.flags |= HS_NODE_F_ELIF;
			consume(p);
			e->cond = nonempty_list(p, "command");
			expect_word(p, "then", "\"then\"");
			e->then_body = nonempty_list(p, "command");
			cur->else_body = &e->base;
			cur = e;
			continue;
		}
		if (word_is(t, "else")) {
			consume(p);
			cur->else_body = nonempty_list(p, "command");
		}
		break;
	}
	expect_word(p, "fi", "\"fi\"");
	for (cur = top; cur; cur = (cur->else_body && (cur->else_body->flags & HS_NODE_F_ELIF))
					     ? (struct hs_node_if *)cur->else_body
					     : NULL)
		cur->base.range.end = p->last_end;
	return &top->base;
}

static struct hs_node *parse_loop(struct parser *p, enum hs_node_kind kind)
{
	struct hs_node_loop *l = NEW(p, hs_node_loop, kind, peek(p)->start);

	consume(p);
	l->cond = nonempty_list(p, "command");
	expect_word(p, "do", "\"do\"");
	l->body = nonempty_list(p, "command");
	expect_word(p, "done", "\"done\"");
	l->base.range.end = p->last_end;
	return &l->base;
}

/* bash [[ ... ]]: words up to "]]"; operators inside are not redirections. */
static struct hs_node *parse_dbracket(struct parser *p)
{
	struct hs_node_bash_cmd *b = NEW(p, hs_node_bash_cmd, HS_NODE_DBRACKET, peek(p)->start);
	struct hs_node **tail = &b->words;

	b->base.flags |= HS_NODE_F_BASH;
	consume(p);
	for (;;) {
		struct token *t = peek(p);
		if (t->type == T_EOF)
			unexpected(p, "\"]]\"");
		if (word_is(t, "]]"))
			break;
		if (t->type == T_WORD)
			append(&tail, &t->word->base);
		consume(p);
	}
	consume(p);
	b->base.range.end = p->last_end;
	return &b->base;
}

static struct hs_node *parse_command(struct parser *p)
{
	struct token *t = peek(p);
	struct hs_node *n;
	size_t st = t->start, close;

	if (word_is(t, "{")) {
		struct hs_node_compound *g = NEW(p, hs_node_compound, HS_NODE_GROUP, st);
		enter(p, st);
		consume(p);
		g->body = nonempty_list(p, "command");
		expect_word(p, "}", "\"}\"");
		leave(p);
		trailing_redirs(p, &g->base);
		return &g->base;
	}
	if (t->type == T_LPAREN) {
		enter(p, st);
		if (!(p->sh->flags & HS_PARSE_POSIX) && at(p, p->pos) == '(' &&
		    arith_scan(p, p->pos + 1, &close)) {
			struct hs_node_bash_cmd *a = NEW(p, hs_node_bash_cmd, HS_NODE_ARITH_CMD, st);
			a->base.flags |= HS_NODE_F_BASH;
			a->words = &parse_range_word(p, C_ARITH, p->pos + 1, close)->base;
			p->pos = close + 2;
			p->have_tok = 0;
			p->last_end = p->pos;
			n = &a->base;
		} else {
			struct hs_node_compound *c = NEW(p, hs_node_compound, HS_NODE_SUBSHELL, st);
			consume(p);
			c->body = nonempty_list(p, "command");
			if (peek(p)->type != T_RPAREN)
				unexpected(p, "\")\"");
			consume(p);
			n = &c->base;
		}
		leave(p);
		trailing_redirs(p, n);
		return n;
	}
	if (t->type != T_WORD)
		return parse_simple(p);
	size_t len;
	const char *w = hs_word_literal(&t->word->base, &len);
	if (!w || len < 2 || len > 8)
		return parse_simple(p);
	switch (w[0]) {
	case 'i':
	case 'w':
	case 'u':
	case 'f':
	case 'c':
	case 's':
	case '[':
		break;
	default:
		return parse_simple(p);
	}
	/* memcmp of a constant size, compiled inline: many command names get here */
#define KW(lit) (len == sizeof(lit) - 1 && memcmp(w, lit, sizeof(lit) - 1) == 0)
	if (!KW("if") && !KW("while") && !KW("until") && !KW("for") && !KW("case") &&
	    !KW("select") && !KW("[[") && !KW("function") && !KW("coproc"))
		return parse_simple(p);
	enter(p, st);
	if (KW("if"))
		n = parse_if(p);
	else if (KW("while"))
		n = parse_loop(p, HS_NODE_WHILE);
	else if (KW("until"))
		n = parse_loop(p, HS_NODE_UNTIL);
	else if (KW("for"))
		n = parse_for(p, HS_NODE_FOR);
	else if (KW("select"))
		n = parse_for(p, HS_NODE_SELECT);
	else if (KW("case"))
		n = parse_case(p);
	else if (KW("[["))
		n = parse_dbracket(p);
	else if (KW("function")) {
		struct hs_node_funcdef *f = NEW(p, hs_node_funcdef, HS_NODE_FUNCDEF, st);
		f->keyword = 1;
		f->base.flags |= HS_NODE_F_BASH;
		consume(p);
		t = peek(p);
		if (t->type != T_WORD || !(f->name = hs_word_literal(&t->word->base, &f->name_len)))
			unexpected(p, "name");
		consume(p);
		if (peek(p)->type == T_LPAREN) {
			consume(p);
			if (peek(p)->type != T_RPAREN)
				unexpected(p, "\")\"");
			consume(p);
		}
		linebreak(p);
		f->body = parse_command(p);
		if (f->body->kind == HS_NODE_SIMPLE)
			perr(p, f->body->range.start, "syntax error: function body must be a compound command");
		f->base.range.end = f->body->range.end;
		leave(p);
		return &f->base;
	} else {
		/* coproc [NAME] command */
		struct hs_node_coproc *c = NEW(p, hs_node_coproc, HS_NODE_COPROC, st);
		c->base.flags |= HS_NODE_F_BASH;
		consume(p);
		t = peek(p);
		const char *nm;
		size_t nl;
		if (t->type == T_WORD && !is_closing(t) && (nm = hs_word_literal(&t->word->base, &nl))) {
			size_t j = p->pos;
			while (j < p->end && (p->s[j] == ' ' || p->s[j] == '\t'))
				j++;
			int nx = at(p, j);
			if (nx == '{' || nx == '(' ||
			    (p->end - j >= 5 && (!memcmp(p->s + j, "while", 5) || !memcmp(p->s + j, "until", 5))) ||
			    (p->end - j >= 3 && (!memcmp(p->s + j, "if ", 3) || !memcmp(p->s + j, "for", 3))) ||
			    (p->end - j >= 4 && !memcmp(p->s + j, "case", 4))) {
				c->name = nm;
				c->name_len = nl;
				consume(p);
			}
		}
		c->body = parse_command(p);
		c->base.range.end = c->body->range.end;
		leave(p);
		return &c->base;
	}
#undef KW
	leave(p);
	trailing_redirs(p, n);
	return n;
}

/* pipeline: [!] command (| linebreak command)* */
static struct hs_node *parse_pipeline(struct parser *p, enum hs_andor_op op)
{
	struct token *t = peek(p);
	struct hs_node_pipeline *pl = NEW(p, hs_node_pipeline, HS_NODE_PIPELINE, t->start);
	struct hs_node **tail = &pl->cmds;

	pl->op = op;
	while (word_is(peek(p), "!")) {
		pl->bang = 1;
		consume(p);
	}
	for (;;) {
		struct hs_node *c = parse_command(p);
		append(&tail, c);
		t = peek(p);
		if (t->type != T_PIPE && t->type != T_PIPE_AMP)
			break;
		if (t->type == T_PIPE_AMP) {
			c->flags |= HS_NODE_F_PIPE_AMP;
			pl->base.flags |= HS_NODE_F_BASH;
		}
		consume(p);
		linebreak(p);
	}
	pl->base.range.end = p->last_end;
	return &pl->base;
}

/* and_or: pipeline ((&& | ||) linebreak pipeline)* */
static struct hs_node *parse_and_or(struct parser *p)
{
	struct hs_node_andor *ao = NEW(p, hs_node_andor, HS_NODE_ANDOR, peek(p)->start);
	struct hs_node **tail = &ao->pipelines;
	enum hs_andor_op op = HS_ANDOR_FIRST;

	for (;;) {
		append(&tail, parse_pipeline(p, op));
		struct token *t = peek(p);
		if (t->type != T_AND_IF && t->type != T_OR_IF)
			break;
		op = t->type == T_AND_IF ? HS_ANDOR_AND : HS_ANDOR_OR;
		consume(p);
		linebreak(p);
	}
	ao->base.range.end = p->last_end;
	return &ao->base;
}

/* ---- entry points ---- */

static int setup(struct parse_shared *sh, struct parser *p, const char *src, size_t len,
		 const char *filename, unsigned flags, struct hs_arena *arena, struct hs_error *err)
{
	const char *nul;

	init_ctab();
	memset(sh, 0, sizeof(*sh));
	memset(p, 0, sizeof(*p));
	sh->fname = filename ? filename : "-";
	sh->orig = src;
	sh->orig_len = len;
	p->arena = arena;
	sh->err = err;
	sh->flags = flags;
	p->sh = sh;
	p->s = src;
	p->end = len;
	p->full_end = len;
	p->hd_tail = &p->hd_head;
	if (len >= UINT32_MAX)
		return hs_error_set(err, EFBIG, "%s: script too large", sh->fname);
	/* one pass: a guess of one line per 32 bytes, grown when short */
	size_t cap = len / 32 + 16;
	sh->lines = malloc(cap * sizeof(*sh->lines));
	if (!sh->lines)
		return hs_error_set(err, ENOMEM, "%s: parse", sh->fname);
	sh->lines[0] = 0;
	sh->nlines = 1;
	for (const char *q = src; len && (q = memchr(q, '\n', len - (size_t)(q - src))); q++) {
		if (sh->nlines == cap) {
			uint32_t *v = realloc(sh->lines, 2 * cap * sizeof(*v));
			if (!v)
				return hs_error_set(err, ENOMEM, "%s: parse", sh->fname);
			sh->lines = v;
			cap *= 2;
		}
		sh->lines[sh->nlines++] = (uint32_t)(q - src + 1);
	}
	nul = len ? memchr(src, 0, len) : NULL;
	if (nul) {
		uint32_t line, col;
		line_col(sh, (size_t)(nul - src), &line, &col);
		return hs_error_set(err, 0, "%s:%u:%u: NUL byte in script", sh->fname, line, col);
	}
	return 0;
}

static int parse_program(struct parse_shared *sh, struct parser *p, struct hs_ast *ast)
{
	if (setjmp(sh->jb))
		return -1;
	ast->root = NEW(p, hs_node_program, HS_NODE_PROGRAM, 0);
	ast->root->body = parse_compound_list(p);
	if (peek(p)->type != T_EOF)
		unexpected(p, NULL);
	ast->root->base.range.end = ast->len;
	return 0;
}

struct hs_ast *hs_parse(const char *src, size_t len, const char *filename, unsigned flags,
			struct hs_error *err)
{
	struct parse_shared sh;
	struct parser p;
	struct hs_ast *ast = calloc(1, sizeof(*ast));
	struct hs_arena *arena = calloc(1, sizeof(*arena));

	if (!ast || !arena) {
		free(ast);
		free(arena);
		hs_error_set(err, ENOMEM, "parse");
		return NULL;
	}
	ast->arena = arena;
	ast->src = src;
	ast->len = len;
	if (setup(&sh, &p, src, len, filename, flags, arena, err) < 0 ||
	    parse_program(&sh, &p, ast) < 0) {
		free(sh.lines);
		hs_ast_free(ast);
		return NULL;
	}
	ast->filename = filename ? filename : "-";
	free(sh.lines);
	return ast;
}

/* Deliver each top-level ANDOR to fn (or kfn, which may keep its nodes in the arena), or only
 * those of the first batch (one_batch: the commands up to a newline, with their here-documents). */
static int each_loop(struct parser *p, struct hs_arena *arena, hs_parse_fn fn,
		     hs_parse_keep_fn kfn, void *ctx, int one_batch)
{
	struct hs_node *batch = NULL, **tail = &batch;
	struct hs_arena_mark mark;

	xalloc(p, 1); /* a chunk to mark in, kept across commands */
	mark = hs_arena_mark(arena);
	int ret = 0;

	linebreak(p);
	for (;;) {
		struct token *t = peek(p);
		if (!can_start_command(t)) {
			if (t->type != T_EOF)
				unexpected(p, NULL);
			break;
		}
		struct hs_node_andor *ao = (struct hs_node_andor *)parse_and_or(p);
		t = peek(p);
		*tail = &ao->base;
		tail = &ao->base.next;
		if (t->type == T_SEMI || t->type == T_AMP || t->type == T_NEWLINE) {
			ao->sep = t->type == T_SEMI ? HS_SEP_SEMI : t->type == T_AMP ? HS_SEP_AMP : HS_SEP_NEWLINE;
			ao->sep_off = t->start;
			consume(p);
		} else if (t->type != T_EOF) {
			unexpected(p, NULL);
		}
		if (p->hd_head && t->type != T_EOF) {
			/* its here-documents come after the next newline: read them before
			 * delivering, or parse on (same line) and deliver later */
			if (peek(p)->type == T_NEWLINE)
				consume(p);
			if (p->hd_head)
				continue;
		}
		int keep = 0;
		unsigned idx = 0;
		for (struct hs_node *n = batch; n && !ret; idx++) {
			struct hs_node *next = n->next;
			n->next = NULL;
			ret = kfn ? kfn(n, p->sh->orig, ctx, idx, &keep) : fn(n, p->sh->orig, ctx);
			n = next;
		}
		batch = NULL;
		tail = &batch;
		/* the arena is a stack: a kept batch stays below the next command's mark */
		if (keep)
			mark = hs_arena_mark(arena);
		else
			hs_arena_release(arena, mark);
		if (ret || one_batch)
			break;
		linebreak(p);
	}
	return ret;
}

/* The streaming parses: the whole script (starts NULL), or only the batches of commands that
 * begin at starts[0..n_starts); each command goes to fn, or is kept by kfn, in arena. */
static int stream(const char *src, size_t len, const char *filename, unsigned flags,
		  const size_t *starts, size_t n_starts, hs_parse_fn fn, hs_parse_keep_fn kfn,
		  void *ctx, struct hs_arena *arena, struct hs_error *err)
{
	struct parse_shared sh;
	struct parser p;
	volatile int ret = 0;

	if (setup(&sh, &p, src, len, filename, flags, arena, err) < 0) {
		free(sh.lines);
		return -1;
	}
	if (setjmp(sh.jb)) {
		ret = -1;
	} else if (!starts) {
		ret = each_loop(&p, arena, fn, kfn, ctx, 0);
	} else {
		for (size_t i = 0; i < n_starts && !ret; i++) {
			/* between batches the parser holds nothing but its position */
			p.pos = starts[i];
			p.have_tok = 0;
			p.last_end = starts[i];
			p.depth = 0;
			p.hd_head = NULL;
			p.hd_tail = &p.hd_head;
			ret = each_loop(&p, arena, fn, kfn, ctx, 1);
		}
	}
	free(sh.lines);
	return ret;
}

int hs_parse_each(const char *src, size_t len, const char *filename, unsigned flags, hs_parse_fn fn,
		  void *ctx, struct hs_error *err)
{
	struct hs_arena arena = {0};
	int ret = stream(src, len, filename, flags, NULL, 0, fn, NULL, ctx, &arena, err);
	hs_arena_free(&arena);
	return ret;
}

int hs_parse_each_keep(const char *src, size_t len, const char *filename, unsigned flags,
		       hs_parse_keep_fn fn, void *ctx, struct hs_arena *arena, struct hs_error *err)
{
	return stream(src, len, filename, flags, NULL, 0, NULL, fn, ctx, arena, err);
}

int hs_parse_batches(const char *src, size_t len, const char *filename, unsigned flags,
		     const size_t *starts, size_t n_starts, hs_parse_keep_fn fn, void *ctx,
		     struct hs_error *err)
{
	struct hs_arena arena = {0};
	int ret = stream(src, len, filename, flags, starts, n_starts, NULL, fn, ctx, &arena, err);
	hs_arena_free(&arena);
	return ret;
}
