/* Sandbox internals: the mount plan and the sandbox object. Not for other modules. */
#ifndef HS_SANDBOX_INTERNAL_H
#define HS_SANDBOX_INTERNAL_H

#include "engine/commit/commit.h"
#include "lib/error.h"
#include "sandbox/sandbox.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* One step of the mount plan, executed in order inside the new mount namespace. */
enum sb_step_kind {
	SB_OVERLAY, /* overlay at target, lower = the live target (plus stacked and hide layers) */
	SB_SKEL,    /* overlay at target, lower = a skeleton of the live dir (user ns mode: the
		     * live dir has locked sub-mounts, which overlay cannot take as a lower) */
	SB_BIND,    /* read-only bind of the live target (read-only or pseudo mounts) */
	SB_RBIND,   /* read-only recursive bind (its sub-mounts come along) */
};

struct sb_step {
	enum sb_step_kind kind;
	char *target; /* absolute live path */
	char *upper;  /* SB_OVERLAY, SB_SKEL: absolute upper and work dirs */
	char *work;
	/* Run time, derived: upper dirs of stacked sandboxes for the same target, later first. */
	char **stack;
	size_t n_stack;
};

struct hs_sandbox {
	char *dir;
	char *mnt_root; /* where the new root is put together (shared: used in private mount
			 * namespaces only): STATE/run/r */
	char *mnt_tmp;	/* where the per-run scratch tmpfs goes: STATE/run/t */
	bool userns;
	bool stack_loaded; /* steps[].stack filled from the lowers (needed to run only) */
	pid_t last_init;   /* init of the latest run, maybe not reaped yet (see sb_reap) */
	struct sb_step *steps;
	size_t n_steps;
	char **lowers; /* stacked sandbox dirs, earlier first */
	size_t n_lowers;
	char **hide; /* paths hidden inside (hs state dirs, upper places) */
	size_t n_hide;
	struct hs_commit_layer *layers;
	size_t n_layers;
};

/* Plan the mount steps for the mount table in mountinfo (a /proc/self/mountinfo-format
 * file). userns selects the user-namespace rules (no overlay over a dir with sub-mounts).
 * Fills steps (target and kind only). Returns 0 or -1 with err set. */
int sb_plan(const char *mountinfo, bool userns, struct sb_step **steps, size_t *n,
	    struct hs_error *err);

void sb_steps_free(struct sb_step *steps, size_t n);

/* Whether the file system type is a kernel pseudo file system (never captured). */
bool sb_fstype_is_pseudo(const char *type);

/* Wait for pid if it is an init that reported its status but was not reaped yet (its
 * overlays may still be mounted). */
void sb_reap(pid_t pid);

/* Fill steps[].stack from the stacked sandboxes (once). Returns 0 or -1 with err set. */
int sb_load_stack(struct hs_sandbox *sb, struct hs_error *err);

/* Whether pid is such an init that has not finished exiting (reaps it if it has). */
bool sb_init_running(pid_t pid);

/* Child side of a run (sandbox/run.c). */
int sb_write_meta(const struct hs_sandbox *sb, struct hs_error *err);

#endif
