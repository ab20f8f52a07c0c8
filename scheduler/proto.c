/* The runtime protocol, scheduler side: NUL-terminated fields from the shell. */
#include "scheduler/sched-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct cursor {
	const char *buf;
	size_t len, pos;
};

/* Next field, or NULL when the buffer ends before its NUL. */
static const char *field(struct cursor *c)
{
	const char *start = c->buf + c->pos;
	const char *nul = memchr(start, '\0', c->len - c->pos);

	if (!nul)
		return NULL;
	c->pos = (size_t)(nul - c->buf) + 1;
	return start;
}

/* Parse a non-negative decimal field; -1 when it is not one. */
static long number(const char *f)
{
	char *end;
	long v;

	if (!f || !*f || *f == '-' || *f == '+')
		return -1;
	errno = 0;
	v = strtol(f, &end, 10);
	if (*end || errno || v < 0 || v > 1000000000)
		return -1;
	return v;
}

static char *dup_or_fail(const char *s, int *failed)
{
	char *d = strdup(s);

	if (!d)
		*failed = 1;
	return d;
}

void hs_shstate_release(struct hs_shstate *st)
{
	free(st->pwd);
	for (size_t i = 0; i < st->npos; i++)
		free(st->pos[i]);
	free(st->pos);
	for (size_t i = 0; i < st->nvars; i++) {
		free(st->vars[i].name);
		free(st->vars[i].value);
	}
	free(st->vars);
	free(st->exports);
	free(st->opts);
	free(st->umask);
	memset(st, 0, sizeof(*st));
}

void hs_msg_release(struct hs_msg *m)
{
	hs_shstate_release(&m->st);
	for (size_t i = 0; i < m->nwords; i++)
		free(m->words[i]);
	free(m->words);
	free(m->value);
	memset(m, 0, sizeof(*m));
}

/* node N STATUS PWD OPTS K NPOS (SET VALUE)*K POS*NPOS EXPORTS UMASK (after N).
 * Returns 1 parsed, 0 incomplete, -1 malformed or out of memory. */
static int parse_node(struct cursor *c, struct hs_msg *m, struct hs_error *err)
{
	const char *f;
	long n, k, npos;
	int failed = 0;

	if (!(f = field(c)))
		return 0;
	if ((n = number(f)) < 0 || n > 255)
		return hs_error_set(err, 0, "node: bad status '%s'", f);
	m->status = (int)n;
	if (!(f = field(c)))
		return 0;
	m->st.pwd = dup_or_fail(f, &failed);
	if (!(f = field(c)))
		return 0;
	m->st.opts = dup_or_fail(f, &failed);
	if (!(f = field(c)))
		return 0;
	if ((k = number(f)) < 0)
		return hs_error_set(err, 0, "node: bad variable count '%s'", f);
	if (!(f = field(c)))
		return 0;
	if ((npos = number(f)) < 0)
		return hs_error_set(err, 0, "node: bad positional count '%s'", f);
	m->st.vars = calloc((size_t)k + 1, sizeof(struct hs_var));
	m->st.pos = calloc((size_t)npos + 1, sizeof(char *));
	if (!m->st.vars || !m->st.pos)
		return hs_error_set(err, ENOMEM, "node");
	for (long i = 0; i < k; i++) {
		const char *set, *value;

		if (!(set = field(c)) || !(value = field(c)))
			return 0;
		if ((set[0] != '1' || set[1]) && set[0])
			return hs_error_set(err, 0, "node: bad set flag '%s'", set);
		struct hs_var *v = &m->st.vars[m->st.nvars++];
		v->name = NULL; /* named by the node table */
		v->set = set[0] == '1';
		v->value = dup_or_fail(v->set ? value : "", &failed);
	}
	for (long i = 0; i < npos; i++) {
		if (!(f = field(c)))
			return 0;
		m->st.pos[m->st.npos++] = dup_or_fail(f, &failed);
	}
	if (!(f = field(c)))
		return 0;
	m->st.exports = dup_or_fail(f, &failed);
	if (!(f = field(c)))
		return 0;
	m->st.umask = dup_or_fail(f, &failed);
	if (failed)
		return hs_error_set(err, ENOMEM, "node");
	return 1;
}

ssize_t hs_msg_parse(const char *buf, size_t len, struct hs_msg *m, struct hs_error *err)
{
	struct cursor c = {buf, len, 0};
	struct hs_msg tmp = {0};
	const char *kind, *f;
	long n;
	int r = 1;

	if (!(kind = field(&c)))
		return 0;
	if (!(f = field(&c)))
		return 0;
	if ((n = number(f)) < 0)
		return hs_error_set(err, 0, "%s: bad id '%s'", kind, f);
	tmp.id = (unsigned)n;
	if (strcmp(kind, "node") == 0) {
		tmp.kind = HS_MSG_NODE;
		r = parse_node(&c, &tmp, err);
	} else if (strcmp(kind, "for") == 0) {
		tmp.kind = HS_MSG_FOR;
		if (!(f = field(&c))) {
			r = 0;
		} else if ((n = number(f)) < 0) {
			r = hs_error_set(err, 0, "for: bad word count '%s'", f);
		} else if (!(tmp.words = calloc((size_t)n + 1, sizeof(char *)))) {
			r = hs_error_set(err, ENOMEM, "for");
		} else {
			for (long i = 0; i < n && r == 1; i++) {
				if (!(f = field(&c)))
					r = 0;
				else if (!(tmp.words[tmp.nwords++] = strdup(f)))
					r = hs_error_set(err, ENOMEM, "for");
			}
		}
	} else if (strcmp(kind, "iter") == 0) {
		tmp.kind = HS_MSG_ITER;
		if (!(f = field(&c)))
			r = 0;
		else if (!(tmp.value = strdup(f)))
			r = hs_error_set(err, ENOMEM, "iter");
	} else if (strcmp(kind, "ran") == 0) {
		tmp.kind = HS_MSG_RAN;
	} else if (strcmp(kind, "hello") == 0) {
		/* hello VERSION PID: the id field is the version. */
		tmp.kind = HS_MSG_HELLO;
		if (!(f = field(&c)))
			r = 0;
		else if ((n = number(f)) <= 0)
			r = hs_error_set(err, 0, "hello: bad pid '%s'", f);
		else
			tmp.pid = (pid_t)n;
	} else {
		r = hs_error_set(err, 0, "unknown message '%.40s'", kind);
	}
	if (r <= 0) {
		hs_msg_release(&tmp);
		return r;
	}
	*m = tmp;
	return (ssize_t)c.pos;
}
