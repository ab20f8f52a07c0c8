/* The node finder (engine/analyze.h): kinds, reads, control-flow place of every command. */
#include "engine/analyze-internal.h"
#include "engine/analyze.h"
#include "engine/ast-internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "lib/error.h"
#include "lib/util.h"

#include <uthash.h>

/* ---- the table's memory ------------------------------------------------------------------ */

/* Every string and array of the table lives in one pool, freed with it: a table has an entry
 * per command (hundreds of thousands for a large script), and a malloc per name, variable and
 * redirection cost more than building them. */
struct pool_chunk {
	struct pool_chunk *prev;
	size_t size, used;
	char data[];
};

struct hs_analysis_pool {
	struct pool_chunk *cur;
};

#define POOL_CHUNK (1024 * 1024 - 64)

/* n bytes aligned to align (a power of 2), not zeroed; NULL when out of memory. */
static void *pool_alloc(struct hs_analysis_pool *pool, size_t n, size_t align)
{
	struct pool_chunk *ch = pool->cur;
	size_t at = ch ? (ch->used + align - 1) & ~(align - 1) : 0;
	if (!ch || at + n > ch->size) {
		size_t size = n > POOL_CHUNK - sizeof(*ch) ? n : POOL_CHUNK - sizeof(*ch);
		ch = malloc(sizeof(*ch) + size);
		if (!ch)
			return NULL;
		hs_prefault(ch->data, size);
		ch->prev = pool->cur;
		ch->size = size;
		ch->used = 0;
		pool->cur = ch;
		at = 0;
	}
	ch->used = at + n;
	return ch->data + at;
}

static char *pool_strndup(struct hs_analysis_pool *pool, const char *p, size_t len)
{
	char *s = pool_alloc(pool, len + 1, 1);
	if (s) {
		memcpy(s, p, len);
		s[len] = '\0';
	}
	return s;
}

static void pool_free(struct hs_analysis_pool *pool)
{
	if (!pool)
		return;
	for (struct pool_chunk *ch = pool->cur, *prev; ch; ch = prev) {
		prev = ch->prev;
		free(ch);
	}
	free(pool);
}

/* A name in an open-addressing table (a power of 2 slots, at most half full): the interned
 * names and the candidate function names. */
struct name_slot {
	const char *s;
	size_t len;
};

/* Names (variables, commands) interned in the pool: one copy of each, so that a set of
 * names compares pointers. */
struct intern {
	struct name_slot *v;
	size_t cap, n; /* cap: a power of 2, or 0 */
	struct hs_analysis_pool *pool;
	int oom;
};

static size_t name_hash(const char *p, size_t len)
{
	size_t h = 1469598103934665603u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211u;
	return h ^ (h >> 29);
}

/* The slot of p[0..len) in v (cap slots), or the empty one where it goes. */
static inline size_t slot_find(const struct name_slot *v, size_t cap, const char *p, size_t len)
{
	size_t i = name_hash(p, len) & (cap - 1);
	while (v[i].s && !(v[i].len == len && memcmp(v[i].s, p, len) == 0))
		i = (i + 1) & (cap - 1);
	return i;
}

/* Room for one more name beside n: the table doubled (first slots when empty) once it would
 * be over half full. -1 when out of memory. */
static int slots_reserve(struct name_slot **v, size_t *cap, size_t n, size_t first)
{
	if ((n + 1) * 2 <= *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : first;
	struct name_slot *nv = calloc(ncap, sizeof(*nv));
	if (!nv)
		return -1;
	for (size_t i = 0; i < *cap; i++)
		if ((*v)[i].s)
			nv[slot_find(nv, ncap, (*v)[i].s, (*v)[i].len)] = (*v)[i];
	free(*v);
	*v = nv;
	*cap = ncap;
	return 0;
}

/* The interned copy of p[0..len); NULL (and in->oom) when out of memory. */
static char *intern(struct intern *in, const char *p, size_t len)
{
	if (slots_reserve(&in->v, &in->cap, in->n, 256) < 0) {
		in->oom = 1;
		return NULL;
	}
	struct name_slot *e = &in->v[slot_find(in->v, in->cap, p, len)];
	if (e->s)
		return (char *)e->s; /* the pool's copy, ours to hand out */
	char *s = pool_strndup(in->pool, p, len);
	if (!s) {
		in->oom = 1;
		return NULL;
	}
	*e = (struct name_slot){s, len};
	in->n++;
	return s;
}

/* memmem for a whole script (wl >= 2): memchr (vector code) to each place of w's first byte,
 * where the rest is compared. glibc's memmem takes several instructions a byte. */
static const char *find_text(const char *p, size_t n, const char *w, size_t wl)
{
	for (const char *end = p + n; (size_t)(end - p) >= wl; p++) {
		p = memchr(p, w[0], (size_t)(end - p) - wl + 1);
		if (!p)
			return NULL;
		if (p[1] == w[1] && memcmp(p + 2, w + 2, wl - 2) == 0)
			return p;
	}
	return NULL;
}

/* ---- small string sets ------------------------------------------------------------------ */

/* Interned names (not owned: the pool holds them). */
struct strset {
	char **v;
	size_t n, cap;
	int oom;
};

/* Whether the set holds the text p[0..len) (compares text: p need not be interned). */
static int strset_has(const struct strset *s, const char *p, size_t len)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i][0] == p[0] && strncmp(s->v[i], p, len) == 0 && s->v[i][len] == '\0')
			return 1;
	return 0;
}

/* Add an interned name. */
static void strset_addp(struct strset *s, char *name)
{
	if (!name) {
		s->oom = 1;
		return;
	}
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == name)
			return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		char **v = realloc(s->v, cap * sizeof(*v));
		if (!v) {
			s->oom = 1;
			return;
		}
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = name;
}

static void strset_add(struct intern *in, struct strset *s, const char *p, size_t len)
{
	strset_addp(s, intern(in, p, len));
}

static void strset_adds(struct intern *in, struct strset *s, const char *p)
{
	strset_add(in, s, p, strlen(p));
}

static void strset_release(struct strset *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The set as a sorted array in the pool (NULL if empty); empties the set. */
static char **strset_take(struct hs_analysis_pool *pool, struct strset *s, unsigned *n)
{
	char **v = NULL;
	*n = 0;
	if (s->n) {
		v = pool_alloc(pool, s->n * sizeof(*v), sizeof(*v));
		if (!v) {
			s->oom = 1;
			return NULL;
		}
		memcpy(v, s->v, s->n * sizeof(*v));
		if (s->n > 8) {
			qsort(v, s->n, sizeof(*v), cmp_str);
		} else {
			for (size_t i = 1; i < s->n; i++) {
				char *x = v[i];
				size_t j = i;
				for (; j > 0 && strcmp(v[j - 1], x) > 0; j--)
					v[j] = v[j - 1];
				v[j] = x;
			}
		}
		*n = (unsigned)s->n;
	}
	s->n = 0;
	return v;
}

/* A walk in hs_ast_walk's order (unless not ordered: a SIMPLE's assigns, words and redirs one
 * list after the other) with one visitor, called directly (no call through a pointer per
 * node): enter returns HS_WALK_CONTINUE, HS_WALK_SKIP or HS_WALK_STOP (the walk returns 1).
 * Children for which skip(child) holds are not visited: leaves on which enter does nothing.
 * Text leaves (LIT, SQUOTE: no children) are entered in place. And-or lists and pipelines
 * without HS_NODE_F_BASH are gone through in place, not entered: no visitor does anything on
 * them but look at that flag, and they are many of the nodes above the words. */
#define THROUGH(n)                                                                          \
	(((n)->kind == HS_NODE_ANDOR || (n)->kind == HS_NODE_PIPELINE) &&                   \
	 !((n)->flags & HS_NODE_F_BASH))
#define DEFINE_WALK(name, ctx_type, enter, skip, ordered)                                   \
	static int name(struct hs_node *n, struct hs_node *parent, ctx_type *x);           \
	static int name##_through(struct hs_node *n, ctx_type *x)                           \
	{                                                                                  \
		struct hs_node *ch = n->kind == HS_NODE_ANDOR                              \
					     ? HS_NODE_AS(hs_node_andor, n)->pipelines     \
					     : HS_NODE_AS(hs_node_pipeline, n)->cmds;      \
		for (; ch; ch = ch->next)                                                  \
			if (THROUGH(ch) ? name##_through(ch, x) : name(ch, n, x))          \
				return 1;                                                  \
		return 0;                                                                  \
	}                                                                                  \
	static int name(struct hs_node *n, struct hs_node *parent, ctx_type *x)            \
	{                                                                                  \
		int r = enter(n, parent, x);                                               \
		if (r == HS_WALK_STOP)                                                     \
			return 1;                                                          \
		if (r == HS_WALK_CONTINUE) {                                               \
			struct hs_child_iter it;                                           \
			hs_child_iter_init(&it, n, ordered);                               \
			for (struct hs_node *ch; (ch = hs_child_iter_next(&it));) {        \
				if (skip(ch))                                              \
					continue;                                          \
				/* text has no children: no call for it */                \
				if (ch->kind == HS_NODE_LIT || ch->kind == HS_NODE_SQUOTE) {  \
					if (enter(ch, n, x) == HS_WALK_STOP)               \
						return 1;                                  \
				} else if (THROUGH(ch) ? name##_through(ch, x)             \
						       : name(ch, n, x)) {                 \
					return 1;                                          \
				}                                                          \
			}                                                                  \
		}                                                                          \
		return 0;                                                                  \
	}

/* Literal text: a leaf that only the flag HS_NODE_F_BASH makes matter to a refusal check. */
#define PLAIN_TEXT(n)                                                                       \
	(((n)->kind == HS_NODE_LIT || (n)->kind == HS_NODE_SQUOTE) && !((n)->flags & HS_NODE_F_BASH))
#define ANY_TEXT(n) ((n)->kind == HS_NODE_LIT || (n)->kind == HS_NODE_SQUOTE)
#define NO_SKIP(n) 0

/* A word of plain text only (most words are): nothing in it for a refusal check, which does
 * nothing on a WORD but look at its HS_NODE_F_BASH. Skipped whole, it costs no call. */
static inline int plain_word(const struct hs_node *n)
{
	if (n->kind != HS_NODE_WORD || (n->flags & HS_NODE_F_BASH))
		return 0;
	for (const struct hs_node *p = HS_NODE_AS(hs_node_word, n)->parts; p; p = p->next)
		if (!PLAIN_TEXT(p))
			return 0;
	return 1;
}

#define PLAIN(n) (PLAIN_TEXT(n) || plain_word(n))

/* ---- builtin tables --------------------------------------------------------------------- */

/* Builtins that change the shell's state (or hand control elsewhere): never speculated. */
static const char *const state_builtins[] = {
	"cd", "export", "set", "shift", "read", "eval", ".", "source", "exit", "exec", "trap",
	"unset", "readonly", "local", "return", "break", "continue", "getopts", "wait", "ulimit",
	"umask", "hash", "alias", "unalias", "bg", "fg", "jobs", "fc", "declare", "typeset",
	"let", "shopt", "enable", "builtin", "chdir", "times", NULL};

/* POSIX special builtins: prefix assignments before them persist. */
static const char *const special_builtins[] = {
	":", ".", "eval", "exec", "exit", "export", "readonly", "return", "set", "shift", "times",
	"trap", "unset", "break", "continue", NULL};

/* Builtins with no effect on the shell: cheap, run inline. */
static const char *const pure_builtins[] = {
	"echo", "printf", "test", "[", ":", "true", "false", "pwd", "type", "kill", "command",
	NULL};

/* Commands that may write into an existing file in place (same inode, which dash is reading),
 * and which of their operands they write: cp, install and rsync the last, dd its of=, the
 * others any. A file replaced by rename (sed -i, mv) is no problem: dash keeps the old one. */
static const char *const self_writers[] = {"tee",     "dd",    "cp",	 "truncate",
					   "ed",      "ex",    "shred",	 "fallocate",
					   "install", "rsync", "sponge", NULL};

/* Function names that would replace a builtin the runtime uses. */
static const char *const runtime_builtins[] = {"printf", "read",  "umask",   "export", "true",
					       "return", "shift", "command", "unset",  "set",
					       "eval",   ".",     "alias",   NULL};

/* A word list with a filter: bit len of mask[c] is set when an entry of length len starts
 * with c (every entry is ASCII and shorter than 32), so most words are rejected at once; by[c]
 * lists the entries starting with c (at most 7; 64 entries at most). */
struct name_list {
	const char *const *v;
	uint32_t mask[128];
	unsigned char n_by[128];
	unsigned char by[128][7];
	unsigned char len[64]; /* of each entry */
};

static struct name_list state_list = {.v = state_builtins};
static struct name_list special_list = {.v = special_builtins};
static struct name_list pure_list = {.v = pure_builtins};
static struct name_list self_writer_list = {.v = self_writers};
static struct name_list runtime_list = {.v = runtime_builtins};

/* Filled before main: read-only afterwards, so analyses may run in any thread. */
__attribute__((constructor)) static void name_lists_init(void)
{
	struct name_list *all[] = {&state_list, &special_list, &pure_list, &self_writer_list,
				   &runtime_list};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		struct name_list *l = all[i];
		for (size_t k = 0; l->v[k]; k++) {
			unsigned char c0 = (unsigned char)l->v[k][0];
			l->len[k] = (unsigned char)strlen(l->v[k]);
			l->mask[c0] |= 1u << l->len[k];
			l->by[c0][l->n_by[c0]++] = (unsigned char)k;
		}
	}
}

/* Inline: asked for most words (is it a self-writer?), most of which the mask turns away. */
static inline int in_list(const struct name_list *l, const char *p, size_t len)
{
	unsigned char c0 = (unsigned char)(len ? p[0] : 0);
	if (!len || len >= 32 || c0 >= 128 || !(l->mask[c0] & (1u << len)))
		return 0;
	for (unsigned j = 0; j < l->n_by[c0]; j++) {
		unsigned k = l->by[c0][j];
		if (l->len[k] != len)
			continue;
		/* a few bytes, the first known equal: a loop costs less than a call of memcmp */
		size_t i = 1;
		while (i < len && l->v[k][i] == p[i])
			i++;
		if (i == len)
			return 1;
	}
	return 0;
}

/* ---- analysis context ------------------------------------------------------------------- */

/* A function name and every body defined under it (a call may reach any of them). */
struct func {
	char *name;
	const struct hs_node **bodies;
	size_t n_bodies;
	/* What a call reads: computed for all functions to a fixpoint before the table is built
	 * (calls inside bodies use the summaries, so recursion needs no special case). */
	struct strset vars, assigns, calls;
	unsigned flags;
	/* summarize_funcs: when the summary last changed, and when it was last computed */
	size_t changed_at, computed_at;
	int computed;
	/* One-pass mode: bumped when the summary's content changes (see refresh_summaries) */
	size_t version;
	UT_hash_handle hh;
};

/* A function summary used by a command analysed in one-pass mode, as it was then. */
struct func_use {
	const struct func *f;
	size_t version;
};

/* A set of names (pointers into the script, not copied). */
struct cands {
	struct name_slot *v;
	size_t cap, n; /* cap: a power of 2, or 0 */
	/* a bit per (first byte, last byte, length) of the names: it is asked for every command
	 * name, and most are not in the set */
	uint64_t filter[16];
	int oom;
};

struct self_check {
	const char *name;
	size_t len;
	unsigned ordinal;
};

struct hs_analyzer {
	struct hs_analysis *a;
	struct intern in; /* names, in a->pool */
	char *ifs;	  /* "IFS" interned, once (every node reads it) */
	const char *src;
	const char *self; /* the script's file name (no directory), or NULL (-c, stdin) */
	size_t self_len;
	struct strset self_vars; /* variables assigned the script's path (self=$0) */
	struct func *funcs; /* uthash by name */
	size_t n_funcs;
	size_t n_bodies;
	size_t cap_cmds;
	size_t prefaulted; /* bytes of cmds faulted in (or small enough not to bother) */
	size_t base;	   /* entries dropped before cmds[0] (hs_analyzer_drop): ids count on */
	int lean;	   /* no table wanted (hs_analyzer_lean) */
	int refused_early; /* by the __hs check, before any walk */
	int refusals_done; /* the first pass's refusal check is final */
	int oom;
	/* One-pass mode (hs_analyzer_stream_begin): names that may be defined as functions
	 * somewhere in the script; a command that looks up one not defined yet is marked
	 * dirty. */
	int provisional;
	int dirty;
	struct cands cands;
	/* Names checked against self_vars by the refusal walk before they were in it, with the
	 * top-level command that checked them: if one ends up in self_vars, the refusal walk
	 * must be done again (hs_analyzer_stream_end). */
	struct self_check *checks;
	size_t n_checks, cap_checks;
	int record_checks;
	/* One-pass mode: the summaries used by the commands (hs_analyzer_step), and whether a
	 * function body was added since the summaries were last computed. */
	struct func_use *uses;
	size_t n_uses, cap_uses, uses_from;
	size_t version_tick;
	int funcs_stale;
	unsigned ordinal;	  /* top-level commands scanned so far */
	const struct hs_node *scan_root; /* the top-level command hs_analyzer_scan walks */
	struct cands seen_defs;		 /* texts of top-level function definitions */
	unsigned refused_ordinal; /* the one where the refusal was found */
};

/* What a piece of text reads. */
struct reads {
	struct intern *in;
	struct strset vars, assigns, calls;
	unsigned flags;
};

static void reads_release(struct reads *r)
{
	strset_release(&r->vars);
	strset_release(&r->assigns);
	strset_release(&r->calls);
}

static unsigned cand_bit(const char *p, size_t len)
{
	return ((unsigned char)p[0] * 31u + (unsigned char)p[len - 1] * 7u + (unsigned)len) & 1023;
}

/* Inline: asked for every command name, most of which the filter turns away. */
static inline int cands_has(const struct cands *s, const char *p, size_t len)
{
	if (!len || !(s->filter[cand_bit(p, len) / 64] & (1ull << (cand_bit(p, len) % 64))))
		return 0;
	return s->v[slot_find(s->v, s->cap, p, len)].s != NULL;
}

static void cands_add(struct cands *s, const char *p, size_t len)
{
	if (!len || cands_has(s, p, len))
		return;
	if (slots_reserve(&s->v, &s->cap, s->n, 64) < 0) {
		s->oom = 1;
		return;
	}
	s->v[slot_find(s->v, s->cap, p, len)] = (struct name_slot){p, len};
	s->n++;
	s->filter[cand_bit(p, len) / 64] |= 1ull << (cand_bit(p, len) % 64);
}

static void refresh_summaries(struct hs_analyzer *c);

static void note_use(struct hs_analyzer *c, const struct func *f)
{
	for (size_t i = c->uses_from; i < c->n_uses; i++)
		if (c->uses[i].f == f)
			return;
	if (c->n_uses == c->cap_uses) {
		size_t cap = c->cap_uses ? c->cap_uses * 2 : 64;
		struct func_use *v = realloc(c->uses, cap * sizeof(*v));
		if (!v) {
			c->oom = 1;
			return;
		}
		c->uses = v;
		c->cap_uses = cap;
	}
	c->uses[c->n_uses++] = (struct func_use){f, f->version};
}

/* The function a command name calls, or NULL. In one-pass mode the functions are not all
 * known yet: a name that may be defined later marks the command dirty (analysed again at the
 * end); one defined already is final, its summary so far is used and noted (the command is
 * analysed again if the summary changes). */
static const struct func *find_func(struct hs_analyzer *c, const char *name, size_t len)
{
	struct func *f = NULL;
	if (c->provisional) {
		if (!cands_has(&c->cands, name, len))
			return NULL;
		HASH_FIND(hh, c->funcs, name, len, f);
		if (!f) {
			c->dirty = 1;
			return NULL;
		}
		if (c->funcs_stale)
			refresh_summaries(c);
		note_use(c, f);
		return f;
	}
	HASH_FIND(hh, c->funcs, name, len, f);
	return f;
}

static int is_name_start(int ch)
{
	return ch == '_' || isalpha(ch);
}

static int is_name_char(int ch)
{
	return ch == '_' || isalnum(ch);
}

/* Variable names in arithmetic text, and whether it assigns (= += ++ ...). */
static void scan_arith(const char *p, size_t len, struct reads *r)
{
	for (size_t i = 0; i < len;) {
		unsigned char ch = (unsigned char)p[i];
		if (isdigit(ch)) {
			while (i < len && is_name_char((unsigned char)p[i]))
				i++;
		} else if (is_name_start(ch)) {
			size_t s = i;
			while (i < len && is_name_char((unsigned char)p[i]))
				i++;
			strset_add(r->in, &r->vars, p + s, i - s);
		} else {
			if (ch == '=' && !(i + 1 < len && p[i + 1] == '=') &&
			    !(i > 0 && strchr("=!<>", p[i - 1])))
				r->flags |= HS_CMD_F_EXPAND_ASSIGNS;
			if ((ch == '+' || ch == '-') && i + 1 < len && p[i + 1] == ch)
				r->flags |= HS_CMD_F_EXPAND_ASSIGNS;
			/* <<= and >>= are assignments too: caught by the '=' rule above unless
			 * preceded by < or >, so check them here. */
			if ((ch == '<' || ch == '>') && i + 2 < len && p[i + 1] == ch &&
			    p[i + 2] == '=')
				r->flags |= HS_CMD_F_EXPAND_ASSIGNS;
			i++;
		}
	}
}

static void collect(struct hs_analyzer *c, const struct hs_node *n, struct reads *r,
		    int in_func_body);

static void param_reads(const struct hs_node_param *p, struct reads *r, int in_func_body)
{
	const char *nm = p->name;
	size_t len = p->name_len;
	if (len == 0)
		return;
	if (is_name_start((unsigned char)nm[0])) {
		strset_add(r->in, &r->vars, nm, len);
		if (p->op == HS_PARAM_ASSIGN) {
			r->flags |= HS_CMD_F_EXPAND_ASSIGNS;
			strset_add(r->in, &r->assigns, nm, len);
		}
	} else if (isdigit((unsigned char)nm[0]) && !(len == 1 && nm[0] == '0')) {
		if (!in_func_body)
			r->flags |= HS_CMD_F_READS_POSITIONAL;
	} else if (len == 1) {
		switch (nm[0]) {
		case '@':
		case '*':
		case '#':
			if (!in_func_body)
				r->flags |= HS_CMD_F_READS_POSITIONAL;
			break;
		case '?':
			r->flags |= HS_CMD_F_READS_STATUS;
			break;
		case '$':
		case '!':
			r->flags |= HS_CMD_F_READS_PID;
			break;
		case '-':
			r->flags |= HS_CMD_F_READS_OPTS;
			break;
		default:
			break;
		}
	}
	if (p->op == HS_PARAM_ERROR)
		r->flags |= HS_CMD_F_EXPAND_ASSIGNS; /* may exit the shell: a side effect */
	if (p->pflags & HS_PARAM_F_INDIRECT)
		r->flags |= HS_CMD_F_READS_UNKNOWN;
}

/* Reads implied by a simple command's name (builtins that read or set variables), and the
 * bodies of script functions it calls. */
static void simple_reads(struct hs_analyzer *c, const struct hs_node_simple *s, struct reads *r)
{
	const struct hs_node *w = s->words;
	if (!w)
		return;
	size_t len;
	const char *name = hs_word_literal(w, &len);
	if (!name) {
		/* $cmd may be eval, ., or a function: it may read anything. */
		r->flags |= HS_CMD_F_READS_UNKNOWN;
		return;
	}
	const struct func *fn = find_func(c, name, len);
	if (fn) {
		strset_add(r->in, &r->calls, name, len);
		for (size_t i = 0; i < fn->vars.n; i++)
			strset_addp(&r->vars, fn->vars.v[i]);
		for (size_t i = 0; i < fn->assigns.n; i++)
			strset_addp(&r->assigns, fn->assigns.v[i]);
		for (size_t i = 0; i < fn->calls.n; i++)
			strset_addp(&r->calls, fn->calls.v[i]);
		/* The body's $1.. are the call's arguments, not the caller's. */
		r->flags |= fn->flags & ~HS_CMD_F_READS_POSITIONAL;
		return;
	}
#define IS(lit) (len == sizeof(lit) - 1 && memcmp(name, lit, len) == 0)
	if (IS("eval") || IS(".") || IS("source"))
		r->flags |= HS_CMD_F_READS_UNKNOWN;
	if (IS("read") || IS("getopts") || IS("cd") || IS("export") || IS("readonly") ||
	    IS("local") || IS("unset")) {
		if (IS("read"))
			strset_adds(r->in, &r->vars, "IFS");
		if (IS("cd")) {
			strset_adds(r->in, &r->vars, "HOME");
			strset_adds(r->in, &r->vars, "CDPATH");
			strset_adds(r->in, &r->vars, "OLDPWD");
			strset_adds(r->in, &r->assigns, "PWD");
			strset_adds(r->in, &r->assigns, "OLDPWD");
		}
		if (IS("getopts")) {
			strset_adds(r->in, &r->vars, "OPTIND");
			strset_adds(r->in, &r->assigns, "OPTIND");
			strset_adds(r->in, &r->assigns, "OPTARG");
		}
		/* Named operands (read x y, export a=b, unset v, getopts spec NAME). */
		int k = 0;
		for (const struct hs_node *a = w->next; a; a = a->next, k++) {
			size_t al;
			const char *at = hs_word_literal(a, &al);
			if (!at || al == 0 || at[0] == '-')
				continue;
			if (IS("getopts") && k == 0)
				continue;
			size_t nl = 0;
			while (nl < al && is_name_char((unsigned char)at[nl]))
				nl++;
			if (nl && is_name_start((unsigned char)at[0]))
				strset_add(r->in, &r->assigns, at, nl);
		}
	}
	if (IS("shift") || IS("set"))
		r->flags |= HS_CMD_F_READS_POSITIONAL;
	/* type and command -v/-V report the shell's functions and hashed paths. */
	if (IS("type"))
		r->flags |= HS_CMD_F_READS_SHELL;
	if (IS("command")) {
		for (const struct hs_node *a = w->next; a; a = a->next) {
			size_t al;
			const char *at = hs_word_literal(a, &al);
			if (!at) {
				r->flags |= HS_CMD_F_READS_SHELL; /* may be -v */
				break;
			}
			if (al < 2 || at[0] != '-' || (al == 2 && at[1] == '-'))
				break;
			if (memchr(at, 'v', al) || memchr(at, 'V', al))
				r->flags |= HS_CMD_F_READS_SHELL;
		}
	}
#undef IS
}

/* Text naming the process's own /proc entry or fds: a speculative run sees its sandbox's
 * (other fds, namespaces, mounts), not what the command would see run by the shell. */
static int names_own_process(const char *p, size_t len)
{
	/* all start with '/' and are 7 bytes or more: one pass over the slashes (most text has
	 * none) */
	if (len < 7)
		return 0;
	for (const char *e = p + len, *q = p; (q = memchr(q, '/', (size_t)(e - q))); q++) {
		size_t left = (size_t)(e - q);
#define AT(lit) (left >= sizeof(lit) - 1 && memcmp(q, lit, sizeof(lit) - 1) == 0)
		if (AT("/proc/self") || AT("/proc/thread-self") || AT("/dev/fd"))
			return 1;
#undef AT
	}
	return 0;
}

struct walk_arg {
	struct hs_analyzer *c;
	struct reads *r;
	int in_func_body;
	const struct hs_node *root;
};

static int collect_enter(struct hs_node *n, struct hs_node *parent, void *arg)
{
	struct walk_arg *wa = arg;
	struct reads *r = wa->r;
	if (n->flags & HS_NODE_F_BASH)
		r->flags |= HS_CMD_F_BASH;
	switch (n->kind) {
	case HS_NODE_PARAM:
		param_reads(HS_NODE_AS(hs_node_param, n), r, wa->in_func_body);
		break;
	case HS_NODE_ARITH: {
		const struct hs_node_arith *ar = HS_NODE_AS(hs_node_arith, n);
		if (ar->expr)
			for (const struct hs_node *p = HS_NODE_AS(hs_node_word, ar->expr)->parts; p;
			     p = p->next)
				if (p->kind == HS_NODE_LIT)
					scan_arith(HS_NODE_AS(hs_node_lit, p)->text,
						   HS_NODE_AS(hs_node_lit, p)->len, r);
		break;
	}
	case HS_NODE_CMDSUB:
		r->flags |= HS_CMD_F_CMDSUB;
		break;
	case HS_NODE_SIMPLE:
		simple_reads(wa->c, HS_NODE_AS(hs_node_simple, n), r);
		break;
	case HS_NODE_ASSIGN: {
		const struct hs_node_assign *as = HS_NODE_AS(hs_node_assign, n);
		/* A prefix assignment of a command is temporary, except before a special
		 * builtin (where it persists). */
		const struct hs_node *w = parent && parent->kind == HS_NODE_SIMPLE
						  ? HS_NODE_AS(hs_node_simple, parent)->words
						  : NULL;
		size_t wl = 0;
		const char *wn = w ? hs_word_literal(w, &wl) : NULL;
		if (!w || !wn || in_list(&special_list, wn, wl))
			strset_add(r->in, &r->assigns, as->name, as->name_len);
		if (as->append)
			strset_add(r->in, &r->vars, as->name, as->name_len);
		break;
	}
	case HS_NODE_FOR: {
		const struct hs_node_for *f = HS_NODE_AS(hs_node_for, n);
		if (f->name)
			strset_add(r->in, &r->assigns, f->name, f->name_len);
		if (!f->has_in && !wa->in_func_body)
			r->flags |= HS_CMD_F_READS_POSITIONAL;
		break;
	}
	case HS_NODE_LIT: {
		/* A leading unquoted ~ reads HOME (word start, or an assignment value). */
		const struct hs_node_lit *l = HS_NODE_AS(hs_node_lit, n);
		if (l->len && l->text[0] == '~' && !(n->flags & HS_NODE_F_IN_DQUOTE) && parent &&
		    parent->kind == HS_NODE_WORD)
			strset_adds(r->in, &r->vars, "HOME");
		if (names_own_process(l->text, l->len))
			r->flags |= HS_CMD_F_READS_SHELL;
		break;
	}
	case HS_NODE_SQUOTE: {
		const struct hs_node_lit *l = HS_NODE_AS(hs_node_lit, n);
		if (names_own_process(l->text, l->len))
			r->flags |= HS_CMD_F_READS_SHELL; /* sh -c 'ls /proc/self/fd' */
		break;
	}
	case HS_NODE_REDIR: {
		const struct hs_node_redir *rd = HS_NODE_AS(hs_node_redir, n);
		if (rd->fd > 2)
			r->flags |= HS_CMD_F_FD_ABOVE_2;
		if ((rd->op == HS_REDIR_DUP_IN || rd->op == HS_REDIR_DUP_OUT) && rd->target) {
			size_t tl;
			const char *t = hs_word_literal(rd->target, &tl);
			if (!t)
				r->flags |= HS_CMD_F_FD_ABOVE_2;
			else if (!(tl == 1 && (t[0] == '-' || (t[0] >= '0' && t[0] <= '2'))))
				r->flags |= HS_CMD_F_FD_ABOVE_2;
		}
		break;
	}
	case HS_NODE_FUNCDEF:
		/* A definition inside a command does not run its body. */
		return n == wa->root ? HS_WALK_CONTINUE : HS_WALK_SKIP;
	default:
		break;
	}
	return HS_WALK_CONTINUE;
}

/* What a command reads is a set: the order of the walk does not matter. */
DEFINE_WALK(collect_walk, struct walk_arg, collect_enter, NO_SKIP, 0)

static void collect(struct hs_analyzer *c, const struct hs_node *n, struct reads *r,
		    int in_func_body)
{
	struct walk_arg wa = {c, r, in_func_body, n};
	collect_walk((struct hs_node *)n, NULL, &wa);
}

/* ---- the table -------------------------------------------------------------------------- */

struct place {
	unsigned parent;
	enum hs_cmd_role role;
	unsigned arm;
	unsigned loop;
	unsigned func;
	int subshell;
	int in_for; /* inside the body of a for loop */
};

/* Without a table, what an entry that cannot be a node reads serves only a for loop around
 * it (whether the loop's list may be announced): elsewhere it need not be gathered. */
static int reads_unused(const struct hs_analyzer *c, struct place pl)
{
	return c->lean && !pl.in_for;
}

#define PREFAULT_STEP (1024 * 1024)

static struct hs_cmd *new_cmd(struct hs_analyzer *c)
{
	struct hs_analysis *a = c->a;
	if (a->n == c->cap_cmds) {
		size_t cap = c->cap_cmds ? c->cap_cmds * 2 : 64;
		struct hs_cmd *v = realloc(a->cmds, cap * sizeof(*v));
		if (!v) {
			c->oom = 1;
			return NULL;
		}
		a->cmds = v;
		c->cap_cmds = cap;
		c->prefaulted = a->n * sizeof(*v);
	}
	/* a large table: its next stretch at once */
	if ((a->n + 1) * sizeof(*a->cmds) > c->prefaulted) {
		size_t end = c->prefaulted + PREFAULT_STEP, cap = c->cap_cmds * sizeof(*a->cmds);
		if (end > cap)
			end = cap;
		if (c->cap_cmds * sizeof(*a->cmds) >= 4 * PREFAULT_STEP)
			hs_prefault((char *)a->cmds + c->prefaulted, end - c->prefaulted);
		c->prefaulted = end;
	}
	struct hs_cmd *cmd = &a->cmds[a->n++];
	memset(cmd, 0, sizeof(*cmd));
	cmd->id = (unsigned)(c->base + a->n);
	return cmd;
}

/* The name of an entry, interned; only the table shows it. */
static void set_name(struct hs_analyzer *c, struct hs_cmd *cmd, const char *p, size_t len)
{
	if (!c->lean && !(cmd->name = intern(&c->in, p, len)))
		c->oom = 1;
}

/* The variables an entry reads, as a sorted array. Without a table only a node's: its wrapper
 * passes them. */
static void take_vars(struct hs_analyzer *c, struct hs_cmd *cmd, struct strset *vars)
{
	if (!c->lean || (cmd->flags & HS_CMD_F_SPECULATE))
		cmd->vars = strset_take(c->a->pool, vars, &cmd->n_vars);
}

static char *src_dup(const struct hs_analyzer *c, const struct hs_node *n)
{
	return pool_strndup(c->a->pool, c->src + n->range.start, n->range.end - n->range.start);
}

static void fill_redirs(struct hs_analyzer *c, struct hs_cmd *cmd, const struct hs_node *redirs)
{
	if (c->lean)
		return; /* only the table shows them */
	size_t n = 0;
	for (const struct hs_node *r = redirs; r; r = r->next)
		n++;
	if (!n)
		return;
	cmd->redirs = pool_alloc(c->a->pool, n * sizeof(*cmd->redirs), sizeof(void *));
	if (!cmd->redirs) {
		c->oom = 1;
		return;
	}
	for (const struct hs_node *r = redirs; r; r = r->next) {
		const struct hs_node_redir *rd = HS_NODE_AS(hs_node_redir, r);
		struct hs_cmd_redir *o = &cmd->redirs[cmd->n_redirs++];
		o->op = rd->op;
		o->fd = rd->fd;
		if (o->fd < 0)
			o->fd = (rd->op == HS_REDIR_IN || rd->op == HS_REDIR_RDWR ||
				 rd->op == HS_REDIR_DUP_IN || rd->op == HS_REDIR_HEREDOC ||
				 rd->op == HS_REDIR_HERESTR)
					? 0
					: 1;
		if (rd->op == HS_REDIR_HEREDOC && rd->delim)
			o->target = pool_strndup(c->a->pool, rd->delim, rd->delim_len);
		else if (rd->target)
			o->target = src_dup(c, rd->target);
		else
			o->target = pool_strndup(c->a->pool, "", 0);
		if (!o->target)
			c->oom = 1;
	}
}

static int redirs_stdin(const struct hs_node *redirs)
{
	for (const struct hs_node *r = redirs; r; r = r->next) {
		const struct hs_node_redir *rd = HS_NODE_AS(hs_node_redir, r);
		int fd = rd->fd;
		int in = rd->op == HS_REDIR_IN || rd->op == HS_REDIR_RDWR ||
			 rd->op == HS_REDIR_DUP_IN || rd->op == HS_REDIR_HEREDOC ||
			 rd->op == HS_REDIR_HERESTR;
		if ((fd == 0 || (fd < 0 && in)) && in)
			return 1;
	}
	return 0;
}

/* Kind of a simple command. */
static enum hs_cmd_kind simple_kind(struct hs_analyzer *c, const struct hs_node_simple *s,
				    const char **name, size_t *name_len)
{
	const struct hs_node *w = s->words;
	*name = NULL;
	*name_len = 0;
	if (!w) {
		for (const struct hs_node *as = s->assigns; as; as = as->next) {
			struct reads r = {.in = &c->in};
			collect(c, as, &r, 0);
			unsigned f = r.flags;
			reads_release(&r);
			if (f & HS_CMD_F_CMDSUB)
				return HS_CMD_ASSIGN_SUBST;
		}
		return HS_CMD_ASSIGN;
	}
	size_t len;
	const char *nm = hs_word_literal(w, &len);
	/* "command NAME": classify by NAME (command -v / -p ... are queries). */
	if (nm && len == 7 && memcmp(nm, "command", 7) == 0 && w->next) {
		size_t l2;
		const char *n2 = hs_word_literal(w->next, &l2);
		if (n2 && l2 && n2[0] != '-') {
			nm = n2;
			len = l2;
		} else if (n2) {
			*name = nm;
			*name_len = len;
			return HS_CMD_BUILTIN;
		}
	}
	if (!nm)
		return HS_CMD_DYNAMIC;
	*name = nm;
	*name_len = len;
	if (find_func(c, nm, len))
		return HS_CMD_CALL;
	if (in_list(&state_list, nm, len))
		return HS_CMD_STATE;
	if (in_list(&pure_list, nm, len))
		return HS_CMD_BUILTIN;
	return HS_CMD_EXTERNAL;
}

static enum hs_cmd_kind compound_kind(enum hs_node_kind k)
{
	switch (k) {
	case HS_NODE_FOR:
		return HS_CMD_FOR;
	case HS_NODE_WHILE:
		return HS_CMD_WHILE;
	case HS_NODE_UNTIL:
		return HS_CMD_UNTIL;
	case HS_NODE_IF:
		return HS_CMD_IF;
	case HS_NODE_CASE:
		return HS_CMD_CASE;
	case HS_NODE_GROUP:
		return HS_CMD_GROUP;
	case HS_NODE_SUBSHELL:
		return HS_CMD_SUBSHELL;
	case HS_NODE_FUNCDEF:
		return HS_CMD_FUNCDEF;
	default:
		return HS_CMD_BASH;
	}
}

static void visit_list(struct hs_analyzer *c, const struct hs_node *andors, struct place pl);

static size_t count_nl(const char *p, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += p[i] == '\n';
	return n;
}

static int part_has_cmdsub(struct hs_analyzer *c, const struct hs_node *p)
{
	struct reads r = {.in = &c->in};
	collect(c, p, &r, 0);
	unsigned f = r.flags;
	reads_release(&r);
	return (f & HS_CMD_F_CMDSUB) != 0;
}

/* Whether a for loop's word list may be announced (docs/runtime-protocol.md, "Loops"). */
static const char *announce_refusal(struct hs_analyzer *c, const struct hs_node_for *f, unsigned fl)
{
	if (fl & HS_CMD_F_READS_STATUS)
		return "the loop reads $?";
	if (fl & HS_CMD_F_BASH)
		return "bash-only construct";
	/* Word checks: side effects, hoistable command substitutions, newlines, glob order. */
	const struct hs_node *last_sub_word = NULL;
	for (const struct hs_node *w = f->words; w; w = w->next) {
		struct reads wr = {.in = &c->in};
		collect(c, w, &wr, 0);
		unsigned wf = wr.flags;
		reads_release(&wr);
		if (wf & (HS_CMD_F_EXPAND_ASSIGNS | HS_CMD_F_READS_UNKNOWN | HS_CMD_F_READS_PID))
			return "the word list has side effects";
		if (wf & HS_CMD_F_CMDSUB)
			last_sub_word = w;
	}
	for (const struct hs_node *w = f->words; w; w = w->next) {
		int has_sub = 0, globby = 0;
		size_t nl = count_nl(c->src + w->range.start, w->range.end - w->range.start);
		for (const struct hs_node *p = HS_NODE_AS(hs_node_word, w)->parts; p; p = p->next) {
			if (p->kind == HS_NODE_CMDSUB) {
				has_sub = 1;
				nl -= count_nl(c->src + p->range.start,
					       p->range.end - p->range.start);
				continue;
			}
			if (p->kind == HS_NODE_DQUOTE) {
				for (const struct hs_node *q = HS_NODE_AS(hs_node_quoted, p)->parts;
				     q; q = q->next) {
					if (q->kind != HS_NODE_CMDSUB) {
						if (part_has_cmdsub(c, q))
							return "a command substitution inside an "
							       "expansion";
						continue;
					}
					if (q->flags & HS_NODE_F_BACKQUOTE)
						return "backquotes inside double quotes in the "
						       "list";
					has_sub = 1;
					nl -= count_nl(c->src + q->range.start,
						       q->range.end - q->range.start);
				}
				continue;
			}
			if (part_has_cmdsub(c, p))
				return "a command substitution inside an expansion";
			if (p->kind == HS_NODE_PARAM || p->kind == HS_NODE_ARITH)
				globby = 1;
			if (p->kind == HS_NODE_LIT) {
				const struct hs_node_lit *l = HS_NODE_AS(hs_node_lit, p);
				for (size_t i = 0; i < l->len; i++)
					if (strchr("*?[", l->text[i]))
						globby = 1;
			}
		}
		if (nl)
			return "the word list spans lines";
		if (last_sub_word && globby && !has_sub)
			for (const struct hs_node *x = w->next; x; x = x->next)
				if (x == last_sub_word)
					return "a glob before a command substitution in the list";
	}
	return NULL;
}

static const char *node_refusal(unsigned flags)
{
	if (flags & HS_CMD_F_BASH)
		return "bash-only construct";
	if (flags & HS_CMD_F_READS_STATUS)
		return "reads $?";
	if (flags & HS_CMD_F_READS_PID)
		return "reads $$ or $!";
	if (flags & HS_CMD_F_READS_OPTS)
		return "reads $-";
	if (flags & HS_CMD_F_READS_UNKNOWN)
		return "reads unknown variables (eval, ., dynamic name)";
	if (flags & HS_CMD_F_EXPAND_ASSIGNS)
		return "an expansion assigns or may exit";
	if (flags & HS_CMD_F_FD_ABOVE_2)
		return "uses an fd above 2";
	return NULL;
}

/* Fill reads, flags and the node decision of a leaf entry (simple command or pipeline). */
static void finish_leaf(struct hs_analyzer *c, size_t idx, const struct hs_node *n, struct place pl,
			int background, int worth)
{
	struct reads r = {.in = &c->in};
	if (!((!worth || pl.subshell || background) && reads_unused(c, pl)))
		collect(c, n, &r, 0);
	struct hs_cmd *cmd = &c->a->cmds[idx];
	cmd->flags |= r.flags;
	if (background)
		cmd->flags |= HS_CMD_F_BACKGROUND;
	if (pl.subshell)
		cmd->flags |= HS_CMD_F_SUBSHELL;
	if (pl.func)
		cmd->flags |= HS_CMD_F_IN_FUNCTION;
	const char *why = NULL;
	if (!worth)
		why = "not worth speculating (builtin, assignment, function call)";
	else if (pl.subshell)
		why = "runs in a subshell";
	else if (background)
		why = "runs in the background";
	else
		why = node_refusal(cmd->flags);
	if (!why) {
		cmd->flags |= HS_CMD_F_SPECULATE;
		if (!c->ifs)
			c->ifs = intern(&c->in, "IFS", 3);
		strset_addp(&r.vars, c->ifs);
	}
	cmd->reason = why;
	take_vars(c, cmd, &r.vars);
	if (!c->lean) {
		cmd->assigns = strset_take(c->a->pool, &r.assigns, &cmd->n_assigns);
		cmd->calls = strset_take(c->a->pool, &r.calls, &cmd->n_calls);
	}
	if (r.vars.oom || r.assigns.oom || r.calls.oom)
		c->oom = 1;
	reads_release(&r);
}

static void visit_command(struct hs_analyzer *c, const struct hs_node *cmdn,
			  const struct hs_node *pipe, struct place pl, int background)
{
	const struct hs_node_pipeline *pp = HS_NODE_AS(hs_node_pipeline, pipe);
	struct hs_cmd *cmd = new_cmd(c);
	if (!cmd)
		return;
	size_t idx = c->a->n - 1;
	cmd->parent = pl.parent;
	cmd->role = pl.role;
	cmd->arm = pl.arm;
	cmd->loop = pl.loop;
	cmd->func = pl.func;
	cmd->andor_op = pp->op;
	cmd->node = cmdn;
	cmd->range = cmdn->range;
	if (pp->bang)
		cmd->flags |= HS_CMD_F_NEGATED;
	fill_redirs(c, cmd, hs_node_redirs(cmdn));
	if (redirs_stdin(hs_node_redirs(cmdn)) == 0)
		cmd->flags |= HS_CMD_F_READS_STDIN;

	if (cmdn->kind == HS_NODE_SIMPLE) {
		const char *nm;
		size_t nl;
		cmd->kind = simple_kind(c, HS_NODE_AS(hs_node_simple, cmdn), &nm, &nl);
		if (nm)
			set_name(c, cmd, nm, nl);
		if (cmd->kind != HS_CMD_EXTERNAL && cmd->kind != HS_CMD_DYNAMIC &&
		    cmd->kind != HS_CMD_CALL)
			c->a->cmds[idx].flags &= ~HS_CMD_F_READS_STDIN;
		if (cmd->kind == HS_CMD_STATE && nm && nl == 4 && memcmp(nm, "read", 4) == 0 &&
		    !redirs_stdin(hs_node_redirs(cmdn)))
			c->a->cmds[idx].flags |= HS_CMD_F_READS_STDIN;
		int worth = cmd->kind == HS_CMD_EXTERNAL || cmd->kind == HS_CMD_ASSIGN_SUBST;
		finish_leaf(c, idx, cmdn, pl, background, worth);
		c->a->cmds[idx].end_id = c->a->cmds[idx].id;
		return;
	}

	cmd->kind = compound_kind(cmdn->kind);
	if (cmdn->flags & HS_NODE_F_BASH)
		cmd->flags |= HS_CMD_F_BASH;
	cmd->reason = "a compound command (its inner commands are entries)";
	cmd->flags &= ~HS_CMD_F_READS_STDIN;
	if (cmdn->kind != HS_NODE_FUNCDEF) {
		struct reads rr = {.in = &c->in};
		for (const struct hs_node *rd = hs_node_redirs(cmdn); rd; rd = rd->next)
			collect(c, rd, &rr, 0);
		cmd->flags |= rr.flags;
		reads_release(&rr);
	}
	unsigned id = cmd->id;
	struct place in = pl;
	in.parent = id;
	if (background)
		in.subshell = 1;
	switch (cmdn->kind) {
	case HS_NODE_SUBSHELL:
		in.subshell = 1;
		in.role = HS_ROLE_BODY;
		visit_list(c, HS_NODE_AS(hs_node_compound, cmdn)->body, in);
		break;
	case HS_NODE_GROUP:
		in.role = HS_ROLE_BODY;
		visit_list(c, HS_NODE_AS(hs_node_compound, cmdn)->body, in);
		break;
	case HS_NODE_IF: {
		const struct hs_node_if *f = HS_NODE_AS(hs_node_if, cmdn);
		in.role = HS_ROLE_COND;
		visit_list(c, f->cond, in);
		in.role = HS_ROLE_THEN;
		visit_list(c, f->then_body, in);
		in.role = HS_ROLE_ELSE;
		if (f->else_body && f->else_body->kind == HS_NODE_IF &&
		    (f->else_body->flags & HS_NODE_F_ELIF)) {
			struct hs_node_pipeline fake = {.op = HS_ANDOR_FIRST};
			visit_command(c, f->else_body, &fake.base, in, 0);
		} else {
			visit_list(c, f->else_body, in);
		}
		break;
	}
	case HS_NODE_WHILE:
	case HS_NODE_UNTIL: {
		const struct hs_node_loop *l = HS_NODE_AS(hs_node_loop, cmdn);
		in.loop = id;
		in.role = HS_ROLE_COND;
		visit_list(c, l->cond, in);
		in.role = HS_ROLE_BODY;
		visit_list(c, l->body, in);
		break;
	}
	case HS_NODE_FOR: {
		const struct hs_node_for *f = HS_NODE_AS(hs_node_for, cmdn);
		struct hs_cmd *fc = &c->a->cmds[idx];
		if (f->name)
			set_name(c, fc, f->name, f->name_len);
		size_t nw = 0;
		for (const struct hs_node *w = f->words; w; w = w->next)
			nw++;
		if (f->has_in && !c->lean) {
			fc->words = pool_alloc(c->a->pool, (nw + 1) * sizeof(char *),
					       sizeof(char *));
			if (!fc->words)
				c->oom = 1;
			for (const struct hs_node *w = f->words; w && fc->words; w = w->next)
				if (!(fc->words[fc->n_words++] = src_dup(c, w)))
					c->oom = 1;
		}
		struct reads r = {.in = &c->in};
		for (const struct hs_node *w = f->words; w; w = w->next)
			collect(c, w, &r, 0);
		if (!f->has_in)
			r.flags |= HS_CMD_F_READS_POSITIONAL;
		fc = &c->a->cmds[idx];
		fc->flags |= r.flags & ~HS_CMD_F_SPECULATE;
		take_vars(c, fc, &r.vars);
		reads_release(&r);
		in.loop = id;
		in.role = HS_ROLE_BODY;
		in.in_for = 1;
		visit_list(c, f->body, in);
		/* What the body reads: every entry inside it (each has its own reads, compound
		 * entries those of their words and redirections). */
		unsigned agg = c->a->cmds[idx].flags;
		for (size_t j = idx + 1; j < c->a->n; j++)
			agg |= c->a->cmds[j].flags;
		const char *why = NULL;
		if (pl.subshell || background)
			why = "the loop runs in a subshell";
		else if (pp->op != HS_ANDOR_FIRST || pp->bang || pp->cmds->next)
			why = "the loop is not the first command of its list";
		else
			why = announce_refusal(c, f, agg);
		fc = &c->a->cmds[idx];
		if (!why)
			fc->flags |= HS_CMD_F_ANNOUNCED;
		else
			fc->reason = why;
		break;
	}
	case HS_NODE_CASE: {
		const struct hs_node_case *cs = HS_NODE_AS(hs_node_case, cmdn);
		struct reads r = {.in = &c->in};
		if (!reads_unused(c, pl)) {
			collect(c, cs->word, &r, 0);
			for (const struct hs_node *it = cs->items; it; it = it->next)
				for (const struct hs_node *p =
					     HS_NODE_AS(hs_node_case_item, it)->patterns;
				     p; p = p->next)
					collect(c, p, &r, 0);
		}
		struct hs_cmd *cc = &c->a->cmds[idx];
		cc->flags |= r.flags;
		take_vars(c, cc, &r.vars);
		reads_release(&r);
		in.role = HS_ROLE_ARM;
		unsigned arm = 0;
		for (const struct hs_node *it = cs->items; it; it = it->next, arm++) {
			in.arm = arm;
			visit_list(c, HS_NODE_AS(hs_node_case_item, it)->body, in);
		}
		break;
	}
	case HS_NODE_FUNCDEF: {
		const struct hs_node_funcdef *fd = HS_NODE_AS(hs_node_funcdef, cmdn);
		struct hs_cmd *fc = &c->a->cmds[idx];
		set_name(c, fc, fd->name, fd->name_len);
		fc->reason = "a function definition";
		in.func = id;
		in.loop = 0;
		in.role = HS_ROLE_BODY;
		const struct hs_node *body = fd->body;
		if (body && body->kind == HS_NODE_GROUP) {
			visit_list(c, HS_NODE_AS(hs_node_compound, body)->body, in);
		} else if (body) {
			/* "f() for ...": nothing may be inserted before the body (it must stay a
			 * compound command), so it is treated as not first in its list. */
			struct hs_node_pipeline fake = {.op = HS_ANDOR_AND};
			visit_command(c, body, &fake.base, in, 0);
		}
		break;
	}
	default:
		/* bash-only compounds: their inner commands are not entries */
		break;
	}
	if (idx < c->a->n)
		c->a->cmds[idx].end_id = (unsigned)(c->base + c->a->n);
}

static void visit_pipeline(struct hs_analyzer *c, const struct hs_node *pipe, struct place pl,
			   int background)
{
	const struct hs_node_pipeline *pp = HS_NODE_AS(hs_node_pipeline, pipe);
	if (!pp->cmds)
		return;
	if (!pp->cmds->next) {
		visit_command(c, pp->cmds, pipe, pl, background);
		return;
	}
	struct hs_cmd *cmd = new_cmd(c);
	if (!cmd)
		return;
	size_t idx = c->a->n - 1;
	const struct hs_node *last = pp->cmds;
	while (last->next)
		last = last->next;
	cmd->kind = HS_CMD_PIPELINE;
	cmd->parent = pl.parent;
	cmd->role = pl.role;
	cmd->arm = pl.arm;
	cmd->loop = pl.loop;
	cmd->func = pl.func;
	cmd->andor_op = pp->op;
	cmd->node = pipe;
	cmd->range.start = pp->cmds->range.start;
	cmd->range.end = last->range.end;
	cmd->range.line = pp->cmds->range.line;
	cmd->range.col = pp->cmds->range.col;
	if (pp->bang)
		cmd->flags |= HS_CMD_F_NEGATED;
	if (!redirs_stdin(hs_node_redirs(pp->cmds)))
		cmd->flags |= HS_CMD_F_READS_STDIN;
	/* Worth it unless every element is a pure builtin or an assignment. */
	int worth = 0;
	for (const struct hs_node *e = pp->cmds; e; e = e->next) {
		if (e->kind != HS_NODE_SIMPLE) {
			worth = 1;
			continue;
		}
		const char *nm;
		size_t nl;
		enum hs_cmd_kind k = simple_kind(c, HS_NODE_AS(hs_node_simple, e), &nm, &nl);
		if (k != HS_CMD_BUILTIN && k != HS_CMD_ASSIGN && k != HS_CMD_STATE)
			worth = 1;
	}
	finish_leaf(c, idx, pipe, pl, background, worth);
	c->a->cmds[idx].end_id = c->a->cmds[idx].id;
}

static void visit_list(struct hs_analyzer *c, const struct hs_node *andors, struct place pl)
{
	for (const struct hs_node *ao = andors; ao && !c->oom; ao = ao->next) {
		if (ao->kind != HS_NODE_ANDOR)
			continue;
		const struct hs_node_andor *a = HS_NODE_AS(hs_node_andor, ao);
		int bg = a->sep == HS_SEP_AMP;
		for (const struct hs_node *p = a->pipelines; p; p = p->next)
			visit_pipeline(c, p, pl, bg);
	}
}

/* ---- script-level refusals -------------------------------------------------------------- */

static int lit_is(const struct hs_node *w, const char *s)
{
	size_t len;
	const char *t = w ? hs_word_literal(w, &len) : NULL;
	return t && len && t[0] == s[0] && len == strlen(s) && memcmp(t, s, len) == 0;
}

/* A word that may name the script's own file: it expands $0 (but not ${#0}) or a variable
 * assigned from it, or its text ends in the script's file name ("script.sh", "$d/script.sh").
 * Over-approximate on purpose: a refused script only loses speculation. */
struct self_walk {
	struct hs_analyzer *c;
	int found;
	int record; /* note the names not (yet) in self_vars (c->checks) */
};

static void note_check(struct hs_analyzer *c, const char *name, size_t len)
{
	if (c->n_checks == c->cap_checks) {
		size_t cap = c->cap_checks ? c->cap_checks * 2 : 64;
		struct self_check *v = realloc(c->checks, cap * sizeof(*v));
		if (!v) {
			c->oom = 1;
			return;
		}
		c->checks = v;
		c->cap_checks = cap;
	}
	c->checks[c->n_checks++] = (struct self_check){name, len, c->ordinal};
}

static int self_param_enter(struct hs_node *n, struct hs_node *parent, void *arg)
{
	struct self_walk *sw = arg;
	(void)parent;
	if (n->kind != HS_NODE_PARAM)
		return HS_WALK_CONTINUE;
	const struct hs_node_param *p = HS_NODE_AS(hs_node_param, n);
	if (!p->name_len || p->op == HS_PARAM_LENGTH)
		return HS_WALK_CONTINUE;
	if ((p->name_len == 1 && p->name[0] == '0') ||
	    strset_has(&sw->c->self_vars, p->name, p->name_len)) {
		sw->found = 1;
		return HS_WALK_STOP;
	}
	if (sw->record)
		note_check(sw->c, p->name, p->name_len);
	return HS_WALK_CONTINUE;
}

DEFINE_WALK(self_param_walk, struct self_walk, self_param_enter, ANY_TEXT, 1)

static int word_has_self_param(struct hs_analyzer *c, const struct hs_node *w, int record)
{
	struct self_walk sw = {c, 0, record};
	self_param_walk((struct hs_node *)w, NULL, &sw);
	return sw.found;
}

static int word_names_self(struct hs_analyzer *c, const struct hs_node *w)
{
	if (word_has_self_param(c, w, c->record_checks))
		return 1;
	if (!c->self)
		return 0;
	const char *s = c->src + w->range.start;
	size_t n = w->range.end - w->range.start;
	while (n && (s[n - 1] == '"' || s[n - 1] == '\''))
		n--;
	if (n < c->self_len || memcmp(s + n - c->self_len, c->self, c->self_len) != 0)
		return 0;
	if (n == c->self_len)
		return 1;
	char before = s[n - c->self_len - 1];
	return before == '/' || before == '"' || before == '\'';
}

static int writes_self(struct hs_analyzer *c, const struct hs_node *words)
{
	for (const struct hs_node *w = words; w; w = w->next) {
		size_t l;
		const char *t = hs_word_literal(w, &l);
		if (!t || !in_list(&self_writer_list, t, l))
			continue;
		int last_only = (l == 2 && memcmp(t, "cp", 2) == 0) ||
				(l == 7 && memcmp(t, "install", 7) == 0) ||
				(l == 5 && memcmp(t, "rsync", 5) == 0);
		int dd = l == 2 && memcmp(t, "dd", 2) == 0;
		for (const struct hs_node *a = w->next; a; a = a->next) {
			if (last_only && a->next)
				continue;
			if (dd && (a->range.end - a->range.start < 3 ||
				   memcmp(c->src + a->range.start, "of=", 3) != 0))
				continue;
			if (word_names_self(c, a))
				return 1;
		}
	}
	return 0;
}

/* Variables that hold the script's path: assigned a value that expands $0 (or such a
 * variable), unless it is a dirname. */
static int self_vars_enter(struct hs_node *n, struct hs_node *parent, void *arg)
{
	struct hs_analyzer *c = arg;
	(void)parent;
	if (n->kind != HS_NODE_ASSIGN)
		return HS_WALK_CONTINUE;
	const struct hs_node_assign *as = HS_NODE_AS(hs_node_assign, n);
	const struct hs_node *v = as->value;
	if (!v || !word_has_self_param(c, v, 0) ||
	    memmem(c->src + v->range.start, v->range.end - v->range.start, "dirname", 7))
		return HS_WALK_CONTINUE;
	strset_add(&c->in, &c->self_vars, as->name, as->name_len);
	return HS_WALK_CONTINUE;
}

/* Why the script containing n must run unchanged (docs/runtime-protocol.md, "Refusals"),
 * or NULL. */
static const char *script_refusal(struct hs_analyzer *c, const struct hs_node *n)
{
	const char *why = NULL;
	if (n->flags & HS_NODE_F_BASH)
		why = "bash-only construct";
	switch (n->kind) {
	case HS_NODE_REDIR: {
		const struct hs_node_redir *rd = HS_NODE_AS(hs_node_redir, n);
		if (rd->fd == 9)
			why = "a redirection uses fd 9 (the runtime's)";
		if ((rd->op == HS_REDIR_DUP_IN || rd->op == HS_REDIR_DUP_OUT) && rd->target) {
			size_t tl;
			const char *t = hs_word_literal(rd->target, &tl);
			if (!t)
				why = "a redirection duplicates a computed fd";
			else if (tl == 1 && t[0] == '9')
				why = "a redirection uses fd 9 (the runtime's)";
		}
		/* dash reads a script file as it runs; hs hands it the text up front, so a
		 * script that writes to its own file ($0) must run as itself. */
		if ((rd->op == HS_REDIR_OUT || rd->op == HS_REDIR_APPEND ||
		     rd->op == HS_REDIR_CLOBBER || rd->op == HS_REDIR_RDWR) &&
		    rd->target && word_names_self(c, rd->target))
			why = "writes to its own file ($0)";
		break;
	}
	case HS_NODE_PARAM: {
		const struct hs_node_param *p = HS_NODE_AS(hs_node_param, n);
		if (p->name_len == 1 && p->name[0] == '-')
			why = "reads $-";
		if ((p->name_len == 6 && memcmp(p->name, "LINENO", 6) == 0) ||
		    (p->name_len == 11 && memcmp(p->name, "BASH_SOURCE", 11) == 0))
			why = "reads LINENO or BASH_SOURCE";
		break;
	}
	case HS_NODE_FUNCDEF: {
		const struct hs_node_funcdef *fd = HS_NODE_AS(hs_node_funcdef, n);
		if (in_list(&runtime_list, fd->name, fd->name_len))
			why = "defines a function named like a builtin the runtime uses";
		break;
	}
	case HS_NODE_SIMPLE: {
		const struct hs_node *w = HS_NODE_AS(hs_node_simple, n)->words;
		size_t wl = 0;
		const char *wt = w ? hs_word_literal(w, &wl) : NULL;
#define W_IS(lit) (wt && wl == sizeof(lit) - 1 && memcmp(wt, lit, wl) == 0)
		if (W_IS("alias") || W_IS("unalias"))
			why = "uses aliases";
		if (writes_self(c, w))
			why = "writes to its own file ($0)";
		if (W_IS("set")) {
			if (!w->next)
				why = "set with no arguments (would list the runtime's variables)";
			for (const struct hs_node *a = w ? w->next : NULL; a; a = a->next) {
				size_t al;
				const char *t = hs_word_literal(a, &al);
				if (!t) {
					/* It may expand to -x. */
					why = "set with computed options";
					break;
				}
				/* The first word not starting with - or + begins the positional
				 * parameters: no option after it. */
				if (al == 0 || (t[0] != '-' && t[0] != '+'))
					break;
				if (al && (t[0] == '-' || t[0] == '+') && memchr(t, 'o', al) &&
				    a->next) {
					if (lit_is(a->next, "xtrace") || lit_is(a->next, "verbose"))
						why = "set -x / set -v";
				}
				if (al > 1 && (t[0] == '-' || t[0] == '+') && t[1] != '-' &&
				    (memchr(t, 'x', al) || memchr(t, 'v', al)))
					why = "set -x / set -v";
				if (al == 2 && t[0] == '-' && t[1] == '-')
					break;
			}
		}
		if (W_IS("trap"))
			for (const struct hs_node *a = w->next; a; a = a->next)
				if (lit_is(a, "DEBUG") || lit_is(a, "RETURN"))
					why = "trap on DEBUG or RETURN";
#undef W_IS
		break;
	}
	default:
		break;
	}
	return why;
}

/* Script refusals, the first in source order (pre-order) winning. */
static int refusal_enter(struct hs_node *n, struct hs_node *parent, void *arg)
{
	(void)parent;
	struct hs_analyzer *c = arg;
	const char *why = script_refusal(c, n);
	if (!why)
		return HS_WALK_CONTINUE;
	c->a->refused = why;
	c->a->refused_line = n->range.line;
	c->a->refused_col = n->range.col;
	c->refused_ordinal = c->ordinal;
	return HS_WALK_STOP;
}

DEFINE_WALK(refusal_walk, struct hs_analyzer, refusal_enter, PLAIN, 1)

/* Whether n is the whole of the top-level command andor. */
static int is_top_command(const struct hs_node *andor, const struct hs_node *n)
{
	if (!andor || andor->kind != HS_NODE_ANDOR)
		return 0;
	const struct hs_node *pl = HS_NODE_AS(hs_node_andor, andor)->pipelines;
	if (!pl || pl->next)
		return 0;
	const struct hs_node_pipeline *pp = HS_NODE_AS(hs_node_pipeline, pl);
	return pp->cmds == n && !n->next && !pp->bang;
}

/* Function definitions, each body under its name. */
static int collect_funcs_enter(struct hs_node *n, struct hs_node *parent, void *arg)
{
	(void)parent;
	struct hs_analyzer *c = arg;
	if (n->kind != HS_NODE_FUNCDEF)
		return HS_WALK_CONTINUE;
	const struct hs_node_funcdef *fd = HS_NODE_AS(hs_node_funcdef, n);
	if (is_top_command(c->scan_root, n)) {
		/* A definition whose text was seen before adds nothing to the summary (that is a
		 * union over the bodies): its body need not be kept. Not when a here-document
		 * may lie outside the text. */
		const char *t = c->src + n->range.start;
		size_t tl = n->range.end - n->range.start;
		if (!memmem(t, tl, "<<", 2)) {
			if (cands_has(&c->seen_defs, t, tl))
				return HS_WALK_CONTINUE;
			cands_add(&c->seen_defs, t, tl);
			if (c->seen_defs.oom)
				c->oom = 1;
		}
	}
	struct func *f = NULL;
	HASH_FIND(hh, c->funcs, fd->name, fd->name_len, f);
	if (!f) {
		f = calloc(1, sizeof(*f));
		if (!f || !(f->name = strndup(fd->name, fd->name_len))) {
			free(f);
			c->oom = 1;
			return HS_WALK_STOP;
		}
		HASH_ADD_KEYPTR(hh, c->funcs, f->name, fd->name_len, f);
		c->n_funcs++;
	}
	const struct hs_node **v = realloc(f->bodies, (f->n_bodies + 1) * sizeof(*v));
	if (!v) {
		c->oom = 1;
		return HS_WALK_STOP;
	}
	f->bodies = v;
	f->bodies[f->n_bodies++] = fd->body;
	c->n_bodies++;
	c->funcs_stale = 1;
	return HS_WALK_CONTINUE;
}

/* Whether a callee's summary changed since f was last computed. A body consults only the
 * summaries of the functions it calls, which all end up in f->calls: if none changed, f's
 * summary would come out the same. */
static int callees_changed(const struct hs_analyzer *c, const struct func *f)
{
	for (size_t i = 0; i < f->calls.n; i++) {
		struct func *g = NULL;
		HASH_FIND(hh, c->funcs, f->calls.v[i], strlen(f->calls.v[i]), g);
		if (g && g->changed_at > f->computed_at)
			return 1;
	}
	return 0;
}

/* Function summaries to a fixpoint: sets only grow, so a round that grows none is the last
 * (the least fixpoint, whatever the order). Each round walks the bodies of the functions
 * whose callees changed since their last walk; rounds are bounded by the call-chain depth. */
static void summarize_funcs(struct hs_analyzer *c)
{
	size_t tick = 0;
	for (int changed = 1; changed && !c->oom;) {
		changed = 0;
		for (struct func *f = c->funcs; f; f = f->hh.next) {
			if (f->computed && !callees_changed(c, f))
				continue;
			f->computed = 1;
			f->computed_at = tick;
			struct reads r = {.in = &c->in};
			for (size_t i = 0; i < f->n_bodies; i++)
				collect(c, f->bodies[i], &r, 1);
			if (r.vars.oom || r.assigns.oom || r.calls.oom)
				c->oom = 1;
			if (r.vars.n != f->vars.n || r.assigns.n != f->assigns.n ||
			    r.calls.n != f->calls.n || r.flags != f->flags) {
				changed = 1;
				f->changed_at = ++tick;
				strset_release(&f->vars);
				strset_release(&f->assigns);
				strset_release(&f->calls);
				f->vars = r.vars;
				f->assigns = r.assigns;
				f->calls = r.calls;
				f->flags = r.flags;
				memset(&r.vars, 0, sizeof(r.vars));
				memset(&r.assigns, 0, sizeof(r.assigns));
				memset(&r.calls, 0, sizeof(r.calls));
			}
			reads_release(&r);
		}
	}
}

static int same_set(const struct strset *a, const struct strset *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		size_t j = 0;
		while (j < b->n && b->v[j] != a->v[i])
			j++;
		if (j == b->n)
			return 0;
	}
	return 1;
}

/* One-pass mode: the summaries of the functions defined so far, from scratch (a function
 * defined later can make a summary smaller: a call of "read" that becomes a function's). A
 * summary whose content changed gets a new version: the commands that used it are stale. */
static void refresh_summaries(struct hs_analyzer *c)
{
	int provisional = c->provisional, dirty = c->dirty;
	size_t n = 0;
	for (struct func *f = c->funcs; f; f = f->hh.next)
		n++;
	struct reads *old = calloc(n ? n : 1, sizeof(*old));
	if (!old) {
		c->oom = 1;
		return;
	}
	size_t k = 0;
	for (struct func *f = c->funcs; f; f = f->hh.next, k++) {
		old[k].vars = f->vars;
		old[k].assigns = f->assigns;
		old[k].calls = f->calls;
		old[k].flags = f->flags;
		memset(&f->vars, 0, sizeof(f->vars));
		memset(&f->assigns, 0, sizeof(f->assigns));
		memset(&f->calls, 0, sizeof(f->calls));
		f->flags = 0;
		f->computed = 0;
		f->changed_at = f->computed_at = 0;
	}
	c->provisional = 0;
	summarize_funcs(c);
	c->provisional = provisional;
	c->dirty = dirty;
	c->funcs_stale = 0;
	k = 0;
	for (struct func *f = c->funcs; f; f = f->hh.next, k++) {
		if (old[k].flags != f->flags || !same_set(&old[k].vars, &f->vars) ||
		    !same_set(&old[k].assigns, &f->assigns) || !same_set(&old[k].calls, &f->calls))
			f->version = ++c->version_tick;
		reads_release(&old[k]);
	}
	free(old);
}

struct hs_analyzer *hs_analyzer_new(const char *src, size_t len, const char *filename,
				    struct hs_error *err)
{
	struct hs_analyzer *c = calloc(1, sizeof(*c));
	struct hs_analysis *a = calloc(1, sizeof(*a));
	struct hs_analysis_pool *pool = calloc(1, sizeof(*pool));
	if (!c || !a || !pool) {
		free(c);
		free(a);
		free(pool);
		hs_error_errno(err, "analyze");
		return NULL;
	}
	a->pool = pool;
	c->in.pool = pool;
	a->src = src;
	a->len = len;
	c->a = a;
	c->src = src;
	if (filename && strcmp(filename, "-") != 0 && strcmp(filename, "-c") != 0) {
		const char *slash = strrchr(filename, '/');
		c->self = slash ? slash + 1 : filename;
		c->self_len = strlen(c->self);
		if (!c->self_len)
			c->self = NULL;
	}
	if (find_text(src, len, "__hs", 4)) {
		a->refused = "uses names starting with __hs (the runtime's)";
		c->refused_early = 1;
	}
	return c;
}

/* The first pass's walk: self_vars_enter, collect_funcs_enter, and refusal_enter until a
 * refusal is found (see hs_analyzer_add for why that may be early). Inline in the walk: it is
 * called for every node the scan enters. */
static inline __attribute__((always_inline)) int scan_enter(struct hs_node *n,
							     struct hs_node *parent, void *arg)
{
	struct hs_analyzer *c = arg;
	self_vars_enter(n, parent, c);
	if (!c->a->refused)
		refusal_enter(n, parent, c);
	return collect_funcs_enter(n, parent, c);
}

DEFINE_WALK(scan_walk, struct hs_analyzer, scan_enter, PLAIN, 1)

int hs_analyzer_scan(struct hs_analyzer *c, const struct hs_node *andors)
{
	size_t bodies = c->n_bodies;
	for (const struct hs_node *ao = andors; ao && !c->oom; ao = ao->next) {
		c->ordinal++;
		c->scan_root = ao;
		scan_walk((struct hs_node *)ao, NULL, c);
		c->scan_root = NULL;
		if (c->self_vars.oom)
			c->oom = 1;
	}
	return c->n_bodies != bodies;
}

void hs_analyzer_summarize(struct hs_analyzer *c)
{
	summarize_funcs(c);
	/* The refusals found by the first pass saw the variables holding $0 only as far as
	 * they were assigned yet; with none at all that is the whole set, else look again. */
	if (c->self_vars.n && c->a->refused && !c->refused_early) {
		c->a->refused = NULL;
		c->a->refused_line = c->a->refused_col = 0;
	}
	c->refusals_done = !c->self_vars.n;
}

void hs_analyzer_add(struct hs_analyzer *c, const struct hs_node *andors)
{
	for (const struct hs_node *ao = andors; ao && !c->refusals_done && !c->a->refused;
	     ao = ao->next)
		refusal_walk((struct hs_node *)ao, NULL, c);
	struct place top = {0};
	if (!c->oom)
		visit_list(c, andors, top);
}

/* Shell metacharacters and blanks: what ends a word. */
static int ends_word(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == ';' || ch == '&' || ch == '|' ||
	       ch == '<' || ch == '>' || ch == '(' || ch == ')' || ch == '`' || ch == '\'' ||
	       ch == '"';
}

/* The words of the text that look like function names: before "( )" (blanks allowed) or
 * after "function". A superset of the names the parser will find, except in contrived
 * spellings (a line continuation inside "f ()"): hs_analyzer_stream_end checks it. */
static void scan_candidates(struct hs_analyzer *c)
{
	const char *src = c->src, *end = c->src + c->a->len;
	for (const char *p = src; (p = memchr(p, '(', (size_t)(end - p))); p++) {
		const char *q = p + 1;
		while (q < end && (*q == ' ' || *q == '\t'))
			q++;
		if (q == end || *q != ')')
			continue;
		const char *e = p;
		while (e > src && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		const char *b = e;
		while (b > src && !ends_word(b[-1]))
			b--;
		cands_add(&c->cands, b, (size_t)(e - b));
	}
	for (const char *p = src; (p = find_text(p, (size_t)(end - p), "function", 8)); p++) {
		const char *q = p + 8;
		if (q == end || (*q != ' ' && *q != '\t'))
			continue;
		while (q < end && (*q == ' ' || *q == '\t'))
			q++;
		const char *b = q;
		while (q < end && !ends_word(*q))
			q++;
		cands_add(&c->cands, b, (size_t)(q - b));
	}
}

void hs_analyzer_stream_begin(struct hs_analyzer *c)
{
	c->provisional = 1;
	c->refusals_done = 1; /* the scan walk checks refusals as it goes */
	c->record_checks = 1;
	scan_candidates(c);
	if (c->cands.oom)
		c->oom = 1;
}

int hs_analyzer_step(struct hs_analyzer *c, const struct hs_node *andor, int *dirty,
		     size_t *uses)
{
	int keep = hs_analyzer_scan(c, andor);
	c->dirty = 0;
	c->uses_from = c->n_uses;
	hs_analyzer_add(c, andor);
	*dirty = c->dirty;
	uses[0] = c->uses_from;
	uses[1] = c->n_uses;
	if (c->dirty)
		c->n_uses = c->uses_from;
	return keep;
}

int hs_analyzer_uses_current(const struct hs_analyzer *c, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (c->uses[i].f->version != c->uses[i].version)
			return 0;
	return 1;
}

int hs_analyzer_stream_end(struct hs_analyzer *c)
{
	c->provisional = 0;
	c->record_checks = 0;
	for (struct func *f = c->funcs; f; f = f->hh.next)
		if (!cands_has(&c->cands, f->name, strlen(f->name)))
			return -1;
	if (c->funcs_stale)
		refresh_summaries(c);
	if (c->refused_early || !c->self_vars.n)
		return 0;
	/* A name checked before it held $0 may change the refusal: the walk of a command up to
	 * the one where the refusal was found would have seen it. */
	for (size_t i = 0; i < c->n_checks; i++) {
		const struct self_check *k = &c->checks[i];
		if (c->a->refused && k->ordinal > c->refused_ordinal)
			break;
		if (strset_has(&c->self_vars, k->name, k->len)) {
			c->a->refused = NULL;
			c->a->refused_line = c->a->refused_col = 0;
			c->refusals_done = 0;
			return 1;
		}
	}
	return 0;
}

int hs_analyzer_refusal_walk(struct hs_analyzer *c, const struct hs_node *andor)
{
	if (!c->a->refused)
		refusal_walk((struct hs_node *)andor, NULL, c);
	return c->a->refused != NULL;
}

int hs_analyzer_redo(struct hs_analyzer *c, const struct hs_node *andor, size_t from, size_t n)
{
	/* The old entries' strings stay in the pool; new_cmd clears each entry. Entries dropped
	 * since were after these: the ids are counted again from the first one's. */
	struct hs_analysis *a = c->a;
	size_t total = a->n, base = c->base;
	if (n)
		c->base = a->cmds[from].id - 1 - from;
	a->n = from;
	struct place top = {0};
	if (!c->oom)
		visit_list(c, andor, top);
	int ok = a->n == from + n;
	a->n = total;
	c->base = base;
	return ok ? 0 : -1;
}

const struct hs_analysis *hs_analyzer_table(const struct hs_analyzer *c)
{
	return c->a;
}

void hs_analyzer_lean(struct hs_analyzer *c)
{
	c->lean = 1;
}

void hs_analyzer_drop(struct hs_analyzer *c, size_t from)
{
	if (from < c->a->n) {
		c->base += c->a->n - from;
		c->a->n = from;
	}
}

void hs_analyzer_forget_nodes(struct hs_analyzer *c, size_t from, size_t to)
{
	for (size_t i = from; i < to && i < c->a->n; i++)
		c->a->cmds[i].node = NULL;
}

struct hs_analysis *hs_analyzer_finish(struct hs_analyzer *c, struct hs_error *err)
{
	struct hs_analysis *a = c->a;
	int oom = c->oom || c->in.oom;
	if (c->lean)
		a->n = 0; /* not all the entries are left: none is a table */
	c->a = NULL;
	hs_analyzer_free(c);
	if (oom) {
		hs_analysis_free(a);
		hs_error_set(err, ENOMEM, "analyze");
		return NULL;
	}
	return a;
}

void hs_analyzer_free(struct hs_analyzer *c)
{
	if (!c)
		return;
	strset_release(&c->self_vars);
	free(c->in.v);
	free(c->cands.v);
	free(c->seen_defs.v);
	free(c->checks);
	free(c->uses);
	struct func *f, *tmp;
	HASH_ITER(hh, c->funcs, f, tmp) {
		HASH_DEL(c->funcs, f);
		free(f->name);
		free(f->bodies);
		strset_release(&f->vars);
		strset_release(&f->assigns);
		strset_release(&f->calls);
		free(f);
	}
	hs_analysis_free(c->a);
	free(c);
}

struct hs_analysis *hs_analyze(const struct hs_ast *ast, struct hs_error *err)
{
	struct hs_analyzer *c = hs_analyzer_new(ast->src, ast->len, ast->filename, err);
	if (!c)
		return NULL;
	hs_analyzer_scan(c, ast->root->body);
	hs_analyzer_summarize(c);
	hs_analyzer_add(c, ast->root->body);
	return hs_analyzer_finish(c, err);
}

void hs_analysis_free(struct hs_analysis *a)
{
	if (!a)
		return;
	pool_free(a->pool);
	free(a->cmds);
	free(a);
}

const struct hs_cmd *hs_analysis_cmd(const struct hs_analysis *a, unsigned id)
{
	if (!a || id == 0 || id > a->n)
		return NULL;
	return &a->cmds[id - 1];
}

const char *hs_cmd_kind_name(enum hs_cmd_kind kind)
{
	static const char *const names[HS_CMD_KIND_COUNT] = {
		[HS_CMD_EXTERNAL] = "external", [HS_CMD_DYNAMIC] = "dynamic",
		[HS_CMD_PIPELINE] = "pipeline", [HS_CMD_CALL] = "call",
		[HS_CMD_BUILTIN] = "builtin",	[HS_CMD_STATE] = "state-builtin",
		[HS_CMD_ASSIGN] = "assign",	[HS_CMD_ASSIGN_SUBST] = "assign-subst",
		[HS_CMD_FUNCDEF] = "funcdef",	[HS_CMD_FOR] = "for",
		[HS_CMD_WHILE] = "while",	[HS_CMD_UNTIL] = "until",
		[HS_CMD_IF] = "if",		[HS_CMD_CASE] = "case",
		[HS_CMD_GROUP] = "group",	[HS_CMD_SUBSHELL] = "subshell",
		[HS_CMD_BASH] = "bash",
	};
	return (unsigned)kind < HS_CMD_KIND_COUNT ? names[kind] : "?";
}

const char *hs_cmd_role_name(enum hs_cmd_role role)
{
	static const char *const names[] = {"top", "cond", "then", "else", "body", "arm"};
	return (unsigned)role < HS_ARRAY_SIZE(names) ? names[role] : "?";
}

/* ---- JSON ------------------------------------------------------------------------------- */

static void json_str(FILE *out, const char *s, size_t len)
{
	fputc('"', out);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", out);
		else if (ch == '\t')
			fputs("\\t", out);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(out, "\\u%04x", ch);
		else
			fputc(ch, out);
	}
	fputc('"', out);
}

static void json_strv(FILE *out, const char *key, char **v, size_t n)
{
	fprintf(out, ",\"%s\":[", key);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputc(',', out);
		json_str(out, v[i], strlen(v[i]));
	}
	fputc(']', out);
}

static const char *redir_op_name(enum hs_redir_op op)
{
	static const char *const names[] = {"<", ">", ">>", ">|", "<>", "<&", ">&", "<<", "<<<",
					    "&>", "&>>"};
	return (unsigned)op < HS_ARRAY_SIZE(names) ? names[op] : "?";
}

int hs_analysis_json(const struct hs_analysis *a, FILE *out)
{
	static const struct {
		unsigned flag;
		const char *name;
	} flags[] = {
		{HS_CMD_F_READS_STATUS, "reads_status"},
		{HS_CMD_F_READS_PID, "reads_pid"},
		{HS_CMD_F_READS_OPTS, "reads_opts"},
		{HS_CMD_F_READS_POSITIONAL, "reads_positional"},
		{HS_CMD_F_READS_STDIN, "reads_stdin"},
		{HS_CMD_F_BACKGROUND, "background"},
		{HS_CMD_F_SUBSHELL, "subshell"},
		{HS_CMD_F_CMDSUB, "cmdsub"},
		{HS_CMD_F_NEGATED, "negated"},
		{HS_CMD_F_EXPAND_ASSIGNS, "expand_assigns"},
		{HS_CMD_F_READS_UNKNOWN, "reads_unknown"},
		{HS_CMD_F_BASH, "bash"},
		{HS_CMD_F_FD_ABOVE_2, "fd_above_2"},
		{HS_CMD_F_ANNOUNCED, "announced"},
		{HS_CMD_F_IN_FUNCTION, "in_function"},
		{HS_CMD_F_READS_SHELL, "reads_shell"},
	};
	static const char *const ops[] = {"", "&&", "||"};
	fputs("{\"version\":2,\"refused\":", out);
	if (a->refused) {
		json_str(out, a->refused, strlen(a->refused));
		fprintf(out, ",\"refused_line\":%u", a->refused_line);
	} else {
		fputs("null", out);
	}
	fputs(",\"commands\":[", out);
	for (size_t i = 0; i < a->n; i++) {
		const struct hs_cmd *c = &a->cmds[i];
		fprintf(out, "%s\n{\"id\":%u,\"kind\":\"%s\",\"node\":%s", i ? "," : "", c->id,
			hs_cmd_kind_name(c->kind),
			(c->flags & HS_CMD_F_SPECULATE) ? "true" : "false");
		fprintf(out, ",\"line\":%u,\"col\":%u,\"start\":%zu,\"end\":%zu", c->range.line,
			c->range.col, c->range.start, c->range.end);
		fputs(",\"text\":", out);
		json_str(out, a->src + c->range.start, c->range.end - c->range.start);
		if (c->name) {
			fputs(",\"name\":", out);
			json_str(out, c->name, strlen(c->name));
		}
		if (c->reason) {
			fputs(",\"reason\":", out);
			json_str(out, c->reason, strlen(c->reason));
		}
		fprintf(out, ",\"parent\":%u,\"role\":\"%s\"", c->parent,
			hs_cmd_role_name(c->role));
		if (c->role == HS_ROLE_ARM)
			fprintf(out, ",\"arm\":%u", c->arm);
		fprintf(out, ",\"loop\":%u,\"func\":%u,\"end_id\":%u", c->loop, c->func, c->end_id);
		if (c->andor_op > 0 && c->andor_op < 3)
			fprintf(out, ",\"andor\":\"%s\"", ops[c->andor_op]);
		json_strv(out, "vars", c->vars, c->n_vars);
		json_strv(out, "assigns", c->assigns, c->n_assigns);
		json_strv(out, "calls", c->calls, c->n_calls);
		if (c->kind == HS_CMD_FOR && c->words)
			json_strv(out, "words", c->words, c->n_words);
		fputs(",\"redirs\":[", out);
		for (size_t j = 0; j < c->n_redirs; j++) {
			fprintf(out, "%s{\"fd\":%d,\"op\":\"%s\",\"target\":", j ? "," : "",
				c->redirs[j].fd, redir_op_name(c->redirs[j].op));
			json_str(out, c->redirs[j].target, strlen(c->redirs[j].target));
			fputc('}', out);
		}
		fputs("],\"flags\":[", out);
		int first = 1;
		for (size_t j = 0; j < HS_ARRAY_SIZE(flags); j++)
			if (c->flags & flags[j].flag) {
				fprintf(out, "%s\"%s\"", first ? "" : ",", flags[j].name);
				first = 0;
			}
		fputs("]}", out);
	}
	fputs("\n]}\n", out);
	return ferror(out) ? -1 : 0;
}
