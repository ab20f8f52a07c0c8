/* The node finder: what every command of a script is, what it reads, where it stands.
 *
 * hs_analyze() walks a parsed script (engine/ast.h) and builds a table of its commands in
 * source order. An entry is a pipeline (2+ commands: one entry, its elements run in
 * subshells), or the single command of a one-command pipeline: a simple command, or a
 * compound command (if, for, while, until, case, group, subshell, function definition),
 * whose inner commands follow it as entries of their own (parent = its id). Command
 * substitution bodies are not entries: they are part of the command that contains them.
 *
 * The entries flagged HS_CMD_F_SPECULATE are the *nodes* the rewriter wraps; their id is the
 * N of the runtime protocol (docs/runtime-protocol.md), and `vars` lists, in the order the
 * wrapper passes them, the variables whose values the node's message carries.
 */
#ifndef HS_ENGINE_ANALYZE_H
#define HS_ENGINE_ANALYZE_H

#include <stddef.h>
#include <stdio.h>

#include "engine/ast.h"

struct hs_error;
struct hs_analysis_pool;

enum hs_cmd_kind {
	HS_CMD_EXTERNAL,     /* simple command that runs a program (literal name, not a builtin) */
	HS_CMD_DYNAMIC,	     /* simple command whose name is not a literal ($cmd args) */
	HS_CMD_PIPELINE,     /* pipeline of 2+ commands */
	HS_CMD_CALL,	     /* call of a function defined in the script */
	HS_CMD_BUILTIN,	     /* pure builtin: echo printf test [ : true false pwd kill ... */
	HS_CMD_STATE,	     /* state-changing builtin: cd export set shift read eval . exit ... */
	HS_CMD_ASSIGN,	     /* assignments only, no command substitution */
	HS_CMD_ASSIGN_SUBST, /* assignments only, with a command substitution: x=$(cmd) */
	HS_CMD_FUNCDEF,	     /* name() compound */
	HS_CMD_FOR,	     /* loop headers and other compound commands */
	HS_CMD_WHILE,
	HS_CMD_UNTIL,
	HS_CMD_IF,
	HS_CMD_CASE,
	HS_CMD_GROUP,
	HS_CMD_SUBSHELL,
	HS_CMD_BASH, /* a bash-only command ([[ ]], (( )), select, coproc, for ((;;))) */
	HS_CMD_KIND_COUNT
};

/* Where an entry stands in its parent. */
enum hs_cmd_role {
	HS_ROLE_TOP,  /* top level of the script */
	HS_ROLE_COND, /* condition of if / elif / while / until */
	HS_ROLE_THEN,
	HS_ROLE_ELSE, /* else part; an elif is an IF entry in the ELSE role */
	HS_ROLE_BODY, /* body of a loop, group, subshell or function */
	HS_ROLE_ARM,  /* a case arm (arm = index of the item, from 0) */
};

/* hs_cmd.flags */
#define HS_CMD_F_SPECULATE (1u << 0)	   /* a node: wrapped by the rewriter */
#define HS_CMD_F_READS_STATUS (1u << 1)	   /* reads $? (itself or in a function it calls) */
#define HS_CMD_F_READS_PID (1u << 2)	   /* reads $$ or $! */
#define HS_CMD_F_READS_OPTS (1u << 3)	   /* reads $- */
#define HS_CMD_F_READS_POSITIONAL (1u << 4) /* reads $1.. $@ $* $# of its context */
#define HS_CMD_F_READS_STDIN (1u << 5)	   /* may read the shell's stdin (no < on it) */
#define HS_CMD_F_BACKGROUND (1u << 6)	   /* ends in & */
#define HS_CMD_F_SUBSHELL (1u << 7)	   /* runs in a subshell ( ), so never a node */
#define HS_CMD_F_CMDSUB (1u << 8)	   /* has a command substitution */
#define HS_CMD_F_NEGATED (1u << 9)	   /* ! pipeline (the ! stays outside the node) */
#define HS_CMD_F_EXPAND_ASSIGNS (1u << 10)  /* ${x=..} ${x:=..} or $((x=..)): assigns */
#define HS_CMD_F_READS_UNKNOWN (1u << 11)   /* eval / . / dynamic names: reads anything */
#define HS_CMD_F_BASH (1u << 12)	   /* contains a bash-only construct */
#define HS_CMD_F_FD_ABOVE_2 (1u << 13)	   /* redirects or dups an fd > 2 */
#define HS_CMD_F_ANNOUNCED (1u << 14)	   /* FOR: the rewriter announces its list */
#define HS_CMD_F_IN_FUNCTION (1u << 15)	   /* inside a function body */
/* looks at the shell process itself, which a speculative run is not: type or command -v
 * (functions, hashed paths), /proc/self, /dev/fd (open fds). Still a node (the shell runs
 * it with fd 9 closed), but the scheduler never speculates on it. */
#define HS_CMD_F_READS_SHELL (1u << 16)

struct hs_cmd_redir {
	int fd;			/* the fd redirected (defaults filled in: 0 for <, 1 for >) */
	enum hs_redir_op op;
	char *target;		/* source text of the target word (here-doc: the delimiter) */
};

/* Fields are ordered by size: the table of a large script has hundreds of thousands. */
struct hs_cmd {
	unsigned id;	       /* 1-based, source order; the N of the runtime protocol */
	enum hs_cmd_kind kind;
	unsigned flags;	       /* HS_CMD_F_* */
	unsigned parent;       /* id of the enclosing compound entry, 0 at top level */
	enum hs_cmd_role role;
	unsigned arm;	       /* HS_ROLE_ARM: index of the case item */
	unsigned loop;	       /* id of the innermost enclosing for/while/until entry, 0 if none */
	unsigned func;	       /* id of the enclosing FUNCDEF entry, 0 if none */
	int andor_op;	       /* enum hs_andor_op: the && / || before it in its and-or list */
	unsigned end_id;       /* last id inside this entry (== id for a leaf) */
	unsigned n_vars, n_assigns, n_calls, n_redirs, n_words;
	const char *reason;    /* why it is not a node (static text), NULL for nodes */
	struct hs_range range; /* the node text: the pipeline without a leading ! */
	const struct hs_node *node; /* the AST node (PIPELINE for 2+, else the command); NULL
				       in hs_rewrite_script's table, which outlives the tree */
	/* Strings and arrays below live in the table's pool (struct hs_analysis). */
	char *name;	       /* command name (literal), function name, for variable; or NULL */
	char **vars;	       /* variables read, sorted (nodes: IFS included) */
	char **assigns;	       /* variables it sets: x=, for x, read x, ${x=}, getopts ... */
	char **calls;	       /* script functions it calls (transitively) */
	struct hs_cmd_redir *redirs; /* its own redirections (compound: the trailing ones) */
	/* FOR: the word list as source text (NULL if "for x; do": "$@") */
	char **words;
};

struct hs_analysis {
	struct hs_cmd *cmds; /* cmds[i].id == i + 1 */
	size_t n;
	const char *src; /* borrowed from the AST */
	size_t len;
	/* Why the whole script must run unchanged (docs/runtime-protocol.md, "Refusals"), with
	 * the line and column of the cause (0 when not tied to one place); NULL if it need not. */
	const char *refused;
	unsigned refused_line, refused_col;
	struct hs_analysis_pool *pool; /* owns every string and array of cmds */
};

/* Analyse a parsed script. The result borrows nothing but ast->src (kept as a pointer);
 * free it with hs_analysis_free. Returns NULL with err set (out of memory). */
struct hs_analysis *hs_analyze(const struct hs_ast *ast, struct hs_error *err);

/* NULL is a no-op. */
void hs_analysis_free(struct hs_analysis *a);

/* The entry with this id, or NULL. */
const struct hs_cmd *hs_analysis_cmd(const struct hs_analysis *a, unsigned id);

/* Names: "external", "pipeline", ...; "top", "cond", ... */
const char *hs_cmd_kind_name(enum hs_cmd_kind kind);
const char *hs_cmd_role_name(enum hs_cmd_role role);

/* Write the table as JSON: {"version":2,"commands":[{...}, ...]}. Returns 0 or -1 (errno). */
int hs_analysis_json(const struct hs_analysis *a, FILE *out);

#endif
