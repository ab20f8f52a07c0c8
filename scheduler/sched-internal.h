/* scheduler internals: the runtime protocol's messages, shell state, prediction, validation.
 * Pure parts are unit-tested in tests/unit/test_scheduler.c. */
#ifndef HS_SCHED_INTERNAL_H
#define HS_SCHED_INTERNAL_H

#include "lib/error.h"
#include "scheduler/scheduler.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

enum hs_msg_kind {
	HS_MSG_NODE,
	HS_MSG_FOR,
	HS_MSG_ITER,
	HS_MSG_HELLO,
	HS_MSG_RAN,
};

struct hs_var {
	char *name;
	bool set;
	char *value;
};

/* The shell state a node can depend on, as the shell reports it or as predicted. */
struct hs_shstate {
	char *pwd;
	size_t npos;
	char **pos;
	size_t nvars;
	struct hs_var *vars;   /* the node's variables (names from the node table), IFS too */
	char *exports;         /* `export -p` text */
	char *opts;            /* $- */
	char *umask;           /* `umask` output */
};

/* One message from the shell (docs/runtime-protocol.md, version 2). */
struct hs_msg {
	enum hs_msg_kind kind;
	unsigned id;            /* node id (node, ran), loop id (for, iter), version (hello) */
	int status;             /* node: $? before the node */
	struct hs_shstate st;   /* node */
	size_t nwords;          /* for */
	char **words;
	char *value;            /* iter: the loop variable's value */
	pid_t pid;              /* hello: the shell's pid */
};

/* Parse one message from buf[0..len). Returns the bytes it took (> 0), 0 when the message
 * is not complete yet, or -1 with err set when it is malformed. m is filled on > 0 only. */
ssize_t hs_msg_parse(const char *buf, size_t len, struct hs_msg *m, struct hs_error *err);
void hs_msg_release(struct hs_msg *m);

void hs_shstate_release(struct hs_shstate *st);
int hs_shstate_copy(struct hs_shstate *dst, const struct hs_shstate *src);
/* Find a variable in st by name, or NULL. */
const struct hs_var *hs_shstate_var(const struct hs_shstate *st, const char *name);
/* Set (or add) a variable; value NULL unsets. Returns 0 or -1 (ENOMEM). */
int hs_shstate_setvar(struct hs_shstate *st, const char *name, const char *value);

/* Whether a node speculated on `pred` would see exactly what it sees in `real`: same
 * directory, positional parameters, exported environment, and the same value for each of
 * the node's read variables and IFS. On a difference, *why names it (static string). */
bool hs_shstate_matches(const struct hs_shstate *pred, const struct hs_shstate *real,
			const struct hs_sched_node *node, const char **why);

/* Parse `export -p` text (dash's `export N='v'` or bash's `declare -x N="v"`) into a
 * NULL-terminated malloc'd envp ("N=v" strings; names exported without a value are left
 * out). Returns NULL with err set when the text cannot be parsed. */
char **hs_exports_to_envp(const char *text, struct hs_error *err);
void hs_strv_free(char **v);

/* A stamp of the live object behind a path (lstat or stat, as the read did). */
struct hs_stamp {
	bool exists;
	dev_t dev;
	ino_t ino;
	mode_t mode;
	off_t size;
	struct timespec mtime;
	struct timespec ctime;
};

/* Take a stamp of path now; follow = stat, else lstat. */
void hs_stamp_take(const char *path, bool follow, struct hs_stamp *s);
bool hs_stamp_equal(const struct hs_stamp *a, const struct hs_stamp *b);

/* Quote s for the shell (single quotes), appended to a malloc'd buffer. */
char *hs_shquote(const char *s);

/* A node's dependency on an earlier node (by id), for scheduling: 0 none known, else the
 * writer's id, or HS_DEP_ANY when there are several (then every earlier node). */
#define HS_DEP_ANY (~0U)

/* Dependencies the text shows (scheduler/deps.c): nodes in program order; dep_on (by node
 * id) gets the id of the latest earlier node that redirects output to a file whose literal
 * name the node's text has as a word (in a for-loop, its own such files too). */
void hs_sched_text_deps(const struct hs_sched_node *const *nodes, size_t n, unsigned *dep_on);

#endif
