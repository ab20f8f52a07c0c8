/* Shell state: copies, comparison with a prediction, `export -p` parsing, stamps. */
#include "scheduler/sched-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *xstrdup(const char *s, int *failed)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		*failed = 1;
	return d;
}

int hs_shstate_copy(struct hs_shstate *dst, const struct hs_shstate *src)
{
	int failed = 0;

	memset(dst, 0, sizeof(*dst));
	dst->pwd = xstrdup(src->pwd, &failed);
	dst->exports = xstrdup(src->exports, &failed);
	dst->opts = xstrdup(src->opts, &failed);
	dst->umask = xstrdup(src->umask, &failed);
	dst->pos = calloc(src->npos + 1, sizeof(char *));
	dst->vars = calloc(src->nvars + 1, sizeof(struct hs_var));
	if (!dst->pos || !dst->vars)
		failed = 1;
	for (size_t i = 0; !failed && i < src->npos; i++)
		dst->pos[dst->npos++] = xstrdup(src->pos[i], &failed);
	for (size_t i = 0; !failed && i < src->nvars; i++) {
		struct hs_var *v = &dst->vars[dst->nvars++];
		v->name = xstrdup(src->vars[i].name, &failed);
		v->set = src->vars[i].set;
		v->value = xstrdup(src->vars[i].value, &failed);
	}
	if (failed) {
		hs_shstate_release(dst);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

const struct hs_var *hs_shstate_var(const struct hs_shstate *st, const char *name)
{
	for (size_t i = 0; i < st->nvars; i++)
		if (strcmp(st->vars[i].name, name) == 0)
			return &st->vars[i];
	return NULL;
}

int hs_shstate_setvar(struct hs_shstate *st, const char *name, const char *value)
{
	char *v = strdup(value ? value : "");

	if (!v)
		return -1;
	for (size_t i = 0; i < st->nvars; i++) {
		if (strcmp(st->vars[i].name, name) == 0) {
			free(st->vars[i].value);
			st->vars[i].value = v;
			st->vars[i].set = value != NULL;
			return 0;
		}
	}
	struct hs_var *nv = realloc(st->vars, (st->nvars + 2) * sizeof(*nv));
	char *n = strdup(name);
	if (!nv || !n) {
		if (nv)
			st->vars = nv;
		free(v);
		free(n);
		errno = ENOMEM;
		return -1;
	}
	st->vars = nv;
	st->vars[st->nvars++] = (struct hs_var){n, value != NULL, v};
	return 0;
}

static bool var_same(const struct hs_var *a, const struct hs_var *b)
{
	if (!a || !b)
		return !a && !b;
	if (a->set != b->set)
		return false;
	return !a->set || strcmp(a->value, b->value) == 0;
}

/* A name the prediction does not know is treated as unset there. */
static bool var_matches(const struct hs_shstate *pred, const struct hs_shstate *real,
			const char *name)
{
	const struct hs_var *p = hs_shstate_var(pred, name), *r = hs_shstate_var(real, name);
	struct hs_var unset = {(char *)name, false, (char *)""};

	return var_same(p ? p : &unset, r ? r : &unset);
}

bool hs_shstate_matches(const struct hs_shstate *pred, const struct hs_shstate *real,
			const struct hs_sched_node *node, const char **why)
{
	const char *dummy;

	if (!why)
		why = &dummy;
	if (!pred->pwd || !real->pwd || strcmp(pred->pwd, real->pwd) != 0) {
		*why = "cwd";
		return false;
	}
	if (pred->npos != real->npos) {
		*why = "positional parameters";
		return false;
	}
	for (size_t i = 0; i < pred->npos; i++) {
		if (strcmp(pred->pos[i], real->pos[i]) != 0) {
			*why = "positional parameters";
			return false;
		}
	}
	if (!pred->exports || !real->exports || strcmp(pred->exports, real->exports) != 0) {
		*why = "environment";
		return false;
	}
	/* Every variable the shell reported (the node's reads plus IFS), and every read the
	 * node table names. */
	for (size_t i = 0; i < real->nvars; i++) {
		if (!var_matches(pred, real, real->vars[i].name)) {
			*why = "variables";
			return false;
		}
	}
	for (size_t i = 0; node && i < node->nreads; i++) {
		if (!var_matches(pred, real, node->reads[i])) {
			*why = "variables";
			return false;
		}
	}
	if (!var_matches(pred, real, "IFS")) {
		*why = "variables";
		return false;
	}
	/* The options a run is started with (set -eufCa) and the umask. */
	for (const char *o = "eufCa"; *o; o++) {
		bool a = pred->opts && strchr(pred->opts, *o);
		bool b = real->opts && strchr(real->opts, *o);
		if (a != b) {
			*why = "shell options";
			return false;
		}
	}
	if (strcmp(pred->umask ? pred->umask : "", real->umask ? real->umask : "") != 0) {
		*why = "umask";
		return false;
	}
	return true;
}

void hs_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

struct sbuf {
	char *s;
	size_t len, cap;
};

static int sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *ns = realloc(b->s, cap);
		if (!ns)
			return -1;
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

static int sb_addc(struct sbuf *b, char c)
{
	return sb_add(b, &c, 1);
}

/* $'...' body (bash): C escapes. *pp points after the opening quote. */
static int ansi_c(const char **pp, struct sbuf *b)
{
	const char *p = *pp;

	while (*p && *p != '\'') {
		char c = *p++;
		if (c != '\\') {
			if (sb_addc(b, c) < 0)
				return -1;
			continue;
		}
		c = *p++;
		switch (c) {
		case 'n': c = '\n'; break;
		case 't': c = '\t'; break;
		case 'r': c = '\r'; break;
		case 'a': c = '\a'; break;
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'v': c = '\v'; break;
		case 'e': case 'E': c = 033; break;
		case '\\': case '\'': case '"': case '?': break;
		case 'x': {
			int v = 0, k = 0;
			while (k < 2 && strchr("0123456789abcdefABCDEF", *p) && *p) {
				v = v * 16 + (*p <= '9' ? *p - '0' : (*p | 32) - 'a' + 10);
				p++, k++;
			}
			c = (char)v;
			break;
		}
		case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
			int v = c - '0', k = 1;
			while (k < 3 && *p >= '0' && *p <= '7') {
				v = v * 8 + (*p++ - '0');
				k++;
			}
			c = (char)v;
			break;
		}
		case '\0':
			return -1;
		default:
			/* Unknown escapes stay as written. */
			if (sb_addc(b, '\\') < 0)
				return -1;
			break;
		}
		if (sb_addc(b, c) < 0)
			return -1;
	}
	if (*p != '\'')
		return -1;
	*pp = p + 1;
	return 0;
}

/* One shell word made of quoted and plain parts, up to a newline or the end. */
static int word(const char **pp, struct sbuf *b)
{
	const char *p = *pp;

	while (*p && *p != '\n') {
		if (*p == '\'') {
			const char *q = strchr(p + 1, '\'');
			if (!q || sb_add(b, p + 1, (size_t)(q - p - 1)) < 0)
				return -1;
			p = q + 1;
		} else if (*p == '$' && p[1] == '\'') {
			p += 2;
			if (ansi_c(&p, b) < 0)
				return -1;
		} else if (*p == '"') {
			p++;
			while (*p && *p != '"') {
				if (*p == '\\' && p[1] && strchr("$`\"\\\n", p[1]))
					p++;
				if (sb_addc(b, *p++) < 0)
					return -1;
			}
			if (*p != '"')
				return -1;
			p++;
		} else if (*p == '\\' && p[1]) {
			if (sb_addc(b, p[1]) < 0)
				return -1;
			p += 2;
		} else {
			if (sb_addc(b, *p++) < 0)
				return -1;
		}
	}
	*pp = p;
	return 0;
}

char **hs_exports_to_envp(const char *text, struct hs_error *err)
{
	size_t n = 0, cap = 16;
	char **env = calloc(cap, sizeof(char *));
	const char *p = text;

	if (!env) {
		hs_error_set(err, ENOMEM, "export -p");
		return NULL;
	}
	while (*p) {
		const char *name;
		size_t nlen;
		struct sbuf b = {0};

		if (*p == '\n') {
			p++;
			continue;
		}
		if (strncmp(p, "export ", 7) == 0) {
			p += 7;
		} else if (strncmp(p, "declare -", 9) == 0) {
			p += 9;
			while (*p && *p != ' ')
				p++;
			if (*p == ' ')
				p++;
		} else {
			goto bad;
		}
		name = p;
		while (*p && *p != '=' && *p != '\n')
			p++;
		nlen = (size_t)(p - name);
		if (*p != '=') /* exported, no value: not in the environment */
			continue;
		p++;
		if (sb_add(&b, name, nlen) < 0 || sb_addc(&b, '=') < 0 || word(&p, &b) < 0) {
			free(b.s);
			goto bad;
		}
		if (n + 2 > cap) {
			char **ne = realloc(env, cap * 2 * sizeof(char *));
			if (!ne) {
				free(b.s);
				goto bad;
			}
			env = ne;
			cap *= 2;
		}
		env[n++] = b.s;
		env[n] = NULL;
	}
	return env;
bad:
	hs_strv_free(env);
	hs_error_set(err, 0, "cannot parse export -p output near '%.30s'", p);
	return NULL;
}

void hs_stamp_take(const char *path, bool follow, struct hs_stamp *s)
{
	struct stat st;

	memset(s, 0, sizeof(*s));
	if ((follow ? stat(path, &st) : lstat(path, &st)) < 0)
		return;
	s->exists = true;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->mode = st.st_mode;
	s->size = st.st_size;
	s->mtime = st.st_mtim;
	s->ctime = st.st_ctim;
}

bool hs_stamp_equal(const struct hs_stamp *a, const struct hs_stamp *b)
{
	if (a->exists != b->exists)
		return false;
	if (!a->exists)
		return true;
	return a->dev == b->dev && a->ino == b->ino && a->mode == b->mode && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
	       a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec;
}

char *hs_shquote(const char *s)
{
	struct sbuf b = {0};

	if (sb_addc(&b, '\'') < 0)
		return NULL;
	for (; *s; s++) {
		if (*s == '\'') {
			if (sb_add(&b, "'\\''", 4) < 0)
				goto fail;
		} else if (sb_addc(&b, *s) < 0) {
			goto fail;
		}
	}
	if (sb_addc(&b, '\'') < 0)
		goto fail;
	return b.s;
fail:
	free(b.s);
	return NULL;
}
