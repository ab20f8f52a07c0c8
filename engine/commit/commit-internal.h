/* Commit internals: the plan (a list of idempotent steps), the journal, the executor. */
#ifndef HS_ENGINE_COMMIT_INTERNAL_H
#define HS_ENGINE_COMMIT_INTERNAL_H

#include "engine/commit/commit.h"

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

/* Step kinds. Every step can be redone after a crash: it checks the inode it expects before
 * acting, so running a prefix of the plan twice gives the same tree as running it once. */
enum step_kind {
	STEP_MV,   /* put src (upper entry or staged copy) at dst: rename or RENAME_EXCHANGE */
	STEP_RM,   /* delete the live dst (a dir goes to a trash name first, then is removed) */
	STEP_META, /* apply mode, owner, xattrs and times to the existing live dir dst */
	STEP_FIX,  /* in a subtree moved whole: drop a whiteout / strip overlay xattrs at dst */
	/* write the staged copy src into the live file dst in place (same inode, so its hard
	 * links elsewhere in the live tree see the change), then remove src */
	STEP_WRITE,
};

/* What the step means for the summary. */
enum change { CH_NONE, CH_ADDED, CH_MODIFIED, CH_DELETED, CH_REPLACED };

struct xattr_kv {
	char *name;
	char *value;
	size_t len;
};

struct step {
	enum step_kind kind;
	char *src;	/* MV: the upper entry (same fs) or the staging name (copy); WRITE: the
			 * staging name */
	char *dst;	/* the live path */
	size_t rootlen; /* dst[0..rootlen) is the layer target, below it no symlink is followed */
	char *upper;	/* MV copy, WRITE: the upper entry copied to src while staging */
	char *trash;	/* RM: where a dir goes before it is removed */
	dev_t dev;	/* MV, WRITE: the object to put in place; RM: the live object planned for */
	ino_t ino;
	dev_t odev; /* MV: the live object it replaces (0/0: none); after an exchange it */
	ino_t oino; /* sits at src until removed. WRITE: the live file written */
	bool copy;  /* MV: src is a staged copy (filled in while staging); WRITE: always */
	bool strip; /* MV same fs: strip overlay-private xattrs from dst after the move */
	/* META */
	mode_t mode;
	uid_t uid;
	gid_t gid;
	struct timespec atime, mtime;
	struct xattr_kv *xattrs;
	size_t nxattrs;
	/* summary only */
	enum change change;
	mode_t old_type, new_type;
	unsigned long long nfiles, bytes; /* new subtree: entries and bytes below it */
};

struct plan {
	struct step *steps;
	size_t n, cap;
	char txid[32];
	unsigned flags;
};

/* plan.c */
int plan_layer(struct plan *p, const struct hs_commit_layer *l, struct hs_error *err);
void plan_release(struct plan *p);
void step_release(struct step *s);
struct step *plan_add(struct plan *p, enum step_kind kind);
/* Two or more WRITE steps into one live inode whose upper files differ become renames of
 * their staged copies (the names stay split, as overlayfs showed them). */
int plan_split_writes(struct plan *p, struct hs_error *err);

/* The step has a staged copy at src (made while staging, removed by a rollback). */
static inline bool step_staged(const struct step *s)
{
	return (s->kind == STEP_MV || s->kind == STEP_WRITE) && s->copy;
}

/* Overlay encodings. */
bool is_overlay_xattr(const char *name);
/* Whiteout: char 0/0, or an empty regular file with an overlay.whiteout xattr. */
bool is_whiteout(const char *path, const struct stat *st);
/* Remove every overlay-private xattr of path (not following a symlink). */
int strip_overlay_xattrs(const char *path, struct hs_error *err);
/* Read the non-overlay xattrs of path into *out. */
int read_xattrs(const char *path, struct xattr_kv **out, size_t *n, struct hs_error *err);
void free_xattrs(struct xattr_kv *x, size_t n);

/* apply.c */
/* Remove path and everything below it (no symlink followed). ENOENT is success. */
int rm_tree(const char *path, struct hs_error *err);
/* Redo one step (see enum step_kind). fresh: the first run, right after planning (the
 * plan's view of the live tree is used to skip checks); recovery passes false. */
int exec_step(const struct step *s, bool fresh, struct hs_error *err);
/* Test hook: HS_COMMIT_CRASH_AFTER=N makes the process _exit(86) at the Nth crash point. */
void crash_point(void);
void crash_hook_init(void);

/* journal.c */
/* Write the plan as a journal (not yet sealed) into fd. */
int journal_write_plan(int fd, const struct plan *p, struct hs_error *err);
/* Append the staged inodes and the SEAL record. */
int journal_write_seal(int fd, const struct plan *p, struct hs_error *err);
/* Parse a journal. *sealed tells whether the SEAL record was reached. */
int journal_read(int fd, struct plan *p, bool *sealed, struct hs_error *err);

#endif
