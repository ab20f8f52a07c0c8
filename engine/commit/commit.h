/* Commit: merge overlay upper dirs into the live file system, crash-safely.
 *
 * One walk of each upper dir, in-process, no forks. Whiteouts (char 0/0 and xattr
 * whiteouts) delete, opaque dirs replace, new dirs move whole, changed metadata of existing
 * dirs is applied, overlay-private xattrs are stripped, hard links made inside stay linked.
 * Every entry is replaced atomically (rename over, or RENAME_EXCHANGE for a dir), except a
 * changed file whose live inode has other names (hard links): it is written in place, so they
 * all see the change. An intent journal lets hs_commit_recover finish or roll back a commit
 * that was killed.
 * See docs/commit.md. */
#ifndef HS_ENGINE_COMMIT_H
#define HS_ENGINE_COMMIT_H

#include "lib/error.h"

#include <stddef.h>
#include <stdio.h>

/* Leave the uppers intact: copy entries into the live tree instead of renaming them. */
#define HS_COMMIT_COPY 0x1u
/* No fsync/syncfs: atomic against a killed process (the page cache outlives it), not against
 * power loss; what the speculative runs of `hs script.sh` use, as plain sh syncs nothing. */
#define HS_COMMIT_NOSYNC 0x2u

/* One captured mount: an overlay upper dir and the live directory it applies to. */
struct hs_commit_layer {
	const char *upper;  /* absolute path of the overlay upperdir */
	const char *target; /* absolute live path the upperdir mirrors (a mount point) */
};

/* Merge the layers into the live file system in order, crash-safely, through an intent
 * journal in journal_dir (on the same file system as the uppers where possible; NULL: the
 * state dir). flags: HS_COMMIT_COPY leaves the uppers intact (copy instead of rename).
 * Returns 0, or -1 with err set (what failed, on which path). */
int hs_commit_apply(const struct hs_commit_layer *layers, size_t n, const char *journal_dir,
		    unsigned flags, struct hs_error *err);

/* Finish or roll back every interrupted commit whose journal lies under state_dir.
 * Called at every start of hs and by `hs sandbox recover`. Returns the number of commits
 * recovered, or -1 with err set. */
int hs_commit_recover(const char *state_dir, struct hs_error *err);

/* Print a summary of what applying the layers would change (added, modified, deleted,
 * replaced; new subtrees collapsed to a count and size). Returns the number of changes,
 * or -1 with err set. */
int hs_commit_summary(const struct hs_commit_layer *layers, size_t n, FILE *out, unsigned flags,
		      struct hs_error *err);

#endif
