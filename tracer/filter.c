/* The seccomp filter, built with libseccomp once per process and exported as a cBPF program so
 * the forked child only has to call seccomp(2): no allocation after fork.
 *
 * Trapped (everything else, read/write/mmap/close..., runs at full speed):
 * - syscalls that carry a path name (reads, stats, writes, name changes, metadata writes);
 * - getdents and getdents64: a directory's entries are read there, not at its open;
 * - fd-based metadata writes (fchmod, fchown, fsetxattr, fremovexattr, ioctl SETFLAGS);
 * - network: socket() for anything but AF_UNIX, connect, bind, sendto with an address,
 *   sendmsg, sendmmsg;
 * - chdir (a lookup), fchdir, unshare, setns (nothing to record: cached cwd names are checked
 *   against the identity of /proc/<tid>/cwd on every use) and ptrace; not fork/clone: the
 *   filter is inherited;
 * - reads of fd 0 (the caller's stdin check);
 * - syscalls denied with a flag: io_uring, the mount API, chroot, open_by_handle_at, ...;
 * - numbers above the highest one known, and any non-x86_64 ABI (the bad-arch action), so
 *   an i386 `int $0x80` open or an x32 call never slips through.
 */
#include "tracer/tracer-internal.h"
#include "lib/util.h"

#include <seccomp.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

/* Unconditionally trapped x86_64 numbers (raw: libseccomp 2.5.4 predates some of them). */
static const int trapped[] = {
	/* hot ones first */
	257 /* openat */, 262 /* newfstatat */, 332 /* statx */, 2 /* open */, 4 /* stat */,
	6 /* lstat */, 21 /* access */, 269 /* faccessat */, 439 /* faccessat2 */,
	89 /* readlink */, 267 /* readlinkat */, 59 /* execve */, 322 /* execveat */,
	217 /* getdents64 */, 78 /* getdents */,
	437 /* openat2 */, 85 /* creat */, 80 /* chdir */, 81 /* fchdir */,
	76 /* truncate */, 82 /* rename */, 264 /* renameat */, 316 /* renameat2 */,
	86 /* link */, 265 /* linkat */, 88 /* symlink */, 266 /* symlinkat */,
	87 /* unlink */, 263 /* unlinkat */, 84 /* rmdir */, 83 /* mkdir */, 258 /* mkdirat */,
	133 /* mknod */, 259 /* mknodat */, 90 /* chmod */, 91 /* fchmod */, 268 /* fchmodat */,
	452 /* fchmodat2 */, 92 /* chown */, 93 /* fchown */, 94 /* lchown */, 260 /* fchownat */,
	132 /* utime */, 235 /* utimes */, 261 /* futimesat */, 280 /* utimensat */,
	188 /* setxattr */, 189 /* lsetxattr */, 190 /* fsetxattr */, 197 /* removexattr */,
	198 /* lremovexattr */, 199 /* fremovexattr */, 191 /* getxattr */, 192 /* lgetxattr */,
	194 /* listxattr */, 195 /* llistxattr */, 463 /* setxattrat */, 464 /* getxattrat */,
	465 /* listxattrat */, 466 /* removexattrat */, 468 /* file_getattr */,
	469 /* file_setattr */, 303 /* name_to_handle_at */, 254 /* inotify_add_watch */,
	301 /* fanotify_mark */,
	/* network */
	42 /* connect */, 49 /* bind */, 46 /* sendmsg */, 307 /* sendmmsg */,
	/* namespace changes and ptrace */
	272 /* unshare */, 308 /* setns */, 101 /* ptrace */,
	/* denied with a flag */
	425 /* io_uring_setup */, 426 /* io_uring_enter */, 427 /* io_uring_register */,
	165 /* mount */, 166 /* umount2 */, 155 /* pivot_root */, 161 /* chroot */,
	428 /* open_tree */, 429 /* move_mount */, 430 /* fsopen */, 431 /* fsconfig */,
	432 /* fsmount */, 433 /* fspick */, 442 /* mount_setattr */, 467 /* open_tree_attr */,
	304 /* open_by_handle_at */, 163 /* acct */, 167 /* swapon */, 168 /* swapoff */,
	179 /* quotactl */, 443 /* quotactl_fd */, 134 /* uselib */,
};

/* Trapped when their first argument (an fd) is 0: reads of stdin. */
static const int stdin_readers[] = {0 /* read */, 17 /* pread64 */, 19 /* readv */,
				    295 /* preadv */, 327 /* preadv2 */, 275 /* splice */,
				    276 /* tee */, 326 /* copy_file_range */};

#define FS_IOC_SETFLAGS_ 0x40086602u
#define FS_IOC32_SETFLAGS_ 0x40046602u
#define FS_IOC_FSSETXATTR_ 0x401c5820u

static int build(uint32_t action, bool stdin_rules, struct hs_filter_prog *out,
		 struct hs_error *err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int rc;

	if (!ctx)
		return hs_error_set(err, ENOMEM, "seccomp_init");
#define TRY(expr, what)                                                                            \
	do {                                                                                       \
		rc = (expr);                                                                       \
		if (rc < 0) {                                                                      \
			seccomp_release(ctx);                                                      \
			return hs_error_set(err, -rc, "libseccomp: %s", what);                     \
		}                                                                                  \
	} while (0)
	TRY(seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, action), "bad-arch action");
	TRY(seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0), "nnp");
	/* A binary tree keeps the cost of untrapped syscalls flat despite ~250 rules. */
	TRY(seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2), "optimize");
	for (size_t i = 0; i < HS_ARRAY_SIZE(trapped); i++)
		TRY(seccomp_rule_add(ctx, action, trapped[i], 0), "rule");
	for (int nr = HS_NR_KNOWN_MAX + 1; nr <= HS_NR_PROBE_MAX; nr++)
		TRY(seccomp_rule_add(ctx, action, nr, 0), "unknown-number rule");
	/* Without a stdin to watch, reads of fd 0 run free: in a pipeline every stage reads
	 * its fd 0 in small chunks, and trapping each read is most of the cost. */
	for (size_t i = 0; stdin_rules && i < HS_ARRAY_SIZE(stdin_readers); i++)
		TRY(seccomp_rule_add(ctx, action, stdin_readers[i], 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, 0)),
		    "stdin rule");
	/* sendfile(out, in, ...): the input is the second argument. */
	if (stdin_rules)
		TRY(seccomp_rule_add(ctx, action, 40, 1,
				     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, 0)),
		    "sendfile rule");
	/* socket(): AF_UNIX runs free; anything else (upper garbage included) is checked. */
	TRY(seccomp_rule_add(ctx, action, 41, 1, SCMP_A0(SCMP_CMP_NE, AF_UNIX)), "socket rule");
	/* sendto() with a destination address. */
	TRY(seccomp_rule_add(ctx, action, 44, 1, SCMP_A4(SCMP_CMP_NE, 0)), "sendto rule");
	/* ioctl() that changes inode flags (chattr) on any fd. */
	static const uint32_t ioctls[] = {FS_IOC_SETFLAGS_, FS_IOC32_SETFLAGS_, FS_IOC_FSSETXATTR_};
	for (size_t i = 0; i < HS_ARRAY_SIZE(ioctls); i++)
		TRY(seccomp_rule_add(ctx, action, 16, 1,
				     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, ioctls[i])),
		    "ioctl rule");
	for (int i = 0; i < 8; i++)
		seccomp_syscall_priority(ctx, trapped[i], (uint8_t)(255 - i));

	int mfd = memfd_create("hs-filter", MFD_CLOEXEC);
	if (mfd < 0) {
		seccomp_release(ctx);
		return hs_error_errno(err, "memfd_create");
	}
	rc = seccomp_export_bpf(ctx, mfd);
	seccomp_release(ctx);
	if (rc < 0) {
		close(mfd);
		return hs_error_set(err, -rc, "seccomp_export_bpf");
	}
	struct stat sb;
	if (fstat(mfd, &sb) < 0 || sb.st_size <= 0 || sb.st_size % sizeof(struct sock_filter) ||
	    sb.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS) {
		close(mfd);
		return hs_error_set(err, EINVAL, "exported filter has a bad size");
	}
	out->insns = malloc((size_t)sb.st_size);
	if (!out->insns || pread(mfd, out->insns, (size_t)sb.st_size, 0) != sb.st_size) {
		free(out->insns);
		close(mfd);
		return hs_error_set(err, EIO, "reading the exported filter");
	}
	close(mfd);
	out->len = (unsigned short)(sb.st_size / sizeof(struct sock_filter));
	return 0;
#undef TRY
}

/* Each program is built on first use (a libseccomp build is most of hs's start-up): the
 * scheduler's runs need only the notif program without stdin rules and the ptrace one. */
struct lazy_prog {
	pthread_once_t once;
	struct hs_filter_prog prog;
	struct hs_error err;
	int rc;
};

static struct lazy_prog notif_full = {.once = PTHREAD_ONCE_INIT};
static struct lazy_prog notif_nostdin = {.once = PTHREAD_ONCE_INIT};
static struct lazy_prog trace_full = {.once = PTHREAD_ONCE_INIT};

static void build_notif_full(void)
{
	notif_full.rc = build(SCMP_ACT_NOTIFY, true, &notif_full.prog, &notif_full.err);
}

static void build_notif_nostdin(void)
{
	notif_nostdin.rc = build(SCMP_ACT_NOTIFY, false, &notif_nostdin.prog, &notif_nostdin.err);
}

static void build_trace_full(void)
{
	trace_full.rc = build(SCMP_ACT_TRACE(1), true, &trace_full.prog, &trace_full.err);
}

static const struct hs_filter_prog *lazy_get(struct lazy_prog *l, void (*init)(void),
					      struct hs_error *err)
{
	pthread_once(&l->once, init);
	if (l->rc < 0) {
		if (err)
			*err = l->err;
		return NULL;
	}
	return &l->prog;
}

int hs_tracer_filters(const struct hs_filter_prog **notif, const struct hs_filter_prog **trace,
		      bool stdin_rules, struct hs_error *err)
{
	*notif = stdin_rules ? lazy_get(&notif_full, build_notif_full, err)
			     : lazy_get(&notif_nostdin, build_notif_nostdin, err);
	*trace = *notif ? lazy_get(&trace_full, build_trace_full, err) : NULL;
	return *notif && *trace ? 0 : -1;
}
