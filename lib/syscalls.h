/* Raw syscalls glibc (2.36) lacks, each with an ENOSYS fallback, and missing constants. */
#ifndef HS_LIB_SYSCALLS_H
#define HS_LIB_SYSCALLS_H

#include <errno.h>
#include <fcntl.h>
#include <linux/types.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424
#endif
#ifndef __NR_pidfd_getfd
#define __NR_pidfd_getfd 438
#endif
#ifndef __NR_clone3
#define __NR_clone3 435
#endif
#ifndef __NR_close_range
#define __NR_close_range 436
#endif
#ifndef __NR_openat2
#define __NR_openat2 437
#endif
#ifndef __NR_mount_setattr
#define __NR_mount_setattr 442
#endif
#ifndef __NR_open_tree
#define __NR_open_tree 428
#endif
#ifndef __NR_move_mount
#define __NR_move_mount 429
#endif
#ifndef __NR_fsopen
#define __NR_fsopen 430
#endif
#ifndef __NR_fsconfig
#define __NR_fsconfig 431
#endif
#ifndef __NR_fsmount
#define __NR_fsmount 432
#endif
#ifndef __NR_seccomp
#define __NR_seccomp 317
#endif

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static inline int hs_sys_ret(long r)
{
	if (r == -1 && errno == 0)
		errno = ENOSYS;
	return (int)r;
}

static inline int hs_pidfd_open(pid_t pid, unsigned int flags)
{
	return hs_sys_ret(syscall(__NR_pidfd_open, pid, flags));
}

static inline int hs_pidfd_send_signal(int pidfd, int sig, siginfo_t *info, unsigned int flags)
{
	return hs_sys_ret(syscall(__NR_pidfd_send_signal, pidfd, sig, info, flags));
}

static inline int hs_pidfd_getfd(int pidfd, int targetfd, unsigned int flags)
{
	return hs_sys_ret(syscall(__NR_pidfd_getfd, pidfd, targetfd, flags));
}

static inline int hs_close_range(unsigned int first, unsigned int last, unsigned int flags)
{
	return hs_sys_ret(syscall(__NR_close_range, first, last, flags));
}

static inline long hs_clone3(void *args, size_t size)
{
	return syscall(__NR_clone3, args, size);
}

static inline int hs_seccomp(unsigned int op, unsigned int flags, void *args)
{
	return hs_sys_ret(syscall(__NR_seccomp, op, flags, args));
}

static inline int hs_open_tree(int dfd, const char *path, unsigned int flags)
{
	return hs_sys_ret(syscall(__NR_open_tree, dfd, path, flags));
}

static inline int hs_move_mount(int from_dfd, const char *from, int to_dfd, const char *to,
				unsigned int flags)
{
	return hs_sys_ret(syscall(__NR_move_mount, from_dfd, from, to_dfd, to, flags));
}

static inline int hs_mount_setattr(int dfd, const char *path, unsigned int flags, void *attr,
				   size_t size)
{
	return hs_sys_ret(syscall(__NR_mount_setattr, dfd, path, flags, attr, size));
}

#endif
