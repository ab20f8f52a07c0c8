/* scheduler: runs the rewritten script in the real shell, answers its runtime (fd 9,
 * docs/runtime-protocol.md) and keeps a window of speculative runs going ahead of it.
 *
 * The caller (cli/run.c) rewrites the script, fills a config with the shell's argv and the
 * rewriter's node table, and calls hs_sched_run(), which forks the shell, runs the one event
 * loop until the shell exits, cleans up every speculative run, and returns the shell's wait
 * status. */
#ifndef HS_SCHEDULER_H
#define HS_SCHEDULER_H

#include "lib/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/* A node may not be speculated at all (reads stdin by construction, calls a function...). */
#define HS_SCHED_NODE_NOSPEC (1u << 0)
/* The node changes shell state: assigns variables (x=$(cmd)) or changes directory. */
#define HS_SCHED_NODE_CD (1u << 1)
/* The node is inside a function body (it runs wherever the function is called). */
#define HS_SCHED_NODE_INFUNC (1u << 2)

/* One node of the rewriter's table, in the scheduler's own terms. */
struct hs_sched_node {
	unsigned id;
	const char *text;     /* the node's original text (what the shell would run) */
	unsigned line;        /* line of the script where text starts (1-based) */
	int loop;             /* innermost enclosing for-loop id, -1 when none */
	const char **reads;   /* variables the text reads (names) */
	size_t nreads;
	const char **writes;  /* variables the text assigns in the shell (x=$(cmd)) */
	size_t nwrites;
	unsigned flags;       /* HS_SCHED_NODE_* */
	/* Plain assignments (no command substitution) that come before the node in its block
	 * ("name=${f#dir/}"), in program order, run before it in a speculative run (those the
	 * shell has already run for the same block are left out where the state has their
	 * variables: PATH=$PATH:/x applied twice is wrong). Their values are not predicted:
	 * the run reports the values it saw and its environment, and those are validated. */
	const struct hs_sched_assign *prelude;
	size_t nprelude;
	const char **prelude_reads; /* variables the prelude reads (predicted for the run) */
	size_t nprelude_reads;
};

/* One assignment of a node's prelude. */
struct hs_sched_assign {
	unsigned id;	    /* its entry id: program order, like node ids */
	const char *text;   /* "name=${f#dir/}" */
	const char **names; /* the variables it assigns */
	size_t nnames;
};

/* One for-loop of the script. */
struct hs_sched_loop {
	int id;
	const char *var;      /* the loop variable */
	int parent;           /* enclosing for-loop id, -1 when none */
};

struct hs_sched_config {
	const char *shell;            /* path or name of the real shell (dash, bash) */
	char *const *argv;            /* the shell's full argv: shell [opts] -c TEXT arg0 args */
	const char *arg0;             /* $0 of the script */
	const char *opts;             /* sh option letters in effect at start ("eu"), for runs */
	const struct hs_sched_node *nodes;
	size_t nnodes;
	const struct hs_sched_loop *loops;
	size_t nloops;
	unsigned window;              /* speculative runs at most; 0: answer "run" to all */
	bool no_stack;                /* never start a run on a finished run's changes */
	FILE *stats;                  /* --stats: summary written here at the end, or NULL */
	const char *log_path;         /* --log FILE: JSON lines, or NULL */
	const char *timeline_path;    /* --timeline FILE: Chrome trace-event JSON, or NULL */
};

/* Run the shell under the scheduler. Returns the shell's wait status (as waitpid gives it),
 * or -1 with err set when the shell could not be started. */
int hs_sched_run(const struct hs_sched_config *cfg, struct hs_error *err);

/* Whether speculation can work on this host (sandbox and tracer usable). Returns 1, or 0
 * with err saying why not. Cheap after the first call. */
int hs_sched_probe(struct hs_error *err);

#endif
