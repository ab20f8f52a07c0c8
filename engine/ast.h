/* Shell syntax tree: the public interface of the parser (DESIGN.md §2).
 *
 * hs_parse() turns a POSIX sh script (plus the bash extensions real scripts use) into a tree
 * of struct hs_node. Every node carries its exact source range: byte offsets [start, end) into
 * the buffer given to hs_parse, plus the 1-based line and column (in bytes) of start.
 *
 * Shape (children are singly linked through hs_node.next, in source order):
 *   PROGRAM.body             -> ANDOR ...        (one per complete command split at ; & \n)
 *   ANDOR.pipelines          -> PIPELINE ...     (each with the && / || that precedes it)
 *   PIPELINE.cmds            -> a command ...    (SIMPLE, SUBSHELL, GROUP, IF, WHILE, UNTIL,
 *                                                 FOR, CASE, FUNCDEF, and the bash-only kinds)
 *   compound bodies (GROUP.body, IF.cond, ...)   -> ANDOR ...
 *   SIMPLE.assigns -> ASSIGN, SIMPLE.words -> WORD, *.redirs -> REDIR
 *   WORD.parts -> LIT, SQUOTE, DQUOTE, ESCAPE, PARAM, CMDSUB, ARITH, and bash-only parts
 *   CMDSUB.body / PROCSUB.body -> ANDOR ... (a parsed sub-tree; ranges point into the same
 *   source; inside backquotes the ranges cover the still-escaped original text)
 *
 * Range containment: every node's range lies inside its parent's, except a here-document
 * body (REDIR.heredoc, a WORD flagged HS_NODE_F_HEREDOC), which lies on the lines after the
 * command. A top-level ANDOR's range does not include its terminator (; or &) nor the
 * here-document bodies it owns; the text between top-level ranges is separators, blanks,
 * comments and here-document bodies.
 *
 * Bash-only constructs carry HS_NODE_F_BASH on the node itself (hs_node_has_bash() checks a
 * subtree). They must run in the shell and are never speculated:
 *   [[ ]] (DBRACKET), (( )) (ARITH_CMD), for (( ;; )) (ARITH_FOR), select (SELECT), coproc
 *   (COPROC), `function f` (FUNCDEF with keyword), arrays a=(...) (ARRAY), $'...' (ANSIC),
 *   $"..." (LOCALE), <( ) and >( ) (PROCSUB), extglob patterns @( ) etc. (EXTGLOB), bash
 *   parameter operators (${a/x/y} ${a^^} ${a:1:2} ${!a} ${a[i]} ...: PARAM flagged), and the
 *   redirections <<< &> &>> {var}> (REDIR flagged), and |& (PIPELINE flagged).
 */
#ifndef HS_ENGINE_AST_H
#define HS_ENGINE_AST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct hs_error;

/* [start, end) byte offsets into the parsed buffer; line/col (1-based) of start. */
struct hs_range {
	size_t start, end;
	uint32_t line, col;
};

enum hs_node_kind {
	HS_NODE_PROGRAM,
	HS_NODE_ANDOR,
	HS_NODE_PIPELINE,
	/* commands */
	HS_NODE_SIMPLE,
	HS_NODE_SUBSHELL,
	HS_NODE_GROUP,
	HS_NODE_IF,
	HS_NODE_WHILE,
	HS_NODE_UNTIL,
	HS_NODE_FOR,
	HS_NODE_CASE,
	HS_NODE_FUNCDEF,
	HS_NODE_SELECT,	   /* bash */
	HS_NODE_ARITH_FOR, /* bash: for ((;;)) */
	HS_NODE_DBRACKET,  /* bash: [[ ]] */
	HS_NODE_ARITH_CMD, /* bash: (( )) */
	HS_NODE_COPROC,	   /* bash */
	/* pieces of commands */
	HS_NODE_CASE_ITEM,
	HS_NODE_ASSIGN,
	HS_NODE_REDIR,
	HS_NODE_WORD,
	/* word parts */
	HS_NODE_LIT,	 /* unquoted literal text (no backslashes, no line continuations) */
	HS_NODE_SQUOTE,	 /* '...' */
	HS_NODE_DQUOTE,	 /* "..." with parts */
	HS_NODE_ESCAPE,	 /* \c */
	HS_NODE_PARAM,	 /* $name ${...} */
	HS_NODE_CMDSUB,	 /* $(...) or `...` */
	HS_NODE_ARITH,	 /* $((...)) */
	HS_NODE_ANSIC,	 /* bash: $'...' */
	HS_NODE_LOCALE,	 /* bash: $"..." with parts */
	HS_NODE_PROCSUB, /* bash: <(...) >(...) */
	HS_NODE_ARRAY,	 /* bash: (...) value of an array assignment */
	HS_NODE_EXTGLOB, /* bash: @(...) *(...) +(...) ?(...) !(...) */
	HS_NODE_KIND_COUNT
};

/* hs_node.flags */
#define HS_NODE_F_BASH (1u << 0)       /* bash-only: run in the shell, never speculate */
#define HS_NODE_F_HEREDOC (1u << 1)    /* WORD: a here-document body */
#define HS_NODE_F_PIPE_AMP (1u << 2)   /* command: followed by |& in its pipeline */
#define HS_NODE_F_ELIF (1u << 3)       /* IF: an elif branch (range starts at "elif") */
#define HS_NODE_F_BACKQUOTE (1u << 4)  /* CMDSUB: `...` form */
#define HS_NODE_F_DECL (1u << 5)       /* SIMPLE: export/readonly/local/declare/typeset */
#define HS_NODE_F_IN_DQUOTE (1u << 6)  /* part: inside "..." (or a here-doc body) */

struct hs_node {
	enum hs_node_kind kind;
	unsigned flags;
	struct hs_range range;
	struct hs_node *next; /* next sibling in the parent's list */
};

struct hs_node_program {
	struct hs_node base;
	struct hs_node *body; /* ANDOR ... */
};

enum hs_sep { HS_SEP_NONE, HS_SEP_SEMI, HS_SEP_AMP, HS_SEP_NEWLINE };

struct hs_node_andor {
	struct hs_node base;
	struct hs_node *pipelines; /* PIPELINE ... */
	enum hs_sep sep;	   /* what ended it; HS_SEP_AMP: runs in the background */
	size_t sep_off;		   /* offset of the ; & or newline (when sep != NONE) */
};

enum hs_andor_op { HS_ANDOR_FIRST, HS_ANDOR_AND, HS_ANDOR_OR };

struct hs_node_pipeline {
	struct hs_node base;
	enum hs_andor_op op; /* the && or || before this pipeline */
	int bang;	     /* leading ! */
	struct hs_node *cmds;
};

/* Every command node starts with base + redirs (trailing redirections of a compound command;
 * for SIMPLE all its redirections). hs_node_redirs() gets them for any command kind. */
struct hs_node_simple {
	struct hs_node base;
	struct hs_node *redirs;	 /* REDIR ... */
	struct hs_node *assigns; /* ASSIGN ... (prefix assignments) */
	struct hs_node *words;	 /* WORD ... (command name first) */
};

/* SUBSHELL, GROUP */
struct hs_node_compound {
	struct hs_node base;
	struct hs_node *redirs;
	struct hs_node *body; /* ANDOR ... */
};

struct hs_node_if {
	struct hs_node base;
	struct hs_node *redirs;
	struct hs_node *cond;	   /* ANDOR ... */
	struct hs_node *then_body; /* ANDOR ... */
	struct hs_node *else_body; /* ANDOR ..., or one IF flagged HS_NODE_F_ELIF, or NULL */
};

/* WHILE, UNTIL */
struct hs_node_loop {
	struct hs_node base;
	struct hs_node *redirs;
	struct hs_node *cond;
	struct hs_node *body;
};

/* FOR, SELECT, ARITH_FOR */
struct hs_node_for {
	struct hs_node base;
	struct hs_node *redirs;
	const char *name; /* loop variable (NULL for ARITH_FOR) */
	size_t name_len;
	int has_in;	       /* "in" given (else the loop runs over "$@") */
	struct hs_node *words; /* WORD ... after "in"; ARITH_FOR: one WORD, the text in (( )) */
	struct hs_node *body;  /* ANDOR ... */
};

enum hs_case_term { HS_CASE_NONE, HS_CASE_BREAK /* ;; */, HS_CASE_FALL /* ;& */, HS_CASE_CONT /* ;;& */ };

struct hs_node_case {
	struct hs_node base;
	struct hs_node *redirs;
	struct hs_node *word;  /* WORD */
	struct hs_node *items; /* CASE_ITEM ... */
};

struct hs_node_case_item {
	struct hs_node base;
	struct hs_node *patterns; /* WORD ... */
	struct hs_node *body;	  /* ANDOR ... (may be empty) */
	enum hs_case_term term;
};

struct hs_node_funcdef {
	struct hs_node base;
	struct hs_node *redirs; /* always NULL: redirections belong to the body */
	const char *name;
	size_t name_len;
	int keyword;	      /* "function name" form (bash) */
	struct hs_node *body; /* a compound command node */
};

/* DBRACKET: the words between [[ and ]] (operators like && < ( are not kept as words);
 * ARITH_CMD: one WORD, the expression between (( and )). */
struct hs_node_bash_cmd {
	struct hs_node base;
	struct hs_node *redirs;
	struct hs_node *words;
};

struct hs_node_coproc {
	struct hs_node base;
	struct hs_node *redirs;
	const char *name; /* NULL: default COPROC */
	size_t name_len;
	struct hs_node *body; /* a command node */
};

struct hs_node_assign {
	struct hs_node base;
	const char *name;
	size_t name_len;
	int append;		  /* += */
	struct hs_node *subscript; /* bash a[i]=v: WORD or NULL */
	struct hs_node *value;	  /* WORD (range after '='); for arrays one ARRAY part */
};

enum hs_redir_op {
	HS_REDIR_IN,	    /* <  */
	HS_REDIR_OUT,	    /* >  */
	HS_REDIR_APPEND,    /* >> */
	HS_REDIR_CLOBBER,   /* >| */
	HS_REDIR_RDWR,	    /* <> */
	HS_REDIR_DUP_IN,    /* <& */
	HS_REDIR_DUP_OUT,   /* >& */
	HS_REDIR_HEREDOC,   /* << and <<- */
	HS_REDIR_HERESTR,   /* <<< (bash) */
	HS_REDIR_OUT_ERR,   /* &> (bash) */
	HS_REDIR_APPEND_ERR /* &>> (bash) */
};

struct hs_node_redir {
	struct hs_node base;
	int fd;		    /* explicit io number, or -1 for the default */
	const char *fd_var; /* bash {var}>: the name, else NULL */
	size_t fd_var_len;
	enum hs_redir_op op;
	struct hs_node *target; /* WORD: file, fd, or the here-doc delimiter as written */
	/* here-documents */
	int strip_tabs;		 /* <<- */
	int quoted;		 /* delimiter had quotes: body is literal */
	const char *delim;	 /* delimiter with quotes removed (arena copy) */
	size_t delim_len;
	struct hs_node *heredoc; /* WORD flagged HEREDOC: the body lines (no delimiter line);
				    unquoted: its parts (LIT, PARAM, CMDSUB, ESCAPE ...) */
	size_t heredoc_end;	 /* offset just past the delimiter line (or EOF) */
};

struct hs_node_word {
	struct hs_node base;
	struct hs_node *parts;
	/* length of a leading "name=" / "name+=" / "name[...]=" prefix (0: none); it is always
	 * a LIT part of its own. Set whatever the word's position (export a=b, too). */
	uint32_t assign_len;
};

/* LIT, SQUOTE (text = inside the quotes), ESCAPE (text = the escaped char), ANSIC (raw text
 * inside $'...'). text points into the parsed buffer (or an unescaped copy for backquotes). */
struct hs_node_lit {
	struct hs_node base;
	const char *text;
	size_t len;
};

/* DQUOTE, LOCALE, EXTGLOB */
struct hs_node_quoted {
	struct hs_node base;
	struct hs_node *parts;
};

enum hs_param_op {
	HS_PARAM_PLAIN,	     /* $a ${a} */
	HS_PARAM_LENGTH,     /* ${#a} */
	HS_PARAM_DEFAULT,    /* ${a-w} ${a:-w} */
	HS_PARAM_ASSIGN,     /* ${a=w} ${a:=w}: assigns a! */
	HS_PARAM_ERROR,	     /* ${a?w} ${a:?w} */
	HS_PARAM_ALT,	     /* ${a+w} ${a:+w} */
	HS_PARAM_DEL_SUFFIX, /* ${a%w} ${a%%w} (longest: flag) */
	HS_PARAM_DEL_PREFIX, /* ${a#w} ${a##w} */
	/* bash */
	HS_PARAM_REPLACE,   /* ${a/p/r} ${a//p/r} ${a/#p/r} ${a/%p/r}: arg = "p/r" text */
	HS_PARAM_SUBSTR,    /* ${a:off} ${a:off:len}: arg = "off:len" */
	HS_PARAM_UPPER,	    /* ${a^} ${a^^} */
	HS_PARAM_LOWER,	    /* ${a,} ${a,,} */
	HS_PARAM_TRANSFORM, /* ${a@Q} */
	HS_PARAM_NAMES,     /* ${!prefix*} ${!prefix@} */
	HS_PARAM_BAD	    /* not a valid expansion (bash reports it only when run; zsh code in
			       bash files): name is the raw text between ${ and }, flagged BASH */
};

#define HS_PARAM_F_BRACED (1u << 0)
#define HS_PARAM_F_COLON (1u << 1)    /* :- := :? :+ */
#define HS_PARAM_F_LONGEST (1u << 2)  /* %% ## // ^^ ,, */
#define HS_PARAM_F_INDIRECT (1u << 3) /* ${!a} */

struct hs_node_param {
	struct hs_node base;
	const char *name; /* identifier, digits, or one of @ * # ? - $ ! 0 */
	size_t name_len;
	enum hs_param_op op;
	unsigned pflags;
	struct hs_node *subscript; /* bash ${a[i]}: WORD or NULL */
	struct hs_node *arg;	   /* WORD after the operator, or NULL */
};

/* CMDSUB, PROCSUB */
struct hs_node_cmdsub {
	struct hs_node base;
	struct hs_node *body; /* ANDOR ... */
	char dir;	      /* PROCSUB: '<' or '>' */
};

/* ARITH: the expression between $(( and )) as a WORD whose LIT parts hold the arithmetic text
 * (bare names in it are variable reads). */
struct hs_node_arith {
	struct hs_node base;
	struct hs_node *expr;
};

/* ARRAY */
struct hs_node_array {
	struct hs_node base;
	struct hs_node *elems; /* WORD ... */
};

/* A parsed script. Owns every node (one arena). src is NOT copied: the buffer given to
 * hs_parse must outlive the tree. */
struct hs_ast {
	struct hs_node_program *root;
	const char *src;
	size_t len;
	const char *filename;
	struct hs_arena *arena; /* private */
};

/* hs_parse flags */
#define HS_PARSE_POSIX (1u << 0) /* dash dialect: "((" is always two subshells */

/* Parse src[0..len) (NUL bytes are a syntax error). filename is used in error messages
 * ("file:line:col: message", the first error wins). Returns the tree (free with
 * hs_ast_free), or NULL with err set. Never crashes on any input; nesting deeper than
 * HS_PARSE_MAX_DEPTH is an error. Time and memory are linear in len. */
struct hs_ast *hs_parse(const char *src, size_t len, const char *filename, unsigned flags,
			struct hs_error *err);

#define HS_PARSE_MAX_DEPTH 1000

/* Streaming parse: calls fn for each top-level ANDOR as soon as it (and its here-documents)
 * are parsed; the node is freed after fn returns (memory stays bounded by the largest
 * command). fn returns 0 to go on, nonzero to stop (hs_parse_each then returns that value).
 * Returns 0 at the end, or -1 with err set on a syntax error (after the earlier commands were
 * delivered). */
typedef int (*hs_parse_fn)(const struct hs_node *andor, const char *src, void *ctx);
int hs_parse_each(const char *src, size_t len, const char *filename, unsigned flags,
		  hs_parse_fn fn, void *ctx, struct hs_error *err);

/* Free a tree; NULL is a no-op. */
void hs_ast_free(struct hs_ast *ast);

/* Walk a subtree in source order. enter is called before a node's children, leave (may be
 * NULL) after. parent is NULL for the start node. enter returns HS_WALK_CONTINUE, HS_WALK_SKIP
 * (do not visit the children) or HS_WALK_STOP (end the walk; hs_ast_walk returns 1). Heredoc
 * bodies are visited right after their REDIR's target word. Returns 0 when done. */
enum { HS_WALK_CONTINUE = 0, HS_WALK_SKIP = 1, HS_WALK_STOP = 2 };
typedef int (*hs_walk_fn)(struct hs_node *n, struct hs_node *parent, void *ctx);
int hs_ast_walk(struct hs_node *n, hs_walk_fn enter, hs_walk_fn leave, void *ctx);

/* The redirections of a command node (any command kind), or NULL. */
struct hs_node *hs_node_redirs(const struct hs_node *cmd);

/* True if n or anything below it is flagged HS_NODE_F_BASH. */
int hs_node_has_bash(const struct hs_node *n);

/* Name of a kind ("simple", "andor", ...). */
const char *hs_node_kind_name(enum hs_node_kind kind);

/* If word is a plain unquoted literal (one LIT part covering it), return its text. Inline:
 * the analysis calls it for most words, several times each. */
static inline const char *hs_word_literal(const struct hs_node *word, size_t *len)
{
	const struct hs_node_word *w = (const struct hs_node_word *)word;
	const struct hs_node_lit *l;

	if (!word || word->kind != HS_NODE_WORD || !w->parts || w->parts->next ||
	    w->parts->kind != HS_NODE_LIT)
		return NULL;
	l = (const struct hs_node_lit *)w->parts;
	if (l->base.range.start != word->range.start || l->base.range.end != word->range.end)
		return NULL;
	*len = l->len;
	return l->text;
}

/* Print the tree: indented text, or JSON (kind, range, fields, children). Return 0 or -1. */
int hs_ast_dump(const struct hs_node *n, const char *src, FILE *out);
int hs_ast_dump_json(const struct hs_node *n, const char *src, FILE *out);

/* Check the tree's ranges against src (used by the tests, the corpus check and the fuzzer):
 * every node inside its parent and its siblings in order without overlap; a word's parts
 * separated only by line continuations; the text between top-level commands only blanks,
 * separators, comments, line continuations and here-document bodies. Returns 0, or -1 with
 * err naming the first offending node. */
int hs_ast_verify(const struct hs_ast *ast, struct hs_error *err);

/* Downcast: HS_NODE_AS(hs_node_simple, n)->words. */
#define HS_NODE_AS(type, n) ((struct type *)(n))

#endif
