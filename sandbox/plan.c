/* The mount plan: which host mounts get an overlay, which a read-only bind, in what order.
 * Pure over a mountinfo file (unit-tested with fixtures); no mount happens here. */
#include "sandbox/sandbox-internal.h"
#include "lib/util.h"

#include <dirent.h>
#include <errno.h>
#include <libmount.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void mnt_free_tablep(struct libmnt_table **tb)
{
	if (*tb)
		mnt_unref_table(*tb);
}

static void mnt_free_iterp(struct libmnt_iter **it)
{
	if (*it)
		mnt_free_iter(*it);
}

bool sb_fstype_is_pseudo(const char *type)
{
	static const char *const pseudo[] = {
	    "proc",	   "sysfs",	 "devtmpfs",	"devpts",     "cgroup", "cgroup2",
	    "mqueue",	   "debugfs",	 "tracefs",	"securityfs", "pstore", "bpf",
	    "configfs",	   "fusectl",	 "binfmt_misc", "hugetlbfs",  "autofs", "efivarfs",
	    "nsfs",	   "rpc_pipefs", "selinuxfs",	"nfsd",	      "ramfs",	"fuse.gvfsd-fuse",
	    "fuse.portal",
	};

	if (!type)
		return true;
	for (size_t i = 0; i < HS_ARRAY_SIZE(pseudo); i++)
		if (strcmp(type, pseudo[i]) == 0)
			return true;
	return false;
}

/* Path p is equal to or below prefix dir d. */
static bool path_under(const char *p, const char *d)
{
	size_t n = strlen(d);

	if (strcmp(d, "/") == 0)
		return true;
	return strncmp(p, d, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

/* /proc, /sys and /dev are rebuilt from scratch, not taken from the host. */
static bool is_special(const char *p)
{
	return path_under(p, "/proc") || path_under(p, "/sys") || path_under(p, "/dev");
}

struct planner {
	struct libmnt_table *tb;
	bool userns;
	struct sb_step *steps;
	size_t n, cap;
	struct hs_error *err;
};

static int add_step(struct planner *pl, enum sb_step_kind kind, const char *target)
{
	if (pl->n == pl->cap) {
		size_t cap = pl->cap ? pl->cap * 2 : 16;
		struct sb_step *s = realloc(pl->steps, cap * sizeof(*s));
		if (!s)
			return hs_error_set(pl->err, ENOMEM, "mount plan");
		pl->steps = s;
		pl->cap = cap;
	}
	pl->steps[pl->n] = (struct sb_step){.kind = kind, .target = strdup(target)};
	if (!pl->steps[pl->n].target)
		return hs_error_set(pl->err, ENOMEM, "mount plan");
	pl->n++;
	return 0;
}

/* The visible children of fs, in mount order: a child hidden by a later sibling mounted on
 * or above its mount point is dropped. Returns a malloc'd array (count in *n). */
static struct libmnt_fs **visible_children(struct planner *pl, struct libmnt_fs *fs, size_t *n)
{
	_cleanup_free_ struct libmnt_fs **kids = NULL;
	struct libmnt_iter *it __attribute__((cleanup(mnt_free_iterp))) =
	    mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *kid;
	size_t cnt = 0, cap = 0;

	*n = 0;
	if (!it)
		return NULL;
	while (mnt_table_next_child_fs(pl->tb, it, fs, &kid) == 0) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 8;
			struct libmnt_fs **k = realloc(kids, cap * sizeof(*k));
			if (!k)
				return NULL;
			kids = k;
		}
		kids[cnt++] = kid;
	}
	/* Drop children covered by a later sibling on the same or an enclosing path. */
	size_t out = 0;
	for (size_t i = 0; i < cnt; i++) {
		bool hidden = false;
		for (size_t j = i + 1; j < cnt && !hidden; j++)
			hidden = path_under(mnt_fs_get_target(kids[i]), mnt_fs_get_target(kids[j]));
		if (!hidden)
			kids[out++] = kids[i];
	}
	*n = out;
	return steal_pointer(&kids);
}

static bool fs_readonly(struct libmnt_fs *fs)
{
	const char *o = mnt_fs_get_vfs_options(fs);
	return o && mnt_optstr_get_option(o, "ro", NULL, NULL) == 0;
}

/* User ns mode: cover dir (inside mount fs, whose children are kids) with an overlay if no
 * child mount lies below it, else with a skeleton overlay and recurse into its subdirs. */
static int cover_dir(struct planner *pl, const char *dir, struct libmnt_fs **kids, size_t nk)
{
	bool below = false;

	if (is_special(dir))
		return 0;
	for (size_t i = 0; i < nk && !below; i++) {
		const char *t = mnt_fs_get_target(kids[i]);
		below = path_under(t, dir) && strcmp(t, dir) != 0;
	}
	if (!below)
		return add_step(pl, SB_OVERLAY, dir);

	DIR *d = opendir(dir);
	struct dirent *de;
	/* A dir we may not list cannot get a skeleton: pass it through read-only (the user
	 * could not have changed it anyway, apart from what lies in its sub-mounts). */
	if (!d && errno == EACCES)
		return add_step(pl, SB_RBIND, dir);
	if (!d)
		return hs_error_errno(pl->err, "read %s", dir);
	if (add_step(pl, SB_SKEL, dir) < 0) {
		closedir(d);
		return -1;
	}
	while ((de = readdir(d))) {
		char *sub;
		struct stat st;
		bool is_mp = false;
		int r;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (asprintf(&sub, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, de->d_name) < 0) {
			closedir(d);
			return hs_error_set(pl->err, ENOMEM, "mount plan");
		}
		if (lstat(sub, &st) < 0 || !S_ISDIR(st.st_mode)) {
			free(sub);
			continue;
		}
		for (size_t i = 0; i < nk && !is_mp; i++)
			is_mp = strcmp(mnt_fs_get_target(kids[i]), sub) == 0;
		r = is_mp ? 0 : cover_dir(pl, sub, kids, nk);
		free(sub);
		if (r < 0) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return 0;
}

static int plan_fs(struct planner *pl, struct libmnt_fs *fs)
{
	const char *target = mnt_fs_get_target(fs);
	_cleanup_free_ struct libmnt_fs **kids = NULL;
	size_t nk = 0;

	/* A mount stacked on this one's own mount point hides it: plan the top one only. */
	kids = visible_children(pl, fs, &nk);
	for (size_t i = 0; i < nk; i++)
		if (strcmp(mnt_fs_get_target(kids[i]), target) == 0)
			return plan_fs(pl, kids[i]);

	if (is_special(target))
		return 0;
	if (sb_fstype_is_pseudo(mnt_fs_get_fstype(fs)) || (pl->userns && fs_readonly(fs) && nk))
		return add_step(pl, SB_RBIND, target);
	if (fs_readonly(fs)) {
		if (add_step(pl, SB_BIND, target) < 0)
			return -1;
	} else if (pl->userns) {
		if (cover_dir(pl, target, kids, nk) < 0)
			return -1;
	} else if (add_step(pl, SB_OVERLAY, target) < 0) {
		return -1;
	}
	for (size_t i = 0; i < nk; i++)
		if (plan_fs(pl, kids[i]) < 0)
			return -1;
	return 0;
}

void sb_steps_free(struct sb_step *steps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(steps[i].target);
		free(steps[i].upper);
		free(steps[i].work);
		for (size_t j = 0; j < steps[i].n_stack; j++)
			free(steps[i].stack[j]);
		free(steps[i].stack);
	}
	free(steps);
}

int sb_plan(const char *mountinfo, bool userns, struct sb_step **steps, size_t *n,
	    struct hs_error *err)
{
	struct libmnt_table *tb __attribute__((cleanup(mnt_free_tablep))) = mnt_new_table();
	struct planner pl = {.userns = userns, .err = err};
	struct libmnt_fs *root = NULL;
	int r;

	if (!tb)
		return hs_error_set(err, ENOMEM, "mount table");
	r = mnt_table_parse_file(tb, mountinfo);
	if (r < 0)
		return hs_error_set(err, -r, "read mount table %s", mountinfo);
	if (mnt_table_get_root_fs(tb, &root) < 0 || !root)
		return hs_error_set(err, EINVAL, "%s: no root mount", mountinfo);
	pl.tb = tb;
	if (plan_fs(&pl, root) < 0) {
		sb_steps_free(pl.steps, pl.n);
		return -1;
	}
	*steps = pl.steps;
	*n = pl.n;
	return 0;
}
