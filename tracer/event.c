/* One trapped syscall, whichever backend delivered it: read its arguments from the blocked
 * thread, resolve its names, classify and record, decide whether it may run.
 *
 * Classification (docs/tracer.md has the full table):
 * - reads: open for reading (a directory: listing), readlink, followed symlinks; exec (plus
 *   #! and ELF interpreters); stat/access/xattr reads and every lookup that failed (absent);
 * - writes: open for writing (O_TRUNC: blind; otherwise also a read of the old content),
 *   truncate, name creates/removes (plus a STAT read of the name's prior state where the
 *   result depends on it), renames (directories: prefix), metadata writes (plus STAT);
 * - flags: network, external IPC, setuid exec, ptrace outside the tree, stdin reads, and
 *   denied syscalls (io_uring, mount API, foreign ABIs, unknown numbers).
 */
#include "tracer/tracer-internal.h"
#include "lib/util.h"

#include <arpa/inet.h>
#include <elf.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/xattr.h>

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#endif
#ifndef RESOLVE_IN_ROOT
#define RESOLVE_BENEATH 0x08
#define RESOLVE_IN_ROOT 0x10
#endif
#define X32_BIT 0x40000000u

struct ev {
	struct hs_tracer *t;
	pid_t tid;
	const struct seccomp_data *d;
	struct res_out out; /* scratch, reused by every lookup of the event */
};

static int arg_fd(uint64_t v)
{
	return (int)(int32_t)(uint32_t)v;
}

/* Read the path argument at addr. Returns 1 with buf filled, 0 for a NULL pointer, -1 when
 * unreadable (the kernel will fail the call with EFAULT, or the thread is gone). */
static int get_path(struct ev *e, uint64_t addr, char *buf, size_t size)
{
	if (!addr)
		return 0;
	if (hs_read_string(e->tid, addr, buf, size) < 0) {
		if (errno == EPERM || errno == EACCES)
			hs_rec_flag(e->t, HS_TRACER_FLAG_LOST, "cannot read memory of %d", e->tid);
		return -1;
	}
	return 1;
}

static void rec_absent(struct hs_tracer *t, const struct res_out *o, unsigned kinds)
{
	struct hs_tracer_stamp st = {.absent = true};
	hs_rec_read(t, o->path, o->len, kinds, &st);
}

static void rec_present(struct hs_tracer *t, const struct res_out *o, unsigned kinds)
{
	struct hs_tracer_stamp st;
	hs_stamp_from_stat(&st, &o->sb);
	hs_rec_read(t, o->path, o->len, kinds, &st);
}

static void check_stdin(struct ev *e, const struct stat *sb)
{
	if (e->t->have_stdin && sb->st_ino == e->t->stdin_ino && sb->st_dev == e->t->stdin_dev)
		hs_rec_flag(e->t, HS_TRACER_FLAG_STDIN, "opened the caller's stdin");
}

/* Seen-cache: an absolute lookup already recorded with the same kinds and follow mode needs
 * no second resolution until the tree changes a name that the lookup depends on. A lookup
 * that found every component present can only change when the tree removes or renames a
 * name (hs_seen_clear); one that found a name absent also changes when the tree creates that
 * name (name_created). */
static bool seen_check(struct ev *e, const char *path, unsigned kinds, unsigned flags,
		       char *key, size_t *klen)
{
	size_t n = strlen(path);
	/* /proc/self/... and /dev/fd/... depend on the thread: never cached. */
	if (path[0] != '/' || n + 3 > 4096 + 64 || strncmp(path, "/proc/", 6) == 0 ||
	    strncmp(path, "/dev/", 5) == 0)
		return false;
	key[0] = (char)('A' + kinds);
	key[1] = (char)('0' + (flags & 7));
	memcpy(key + 2, path, n + 1);
	*klen = n + 2;
	struct seen_entry *s;
	HASH_FIND(hh, e->t->seen, key, *klen, s);
	return s != NULL;
}

/* The canonical name a cached lookup found absent (its final name, or the first missing
 * component), so that creating it empties the cache. */
static void seen_absent_add(struct hs_tracer *t, const struct res_out *o)
{
	struct seen_entry *s;
	HASH_FIND(hh, t->seen_absent, o->path, o->len, s);
	if (s)
		return;
	s = malloc(sizeof(*s) + o->len + 1);
	if (!s)
		return;
	memcpy(s->key, o->path, o->len);
	s->key[o->len] = 0;
	HASH_ADD_KEYPTR(hh, t->seen_absent, s->key, o->len, s);
	t->nseen++;
}

/* The tree is about to create a name (st, o: the resolution of it). Creating a name changes
 * no lookup that found all its components present (a create of an existing name fails or
 * creates nothing), so only cached lookups that found this very name absent are stale; an
 * unresolved name empties the cache. */
static void name_created(struct hs_tracer *t, enum res_status st, const struct res_out *o)
{
	struct seen_entry *s = NULL;
	if (st == RES_FINAL_ABSENT)
		HASH_FIND(hh, t->seen_absent, o->path, o->len, s);
	if (s || (st != RES_OK && st != RES_FINAL_ABSENT && st != RES_FAILED))
		hs_seen_clear(t);
}

/* The seen-cache key of the directory part of an absolute path ("/a/b/" of "/a/b/c"), marking
 * a directory part that does not resolve to a directory (a missing or non-directory
 * component): every name below it fails at the same component, with the same records (the
 * symlinks followed on the way, the component that failed), so a lookup under it needs no
 * walk. Like the seen cache it holds until the tree creates the failed name (seen_absent) or
 * removes or renames a name. Returns its length, or 0. */
static size_t dir_key(const char *path, char *key)
{
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	const char *slash = memrchr(path, '/', n);
	if (!slash || slash == path)
		return 0;
	size_t dl = (size_t)(slash - path) + 1;
	key[0] = '~'; /* above every 'A' + kinds */
	key[1] = '/';
	memcpy(key + 2, path, dl);
	key[dl + 2] = 0;
	return dl + 2;
}

static void seen_add(struct ev *e, const char *key, size_t klen)
{
	if (e->t->nseen > 65536)
		hs_seen_clear(e->t);
	struct seen_entry *s = malloc(sizeof(*s) + klen + 1);
	if (!s)
		return;
	memcpy(s->key, key, klen + 1);
	HASH_ADD_KEYPTR(hh, e->t->seen, s->key, klen, s);
	e->t->nseen++;
}

/* A read-side lookup: kinds for an existing object (READ on a directory becomes LIST), STAT
 * absent for a missing one. Returns the resolution status (e->out holds the result). */
static enum res_status lookup_read_at(struct ev *e, int dirfd, int g, const char *path,
				      unsigned flags, unsigned kinds)
{
	char key[4096 + 80];
	size_t klen = 0;
	bool cacheable = g > 0 && !(flags & RES_IN_ROOT) && !(kinds & HS_TRACER_EXEC) &&
			 seen_check(e, path, kinds, flags, key, &klen);
	if (cacheable)
		return RES_ERROR; /* already recorded: nothing to do */
	char dkey[4096 + 80];
	size_t dlen = klen ? dir_key(path, dkey) : 0;
	if (dlen) {
		struct seen_entry *s;
		HASH_FIND(hh, e->t->seen, dkey, dlen, s);
		if (s)
			return RES_FAILED; /* fails where the recorded lookup failed */
	}
	/* Only the type (and identity) of the object is looked at below, except for an exec. */
	if (!(kinds & HS_TRACER_EXEC))
		flags |= RES_KNOWN_OK;
	enum res_status st = hs_resolve(e->t, e->tid, dirfd, g > 0 ? path : NULL, flags, &e->out);
	switch (st) {
	case RES_OK:
		/* A directory opened: what it holds is read by getdents, not by the open (tar
		 * -C work opens work for openat only). */
		if ((kinds & HS_TRACER_READ) && S_ISDIR(e->out.sb.st_mode))
			kinds = (kinds & ~(unsigned)HS_TRACER_READ) | HS_TRACER_STAT;
		rec_present(e->t, &e->out, kinds);
		check_stdin(e, &e->out.sb);
		break;
	case RES_FINAL_ABSENT:
		rec_absent(e->t, &e->out, HS_TRACER_STAT);
		break;
	case RES_NOFILE:
		check_stdin(e, &e->out.sb);
		break;
	default:
		break;
	}
	if (g > 0 && klen && (st == RES_OK || st == RES_FINAL_ABSENT || st == RES_FAILED) &&
	    !(kinds & HS_TRACER_EXEC)) {
		seen_add(e, key, klen);
		if (st != RES_OK)
			seen_absent_add(e->t, &e->out);
		if (st == RES_FAILED && dlen) {
			/* The failure may lie in a symlink at the end ("d/l" -> "x/y", x missing),
			 * not in the directory part: mark the part only if it fails by itself. */
			struct res_out dir;
			enum res_status dst = hs_resolve(e->t, e->tid, AT_FDCWD, dkey + 2, RES_FOLLOW,
							 &dir);
			if (dst == RES_FAILED || dst == RES_FINAL_ABSENT)
				seen_add(e, dkey, dlen);
		}
		/* Not a symlink at the end: following it or not is the same lookup (ls -l does
		 * lstat, lgetxattr, getxattr on each name). */
		if (st != RES_OK || !S_ISLNK(e->out.sb.st_mode)) {
			key[1] = (char)('0' + ((flags ^ RES_FOLLOW) & 7));
			struct seen_entry *s;
			HASH_FIND(hh, e->t->seen, key, klen, s);
			if (!s)
				seen_add(e, key, klen);
		}
	}
	return st;
}

static enum res_status lookup_read(struct ev *e, int dirfd, uint64_t addr, unsigned flags,
				   unsigned kinds)
{
	char path[4096];
	int g = get_path(e, addr, path, sizeof(path));
	if (g < 0)
		return RES_ERROR;
	return lookup_read_at(e, dirfd, g, path, flags, kinds);
}

static void meta_fd(struct ev *e, int fd)
{
	if (hs_resolve_fd(e->t, e->tid, fd, RES_NAME_ONLY, &e->out) == RES_OK)
		hs_rec_write(e->t, e->out.path, e->out.len, HS_TRACER_META);
}

/* Metadata write through a name: META, plus a STAT read (the call needs the object). */
static void meta_path(struct ev *e, int dirfd, uint64_t addr, unsigned flags)
{
	char path[4096];
	int g = get_path(e, addr, path, sizeof(path));
	if (g < 0)
		return;
	enum res_status st = hs_resolve(e->t, e->tid, dirfd, g ? path : NULL, flags, &e->out);
	if (st == RES_OK) {
		rec_present(e->t, &e->out, HS_TRACER_STAT);
		hs_rec_write(e->t, e->out.path, e->out.len, HS_TRACER_META);
	} else if (st == RES_FINAL_ABSENT) {
		rec_absent(e->t, &e->out, HS_TRACER_STAT);
	}
}

static void do_open(struct ev *e, int dirfd, uint64_t addr, uint64_t oflags, uint64_t resolve)
{
	unsigned rf = (resolve & (RESOLVE_IN_ROOT | RESOLVE_BENEATH)) ? RES_IN_ROOT : 0;
	unsigned acc = oflags & O_ACCMODE;
	bool nofollow = oflags & O_NOFOLLOW;

	if ((oflags & O_PATH) || (oflags & __O_TMPFILE) == __O_TMPFILE) {
		lookup_read(e, dirfd, addr, rf | RES_REMEMBER | (nofollow ? 0 : RES_FOLLOW),
			    HS_TRACER_STAT);
		return;
	}
	bool creat = oflags & O_CREAT, excl = creat && (oflags & O_EXCL);
	bool trunc = oflags & O_TRUNC;
	bool writing = acc != O_RDONLY || trunc;
	if (!writing && !creat) {
		lookup_read(e, dirfd, addr, rf | RES_REMEMBER | (nofollow ? 0 : RES_FOLLOW),
			    HS_TRACER_READ);
		return;
	}
	char path[4096];
	int g = get_path(e, addr, path, sizeof(path));
	if (g <= 0)
		return;
	unsigned f = rf | RES_REMEMBER | ((nofollow || excl) ? 0 : RES_FOLLOW);
	enum res_status st = hs_resolve(e->t, e->tid, dirfd, path, f, &e->out);
	if (creat)
		name_created(e->t, st, &e->out);
	if (st == RES_OK) {
		if (excl) {
			rec_present(e->t, &e->out, HS_TRACER_STAT); /* EEXIST */
			return;
		}
		if (!trunc)
			rec_present(e->t, &e->out,
				    S_ISDIR(e->out.sb.st_mode) ? HS_TRACER_STAT : HS_TRACER_READ);
		if (acc != O_WRONLY)
			check_stdin(e, &e->out.sb);
		if (writing)
			hs_rec_write(e->t, e->out.path, e->out.len,
				     HS_TRACER_WRITE | (trunc ? HS_TRACER_BLIND : 0));
	} else if (st == RES_FINAL_ABSENT) {
		if (!creat || !trunc)
			rec_absent(e->t, &e->out, HS_TRACER_STAT);
		if (creat)
			hs_rec_write(e->t, e->out.path, e->out.len,
				     HS_TRACER_WRITE | HS_TRACER_BLIND | HS_TRACER_CREATE);
	}
}

/* A name to be created (mkdir, mknod, symlink, link target, bind): STAT of its prior state,
 * CREATE if it did not exist. */
static void do_create(struct ev *e, int dirfd, uint64_t addr)
{
	char path[4096];
	if (get_path(e, addr, path, sizeof(path)) <= 0)
		return;
	enum res_status st = hs_resolve(e->t, e->tid, dirfd, path, 0, &e->out);
	name_created(e->t, st, &e->out);
	if (st == RES_OK) {
		rec_present(e->t, &e->out, HS_TRACER_STAT); /* EEXIST */
	} else if (st == RES_FINAL_ABSENT) {
		rec_absent(e->t, &e->out, HS_TRACER_STAT);
		hs_rec_write(e->t, e->out.path, e->out.len, HS_TRACER_WRITE | HS_TRACER_CREATE);
	}
}

static void do_remove(struct ev *e, int dirfd, uint64_t addr, bool dir)
{
	char path[4096];
	if (get_path(e, addr, path, sizeof(path)) <= 0)
		return;
	hs_seen_clear(e->t);
	hs_ident_clear(e->t); /* a hard link's other name may be the one cached */
	enum res_status st = hs_resolve(e->t, e->tid, dirfd, path, 0, &e->out);
	if (st == RES_OK) {
		bool isdir = S_ISDIR(e->out.sb.st_mode);
		/* rmdir needs the directory empty: a listing dependency. */
		rec_present(e->t, &e->out, HS_TRACER_STAT | (dir && isdir ? HS_TRACER_LIST : 0));
		hs_rec_write(e->t, e->out.path, e->out.len,
			     HS_TRACER_WRITE | HS_TRACER_BLIND | HS_TRACER_REMOVE |
				     (dir && isdir ? HS_TRACER_PREFIX : 0));
	} else if (st == RES_FINAL_ABSENT) {
		rec_absent(e->t, &e->out, HS_TRACER_STAT);
	}
}

static void do_rename(struct ev *e, int odfd, uint64_t oaddr, int ndfd, uint64_t naddr,
		      unsigned flags)
{
	char op[4096], np[4096];
	if (get_path(e, oaddr, op, sizeof(op)) <= 0 || get_path(e, naddr, np, sizeof(np)) <= 0)
		return;
	hs_seen_clear(e->t);
	hs_ident_clear(e->t); /* a renamed object keeps its identity: the cached name goes stale */
	bool exch = flags & RENAME_EXCHANGE, noreplace = flags & RENAME_NOREPLACE;
	enum res_status st = hs_resolve(e->t, e->tid, odfd, op, 0, &e->out);
	if (st == RES_FINAL_ABSENT) {
		rec_absent(e->t, &e->out, HS_TRACER_STAT);
		return;
	}
	if (st != RES_OK)
		return;
	bool odir = S_ISDIR(e->out.sb.st_mode);
	rec_present(e->t, &e->out, HS_TRACER_STAT);
	hs_rec_write(e->t, e->out.path, e->out.len,
		     HS_TRACER_WRITE | HS_TRACER_REMOVE | (exch ? HS_TRACER_CREATE : 0) |
			     (odir ? HS_TRACER_PREFIX : 0));
	st = hs_resolve(e->t, e->tid, ndfd, np, 0, &e->out);
	if (st == RES_OK) {
		bool ndir = S_ISDIR(e->out.sb.st_mode);
		if (noreplace) {
			rec_present(e->t, &e->out, HS_TRACER_STAT); /* EEXIST */
			return;
		}
		if (exch || ndir)
			rec_present(e->t, &e->out, HS_TRACER_STAT | (ndir ? HS_TRACER_LIST : 0));
		hs_rec_write(e->t, e->out.path, e->out.len,
			     HS_TRACER_WRITE | HS_TRACER_CREATE |
				     (exch ? HS_TRACER_REMOVE : HS_TRACER_BLIND) |
				     (odir || ndir ? HS_TRACER_PREFIX : 0));
	} else if (st == RES_FINAL_ABSENT) {
		if (noreplace || exch)
			rec_absent(e->t, &e->out, HS_TRACER_STAT);
		if (!exch)
			hs_rec_write(e->t, e->out.path, e->out.len,
				     HS_TRACER_WRITE | HS_TRACER_CREATE | HS_TRACER_BLIND |
					     (odir ? HS_TRACER_PREFIX : 0));
	}
}

static void do_link(struct ev *e, int odfd, uint64_t oaddr, int ndfd, uint64_t naddr,
		    unsigned atflags)
{
	char op[4096];
	int g = get_path(e, oaddr, op, sizeof(op));
	if (g < 0)
		return;
	unsigned f = ((atflags & AT_SYMLINK_FOLLOW) ? RES_FOLLOW : 0) |
		     ((atflags & AT_EMPTY_PATH) ? RES_EMPTY_OK : 0);
	hs_ident_clear(e->t); /* the object gets a second name */
	enum res_status st = hs_resolve(e->t, e->tid, odfd, g ? op : NULL, f, &e->out);
	if (st == RES_OK) {
		rec_present(e->t, &e->out, HS_TRACER_STAT);
		hs_rec_write(e->t, e->out.path, e->out.len, HS_TRACER_META); /* nlink, ctime */
	} else if (st == RES_FINAL_ABSENT) {
		rec_absent(e->t, &e->out, HS_TRACER_STAT);
		return;
	}
	do_create(e, ndfd, naddr);
}

/* The ELF interpreter or #! interpreter of an executed file, recursively (4 levels like the
 * kernel's binfmt_script). The kernel opens these without a syscall of the tree. */
static void exec_interp(struct ev *e, const char *file, int depth)
{
	unsigned char buf[1024];
	_cleanup_close_ int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n < 4)
		return;
	buf[n] = 0;
	char interp[4096];
	interp[0] = 0;
	if (buf[0] == '#' && buf[1] == '!') {
		if (depth >= 4)
			return;
		char *p = (char *)buf + 2;
		while (*p == ' ' || *p == '\t')
			p++;
		size_t len = strcspn(p, " \t\n");
		if (!len || len >= sizeof(interp))
			return;
		memcpy(interp, p, len);
		interp[len] = 0;
	} else if (memcmp(buf, ELFMAG, SELFMAG) == 0) {
		bool is64 = buf[EI_CLASS] == ELFCLASS64;
		uint64_t phoff;
		unsigned phnum, phentsize;
		if (is64) {
			Elf64_Ehdr *h = (Elf64_Ehdr *)buf;
			phoff = h->e_phoff, phnum = h->e_phnum, phentsize = h->e_phentsize;
		} else {
			Elf32_Ehdr *h = (Elf32_Ehdr *)buf;
			phoff = h->e_phoff, phnum = h->e_phnum, phentsize = h->e_phentsize;
		}
		if (phnum > 256 || phentsize < (is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)))
			return;
		for (unsigned i = 0; i < phnum; i++) {
			/* The program headers and the interpreter name nearly always lie in
			 * the first KiB: read the file again only when they do not. */
			unsigned char ph[64];
			uint64_t at = phoff + (uint64_t)i * phentsize;
			size_t len = phentsize > 64 ? 64 : phentsize;
			if (at + len <= (uint64_t)n)
				memcpy(ph, buf + at, len);
			else if (pread(fd, ph, len, (off_t)at) != (ssize_t)len)
				return;
			uint64_t off, sz;
			uint32_t type;
			if (is64) {
				Elf64_Phdr *p = (Elf64_Phdr *)ph;
				type = p->p_type, off = p->p_offset, sz = p->p_filesz;
			} else {
				Elf32_Phdr *p = (Elf32_Phdr *)ph;
				type = p->p_type, off = p->p_offset, sz = p->p_filesz;
			}
			if (type != PT_INTERP)
				continue;
			if (sz == 0 || sz >= sizeof(interp))
				return;
			if (off + sz <= (uint64_t)n)
				memcpy(interp, buf + off, sz);
			else if (pread(fd, interp, sz, (off_t)off) != (ssize_t)sz)
				return;
			interp[sz] = 0;
			depth = 4; /* ld.so has no interpreter of its own */
			break;
		}
	}
	if (!interp[0])
		return;
	/* The same loader or shell for every exec of a loop: resolve it once (until a name
	 * changes). The ELF case stops here; a #! interpreter is still read for its own #!. */
	char key[4096 + 80];
	size_t klen = 0;
	struct ev probe = {.t = e->t, .tid = e->tid};
	bool cached = interp[0] == '/' && depth >= 4 &&
		      seen_check(&probe, interp, HS_TRACER_EXEC, RES_FOLLOW, key, &klen);
	if (cached)
		return;
	struct res_out o;
	/* Relative interpreters are opened by the kernel relative to the cwd. */
	enum res_status st = hs_resolve(e->t, e->tid, AT_FDCWD, interp, RES_FOLLOW, &o);
	if (st == RES_OK) {
		rec_present(e->t, &o, HS_TRACER_EXEC | HS_TRACER_READ);
		if (depth < 4)
			exec_interp(e, o.path, depth + 1);
	} else if (st == RES_FINAL_ABSENT) {
		rec_absent(e->t, &o, HS_TRACER_STAT);
	}
	if (klen && (st == RES_OK || st == RES_FINAL_ABSENT || st == RES_FAILED)) {
		seen_add(e, key, klen);
		if (st != RES_OK)
			seen_absent_add(e->t, &o);
	}
}

/* Exec cache: an absolute path already executed as a regular file resolves to the same
 * canonical name until the tree changes a name; it is emptied with the seen cache, on the same
 * argument (a name changed from outside is caught by the stamps of the first resolution's
 * records). What depends on the file's current state (type, setuid bits, capabilities, the
 * interpreter) is read again on every exec. Returns true with e->out filled on a hit. */
static bool exec_cached(struct ev *e, const char *name)
{
	struct exec_entry *x;

	HASH_FIND_STR(e->t->exec_cache, name, x);
	if (!x)
		return false;
	memcpy(e->out.path, x->path, x->len + 1);
	e->out.len = x->len;
	if (fstatat(AT_FDCWD, e->out.path, &e->out.sb, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISREG(e->out.sb.st_mode)) {
		HASH_DEL(e->t->exec_cache, x);
		free(x);
		return false;
	}
	rec_present(e->t, &e->out, HS_TRACER_EXEC | HS_TRACER_READ);
	check_stdin(e, &e->out.sb);
	return true;
}

static void exec_cache_add(struct hs_tracer *t, const char *name, const char *path, size_t len)
{
	size_t nl = strlen(name);
	struct exec_entry *x = malloc(sizeof(*x) + nl + 1 + len + 1);
	if (!x || t->nseen > 65536) {
		free(x);
		return;
	}
	memcpy(x->name, name, nl + 1);
	x->path = x->name + nl + 1;
	memcpy(x->path, path, len + 1);
	x->len = len;
	HASH_ADD_KEYPTR(hh, t->exec_cache, x->name, nl, x);
	t->nseen++;
}

static void do_exec(struct ev *e, int dirfd, uint64_t addr, unsigned atflags)
{
	unsigned f = ((atflags & AT_SYMLINK_NOFOLLOW) ? 0 : RES_FOLLOW) |
		     ((atflags & AT_EMPTY_PATH) ? RES_EMPTY_OK : 0);
	char name[4096];
	int g = get_path(e, addr, name, sizeof(name));
	if (g < 0)
		return;
	bool cacheable = g > 0 && name[0] == '/' && f == RES_FOLLOW;
	if (!cacheable || !exec_cached(e, name)) {
		enum res_status st = lookup_read_at(e, dirfd, g, name, f,
						    HS_TRACER_EXEC | HS_TRACER_READ);
		if (st != RES_OK || !S_ISREG(e->out.sb.st_mode))
			return;
		if (cacheable)
			exec_cache_add(e->t, name, e->out.path, e->out.len);
	}
	struct stat *sb = &e->out.sb;
	char path[sizeof(e->out.path)];
	memcpy(path, e->out.path, e->out.len + 1);
	hs_rec_exec(e->t, path, e->tid);
	if ((sb->st_mode & S_ISUID) || ((sb->st_mode & S_ISGID) && (sb->st_mode & S_IXGRP)))
		hs_rec_flag(e->t, HS_TRACER_FLAG_SETUID, "%s", path);
	else if (getxattr(path, "security.capability", NULL, 0) > 0)
		hs_rec_flag(e->t, HS_TRACER_FLAG_SETUID, "%s (file capabilities)", path);
	exec_interp(e, path, 0);
}

static bool bound_by_tree(struct hs_tracer *t, const char *name)
{
	for (size_t i = 0; i < t->nbound; i++)
		if (strcmp(t->bound[i], name) == 0)
			return true;
	return false;
}

static void add_bound(struct hs_tracer *t, const char *name)
{
	char **n = realloc(t->bound, (t->nbound + 1) * sizeof(*n));
	if (!n)
		return;
	t->bound = n;
	if ((n[t->nbound] = strdup(name)))
		t->nbound++;
}

/* A socket address from connect/sendto/sendmsg/bind. Returns 0 to allow, or an errno. */
static int do_sockaddr(struct ev *e, const char *call, uint64_t addr, uint64_t alen, bool bind)
{
	struct hs_tracer *t = e->t;
	struct sockaddr_storage ss;
	char name[4096];

	if (!addr || alen < sizeof(sa_family_t))
		return 0;
	if (alen > sizeof(ss))
		alen = sizeof(ss);
	memset(&ss, 0, sizeof(ss));
	if (hs_read_mem(e->tid, addr, &ss, alen) < 0)
		return 0; /* EFAULT from the kernel */
	int deny = t->opts.allow_net ? 0 : EACCES;
	switch (ss.ss_family) {
	case AF_UNSPEC:
		return 0;
	case AF_UNIX: {
		struct sockaddr_un *un = (struct sockaddr_un *)&ss;
		size_t plen = alen - offsetof(struct sockaddr_un, sun_path);
		if (plen == 0)
			return 0; /* unnamed / autobind */
		if (un->sun_path[0] == 0) {
			/* Abstract: reaches any listener in the network namespace. */
			snprintf(name, sizeof(name), "@%.*s", (int)(plen - 1), un->sun_path + 1);
			if (bind) {
				if (t->opts.shared_net)
					hs_rec_flag(t, HS_TRACER_FLAG_IPC,
						    "%s %s (network namespace shared)", call, name);
				add_bound(t, name);
				return 0;
			}
			if (bound_by_tree(t, name))
				return 0;
			hs_rec_flag(t, HS_TRACER_FLAG_IPC, "%s %s", call, name);
			return deny;
		}
		memcpy(name, un->sun_path, plen < sizeof(un->sun_path) ? plen : sizeof(un->sun_path));
		name[plen < sizeof(un->sun_path) ? plen : sizeof(un->sun_path)] = 0;
		if (bind) {
			enum res_status st = hs_resolve(t, e->tid, AT_FDCWD, name, 0, &e->out);
			name_created(t, st, &e->out);
			if (st == RES_FINAL_ABSENT) {
				rec_absent(t, &e->out, HS_TRACER_STAT);
				hs_rec_write(t, e->out.path, e->out.len,
					     HS_TRACER_WRITE | HS_TRACER_CREATE);
				add_bound(t, e->out.path);
			} else if (st == RES_OK) {
				rec_present(t, &e->out, HS_TRACER_STAT); /* EADDRINUSE */
			}
			return 0;
		}
		enum res_status st = hs_resolve(t, e->tid, AT_FDCWD, name, RES_FOLLOW, &e->out);
		if (st == RES_FINAL_ABSENT) {
			rec_absent(t, &e->out, HS_TRACER_STAT);
			return 0; /* ENOENT */
		}
		if (st != RES_OK)
			return 0;
		rec_present(t, &e->out, HS_TRACER_STAT);
		if (bound_by_tree(t, e->out.path))
			return 0;
		hs_rec_flag(t, HS_TRACER_FLAG_IPC, "%s %s", call, e->out.path);
		return deny;
	}
	case AF_INET: {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		char a[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &in->sin_addr, a, sizeof(a));
		hs_rec_flag(t, HS_TRACER_FLAG_NET, "%s AF_INET %s:%u", call, a, ntohs(in->sin_port));
		return deny;
	}
	case AF_INET6: {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		char a[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, &in6->sin6_addr, a, sizeof(a));
		hs_rec_flag(t, HS_TRACER_FLAG_NET, "%s AF_INET6 [%s]:%u", call, a,
			    ntohs(in6->sin6_port));
		return deny;
	}
	default:
		hs_rec_flag(t, HS_TRACER_FLAG_NET, "%s family %d", call, ss.ss_family);
		return deny;
	}
}

static int do_sendmsg(struct ev *e, uint64_t msgaddr)
{
	struct msghdr m;
	if (!msgaddr || hs_read_mem(e->tid, msgaddr, &m, sizeof(m)) < 0)
		return 0;
	return do_sockaddr(e, "sendmsg", (uint64_t)(uintptr_t)m.msg_name, m.msg_namelen, false);
}

static int do_sendmmsg(struct ev *e, uint64_t vec, uint64_t vlen)
{
	if (vlen > 1024)
		vlen = 1024;
	for (uint64_t i = 0; i < vlen; i++) {
		struct mmsghdr m;
		if (hs_read_mem(e->tid, vec + i * sizeof(m), &m, sizeof(m)) < 0)
			return 0;
		int rc = do_sockaddr(e, "sendmmsg", (uint64_t)(uintptr_t)m.msg_hdr.msg_name,
				     m.msg_hdr.msg_namelen, false);
		if (rc)
			return rc;
	}
	return 0;
}

static pid_t ppid_of(pid_t pid)
{
	char p[64], buf[1024];
	snprintf(p, sizeof(p), "/proc/%d/stat", pid);
	_cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *s = strrchr(buf, ')');
	int ppid;
	if (!s || sscanf(s + 2, "%*c %d", &ppid) != 1)
		return -1;
	return ppid;
}

static bool in_tree(struct hs_tracer *t, pid_t pid)
{
	for (int i = 0; i < 4096 && pid > 1; i++) {
		if (pid == t->child)
			return true;
		pid = ppid_of(pid);
	}
	return false;
}

static void do_ptrace(struct ev *e, uint64_t req, uint64_t pid)
{
	if (req == PTRACE_TRACEME) {
		if (ppid_of(e->tid) == getpid() || !in_tree(e->t, ppid_of(e->tid)))
			hs_rec_flag(e->t, HS_TRACER_FLAG_PTRACE, "PTRACE_TRACEME by the tree's root");
	} else if (req == PTRACE_ATTACH || req == PTRACE_SEIZE) {
		if (!in_tree(e->t, (pid_t)pid))
			hs_rec_flag(e->t, HS_TRACER_FLAG_PTRACE, "attach to pid %d", (int)pid);
	}
}

static void do_stdin_read(struct ev *e, int fd)
{
	if (!e->t->have_stdin)
		return;
	char p[64];
	struct stat sb;
	snprintf(p, sizeof(p), "/proc/%d/fd/%d", e->tid, fd);
	if (stat(p, &sb) == 0 && sb.st_ino == e->t->stdin_ino && sb.st_dev == e->t->stdin_dev)
		hs_rec_flag(e->t, HS_TRACER_FLAG_STDIN, "read the caller's stdin");
}

static const char *denied_name(int nr)
{
	switch (nr) {
	case 425: return "io_uring_setup";
	case 426: return "io_uring_enter";
	case 427: return "io_uring_register";
	case 165: return "mount";
	case 166: return "umount2";
	case 155: return "pivot_root";
	case 161: return "chroot";
	case 428: return "open_tree";
	case 429: return "move_mount";
	case 430: return "fsopen";
	case 431: return "fsconfig";
	case 432: return "fsmount";
	case 433: return "fspick";
	case 442: return "mount_setattr";
	case 467: return "open_tree_attr";
	case 304: return "open_by_handle_at";
	case 163: return "acct";
	case 167: return "swapon";
	case 168: return "swapoff";
	case 179: return "quotactl";
	case 443: return "quotactl_fd";
	case 134: return "uselib";
	}
	return NULL;
}

int hs_tracer_event(struct hs_tracer *t, pid_t tid, const struct seccomp_data *d)
{
	struct ev e_, *e = &e_;
	const __u64 *a = d->args;
	int nr = d->nr;

	e->t = t;
	e->tid = tid;
	e->d = d;
	t->nevents++;
	/* Emptied between events only: an event may hold a cached directory fd. */
	if (t->nidents >= HS_IDENT_MAX || t->nident_fds >= HS_IDENT_MAX_FDS)
		hs_ident_clear(t);
	if (d->arch != AUDIT_ARCH_X86_64 || (d->nr & X32_BIT)) {
		hs_rec_flag(t, HS_TRACER_FLAG_FOREIGN_ABI, "%s syscall %d",
			    d->arch == AUDIT_ARCH_I386 ? "i386" :
			    d->arch == AUDIT_ARCH_X86_64 ? "x32" : "foreign-arch",
			    (int)(d->nr & ~X32_BIT));
		return ENOSYS;
	}
	switch (nr) {
	/* reads */
	case 2: do_open(e, AT_FDCWD, a[0], a[1], 0); break;		   /* open */
	case 257: do_open(e, arg_fd(a[0]), a[1], a[2], 0); break;	   /* openat */
	case 85: do_open(e, AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC, 0); break; /* creat */
	case 437: {							   /* openat2 */
		struct open_how how = {0};
		size_t sz = a[3] < sizeof(how) ? a[3] : sizeof(how);
		if (sz >= 8 && hs_read_mem(tid, a[2], &how, sz) == 0)
			do_open(e, arg_fd(a[0]), a[1], how.flags, how.resolve);
		break;
	}
	case 4: lookup_read(e, AT_FDCWD, a[0], RES_FOLLOW, HS_TRACER_STAT); break; /* stat */
	case 6: lookup_read(e, AT_FDCWD, a[0], 0, HS_TRACER_STAT); break;	   /* lstat */
	case 262:							   /* newfstatat */
	case 332: {							   /* statx */
		unsigned fl = (unsigned)a[nr == 262 ? 3 : 2];
		lookup_read(e, arg_fd(a[0]), a[1],
			    ((fl & AT_SYMLINK_NOFOLLOW) ? 0 : RES_FOLLOW) |
				    ((fl & AT_EMPTY_PATH) ? RES_EMPTY_OK : 0),
			    HS_TRACER_STAT);
		break;
	}
	case 21: lookup_read(e, AT_FDCWD, a[0], RES_FOLLOW, HS_TRACER_STAT); break; /* access */
	case 269: lookup_read(e, arg_fd(a[0]), a[1], RES_FOLLOW, HS_TRACER_STAT); break;
	case 439: {							   /* faccessat2 */
		unsigned fl = (unsigned)a[3];
		lookup_read(e, arg_fd(a[0]), a[1],
			    ((fl & AT_SYMLINK_NOFOLLOW) ? 0 : RES_FOLLOW) |
				    ((fl & AT_EMPTY_PATH) ? RES_EMPTY_OK : 0),
			    HS_TRACER_STAT);
		break;
	}
	case 89:							   /* readlink */
	case 267: {							   /* readlinkat */
		int dfd = nr == 89 ? AT_FDCWD : arg_fd(a[0]);
		enum res_status st = lookup_read(e, dfd, a[nr == 89 ? 0 : 1], RES_EMPTY_OK,
						 HS_TRACER_STAT);
		if (st == RES_OK && S_ISLNK(e->out.sb.st_mode))
			rec_present(t, &e->out, HS_TRACER_READ);
		break;
	}
	case 191: case 194: /* getxattr, listxattr */
		lookup_read(e, AT_FDCWD, a[0], RES_FOLLOW, HS_TRACER_STAT);
		break;
	case 192: case 195: /* lgetxattr, llistxattr */
		lookup_read(e, AT_FDCWD, a[0], 0, HS_TRACER_STAT);
		break;
	case 464: case 465: { /* getxattrat, listxattrat (dfd, path, at_flags, ...) */
		unsigned fl = (unsigned)a[2];
		lookup_read(e, arg_fd(a[0]), a[1],
			    ((fl & AT_SYMLINK_NOFOLLOW) ? 0 : RES_FOLLOW) |
				    ((fl & AT_EMPTY_PATH) ? RES_EMPTY_OK : 0),
			    HS_TRACER_STAT);
		break;
	}
	case 468: case 469: { /* file_getattr, file_setattr (dfd, path, attr, size, at_flags) */
		unsigned fl = (unsigned)a[4];
		unsigned f = ((fl & AT_SYMLINK_NOFOLLOW) ? 0 : RES_FOLLOW) |
			     ((fl & AT_EMPTY_PATH) ? RES_EMPTY_OK : 0);
		if (nr == 468)
			lookup_read(e, arg_fd(a[0]), a[1], f, HS_TRACER_STAT);
		else
			meta_path(e, arg_fd(a[0]), a[1], f);
		break;
	}
	case 303: { /* name_to_handle_at */
		unsigned fl = (unsigned)a[4];
		lookup_read(e, arg_fd(a[0]), a[1],
			    ((fl & AT_SYMLINK_FOLLOW) ? RES_FOLLOW : 0) |
				    ((fl & AT_EMPTY_PATH) ? RES_EMPTY_OK : 0),
			    HS_TRACER_STAT);
		break;
	}
	case 254: /* inotify_add_watch (fd, path, mask) */
		lookup_read(e, AT_FDCWD, a[1], (a[2] & 0x02000000) ? 0 : RES_FOLLOW,
			    HS_TRACER_STAT);
		break;
	case 301: /* fanotify_mark (fd, flags, mask, dirfd, path) */
		lookup_read(e, arg_fd(a[3]), a[4], (a[1] & 0x04) ? 0 : RES_FOLLOW, HS_TRACER_STAT);
		break;
	case 59: do_exec(e, AT_FDCWD, a[0], 0); break;			   /* execve */
	case 322: do_exec(e, arg_fd(a[0]), a[1], (unsigned)a[4]); break; /* execveat */
	case 80: /* chdir */
		lookup_read(e, AT_FDCWD, a[0], RES_FOLLOW, HS_TRACER_STAT);
		break;
	case 78: case 217: /* getdents, getdents64: a listing of the directory open on fd */
		lookup_read(e, arg_fd(a[0]), 0, RES_EMPTY_OK, HS_TRACER_LIST);
		break;
	case 81: case 272: case 308: /* fchdir, unshare, setns: nothing to record (cwd lookups
				      * check the cwd's identity every time) */
		break;
	/* writes */
	case 76: { /* truncate */
		char path[4096];
		if (get_path(e, a[0], path, sizeof(path)) <= 0)
			break;
		enum res_status st = hs_resolve(t, tid, AT_FDCWD, path, RES_FOLLOW, &e->out);
		if (st == RES_OK) {
			if (a[1] != 0)
				rec_present(t, &e->out, HS_TRACER_READ);
			else
				rec_present(t, &e->out, HS_TRACER_STAT);
			hs_rec_write(t, e->out.path, e->out.len,
				     HS_TRACER_WRITE | (a[1] == 0 ? HS_TRACER_BLIND : 0));
		} else if (st == RES_FINAL_ABSENT) {
			rec_absent(t, &e->out, HS_TRACER_STAT);
		}
		break;
	}
	case 82: do_rename(e, AT_FDCWD, a[0], AT_FDCWD, a[1], 0); break;
	case 264: do_rename(e, arg_fd(a[0]), a[1], arg_fd(a[2]), a[3], 0); break;
	case 316: do_rename(e, arg_fd(a[0]), a[1], arg_fd(a[2]), a[3], (unsigned)a[4]); break;
	case 86: do_link(e, AT_FDCWD, a[0], AT_FDCWD, a[1], 0); break;
	case 265: do_link(e, arg_fd(a[0]), a[1], arg_fd(a[2]), a[3], (unsigned)a[4]); break;
	case 88: do_create(e, AT_FDCWD, a[1]); break;		    /* symlink */
	case 266: do_create(e, arg_fd(a[1]), a[2]); break;	    /* symlinkat */
	case 83: case 133: do_create(e, AT_FDCWD, a[0]); break;    /* mkdir, mknod */
	case 258: case 259: do_create(e, arg_fd(a[0]), a[1]); break; /* mkdirat, mknodat */
	case 87: do_remove(e, AT_FDCWD, a[0], false); break;	    /* unlink */
	case 84: do_remove(e, AT_FDCWD, a[0], true); break;	    /* rmdir */
	case 263: do_remove(e, arg_fd(a[0]), a[1], a[2] & AT_REMOVEDIR); break;
	case 90: case 92: case 132: case 235: case 188: case 197: /* chmod chown utime(s) set/rmxattr */
		meta_path(e, AT_FDCWD, a[0], RES_FOLLOW);
		break;
	case 94: case 189: case 198: /* lchown, lsetxattr, lremovexattr */
		meta_path(e, AT_FDCWD, a[0], 0);
		break;
	case 268: meta_path(e, arg_fd(a[0]), a[1], RES_FOLLOW); break; /* fchmodat */
	case 261: meta_path(e, arg_fd(a[0]), a[1], RES_FOLLOW | RES_EMPTY_OK); break; /* futimesat */
	case 452: case 260: case 280: { /* fchmodat2, fchownat, utimensat: flags in a[3]/a[4] */
		unsigned fl = (unsigned)a[nr == 260 ? 4 : 3];
		meta_path(e, arg_fd(a[0]), a[1],
			  ((fl & AT_SYMLINK_NOFOLLOW) ? 0 : RES_FOLLOW) |
				  ((fl & AT_EMPTY_PATH) || nr == 280 ? RES_EMPTY_OK : 0));
		break;
	}
	case 463: case 466: { /* setxattrat, removexattrat (dfd, path, at_flags, ...) */
		unsigned fl = (unsigned)a[2];
		meta_path(e, arg_fd(a[0]), a[1],
			  ((fl & AT_SYMLINK_NOFOLLOW) ? 0 : RES_FOLLOW) |
				  ((fl & AT_EMPTY_PATH) ? RES_EMPTY_OK : 0));
		break;
	}
	case 91: case 93: case 190: case 199: case 16: /* fchmod fchown fsetxattr fremovexattr ioctl */
		meta_fd(e, arg_fd(a[0]));
		break;
	/* network */
	case 41: /* socket */
		if ((uint32_t)a[0] == AF_UNIX)
			break;
		hs_rec_flag(t, HS_TRACER_FLAG_NET, "socket family %u", (unsigned)(uint32_t)a[0]);
		return t->opts.allow_net ? 0 : EACCES;
	case 42: return do_sockaddr(e, "connect", a[1], a[2], false);
	case 49: return do_sockaddr(e, "bind", a[1], a[2], true);
	case 44: return do_sockaddr(e, "sendto", a[4], a[5], false);
	case 46: return do_sendmsg(e, a[1]);
	case 307: return do_sendmmsg(e, a[1], a[2]);
	case 101: do_ptrace(e, a[0], a[1]); break;
	/* stdin readers (trapped only for fd 0) */
	case 0: case 17: case 19: case 295: case 327: case 275: case 276: case 326:
		do_stdin_read(e, arg_fd(a[0]));
		break;
	case 40: do_stdin_read(e, arg_fd(a[1])); break; /* sendfile */
	default: {
		const char *name = denied_name(nr);
		if (name) {
			hs_rec_flag(t, HS_TRACER_FLAG_DENIED, "%s", name);
			return nr >= 425 && nr <= 427 ? ENOSYS : EPERM;
		}
		if (nr > HS_NR_KNOWN_MAX) {
			hs_rec_flag(t, HS_TRACER_FLAG_UNKNOWN, "syscall %d", nr);
			return ENOSYS;
		}
		break;
	}
	}
	return 0;
}
