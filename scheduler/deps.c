/* Dependencies between nodes that the script's text makes plain: a node that names a file an
 * earlier node redirects its output to (`sort s0 > s1` then `awk ... s1 > s2`) would read
 * that file, so a run of it started before the earlier node took effect is thrown away. The
 * scheduler starts such a node only once its writer has taken effect.
 *
 * This is a scheduling hint, not a correctness rule: validation still checks every read.
 * A false dependency costs parallelism, a missed one a run thrown away (and then learned, in
 * spec.c). So the scan is deliberately plain, on the text: write targets are the words after
 * `>`, `>>` or `>|` (plain characters and parameter expansions, maybe in double quotes; not
 * /dev/...), and a node names a file when the same word appears in its text. The same text
 * `out/$f` in two nodes of one loop body names the same file in each iteration. */
#include "scheduler/sched-internal.h"

#include "lib/util.h"

#include <stdlib.h>
#include <string.h>
#include <uthash.h>

struct target {
	UT_hash_handle hh;
	unsigned writer; /* the latest node (program order) that writes it */
	char name[];
};

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("._-/+,@%${}", c) != NULL);
}

static bool delimiter(char c)
{
	return c == '\0' || strchr(" \t\n;|&()<>", c) != NULL;
}

/* The word at text[k]: plain characters, or plain characters in double quotes, between
 * delimiters. Returns its length (0: none) with its start in *start; *next: where scanning
 * goes on (past it, or past text[k] when there is none). */
static size_t word_at(const char *text, size_t k, size_t *start, size_t *next)
{
	bool quoted = text[k] == '"';
	size_t s = k + quoted, e = s;

	*next = k + 1;
	if (k > 0 && !delimiter(text[k - 1]))
		return 0;
	while (name_char(text[e]))
		e++;
	if (e == s || (quoted && text[e] != '"') || !delimiter(text[e + quoted]))
		return 0;
	*start = s;
	*next = e + quoted;
	return e - s;
}

/* The output redirection at text[i] ('>'): the offset of its target word and its length, or
 * 0 when there is none that is literal. *append: `>>`. */
static size_t redir_target(const char *text, size_t i, size_t *start, bool *append)
{
	size_t k = i + 1, next;

	*append = text[k] == '>';
	if (text[k] == '>' || text[k] == '|')
		k++;
	if (text[k] == '&' || (i > 0 && text[i - 1] == '<'))
		return 0; /* >&2, <> */
	while (text[k] == ' ' || text[k] == '\t')
		k++;
	if (text[k] == '>')
		return 0;
	size_t l = word_at(text, k, start, &next);
	if (!l || (l >= 5 && strncmp(text + *start, "/dev/", 5) == 0))
		return 0;
	return l;
}

static void add_dep(unsigned *dep, unsigned writer)
{
	if (*dep == 0)
		*dep = writer;
	else if (*dep != writer)
		*dep = HS_DEP_ANY;
}

/* Note in dep_on the writers of the literal words node names: whole words, except the
 * targets of its own truncating redirections (a blind write reads nothing). */
static void scan_names(const struct hs_sched_node *node, struct target *targets,
		       unsigned *dep_on)
{
	const char *text = node->text;
	size_t len = strlen(text);
	struct target *t;

	for (size_t k = 0; k < len;) {
		if (text[k] == '>') {
			size_t s;
			bool append;
			size_t l = redir_target(text, k, &s, &append);
			if (l && !append)
				k = s + l + (text[s + l] == '"');
			else
				k += text[k + 1] == '>' || text[k + 1] == '|' ? 2 : 1;
			continue;
		}
		size_t s, l = word_at(text, k, &s, &k);
		if (!l)
			continue;
		HASH_FIND(hh, targets, text + s, l, t);
		if (t)
			add_dep(&dep_on[node->id], t->writer);
	}
}

/* Record node as the latest writer of its literal output targets. */
static void add_writes(const struct hs_sched_node *node, struct target **targets)
{
	const char *text = node->text;
	size_t len = strlen(text);
	struct target *t;

	for (size_t k = 0; k < len; k++) {
		size_t s, l;
		bool append;
		if (text[k] != '>')
			continue;
		l = redir_target(text, k, &s, &append);
		if (text[k + 1] == '>' || text[k + 1] == '|')
			k++;
		if (!l)
			continue;
		HASH_FIND(hh, *targets, text + s, l, t);
		if (!t) {
			t = malloc(sizeof(*t) + l + 1);
			if (!t)
				return; /* a hint: fewer of them is fine */
			memcpy(t->name, text + s, l);
			t->name[l] = '\0';
			HASH_ADD(hh, *targets, name, l, t);
		}
		t->writer = node->id;
	}
}

void hs_sched_text_deps(const struct hs_sched_node *const *nodes, size_t n, unsigned *dep_on)
{
	struct target *targets = NULL, *t, *tmp;

	for (size_t i = 0; i < n; i++) {
		/* In a for-loop, a node also reads what it wrote in the iteration before
		 * (cmd >> log): its own writes count. */
		if (nodes[i]->loop >= 0) {
			add_writes(nodes[i], &targets);
			scan_names(nodes[i], targets, dep_on);
		} else {
			scan_names(nodes[i], targets, dep_on);
			add_writes(nodes[i], &targets);
		}
	}
	HS_HASH_FREE_ALL(targets, t, tmp);
}
