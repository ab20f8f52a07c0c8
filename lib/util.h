/* Small shared helpers: cleanup attributes, full reads/writes, die() for mains. */
#ifndef HS_LIB_UTIL_H
#define HS_LIB_UTIL_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#define HS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline void hs_freep(void *p)
{
	free(*(void **)p);
}

static inline void hs_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void hs_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define _cleanup_free_ __attribute__((cleanup(hs_freep)))
#define _cleanup_close_ __attribute__((cleanup(hs_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(hs_fclosep)))

/* Take ownership out of a cleanup-guarded variable. */
#define steal_pointer(pp)                                                                          \
	({                                                                                         \
		__typeof__(*(pp)) _p = *(pp);                                                      \
		*(pp) = NULL;                                                                      \
		_p;                                                                                \
	})

#define steal_fd(fdp)                                                                              \
	({                                                                                         \
		int _fd = *(fdp);                                                                  \
		*(fdp) = -1;                                                                       \
		_fd;                                                                               \
	})

/* Delete every entry of the uthash table head (entries linked by `hh`) and free it; el and
 * tmp are scratch pointers of the entry type. Needs <uthash.h> where it is used. */
#define HS_HASH_FREE_ALL(head, el, tmp)                                                            \
	do {                                                                                       \
		HASH_ITER(hh, head, el, tmp) {                                                     \
			HASH_DEL(head, el);                                                        \
			free(el);                                                                  \
		}                                                                                  \
	} while (0)

/* Read exactly len bytes unless EOF comes first; retries EINTR and short reads.
 * Returns the number of bytes read (< len only at EOF) or -1 with errno set. */
ssize_t hs_read_full(int fd, void *buf, size_t len);

/* Write all len bytes; retries EINTR and short writes. Returns 0 or -1 with errno set. */
int hs_write_full(int fd, const void *buf, size_t len);

/* Read a whole fd into a NUL-terminated malloc'd buffer; *lenp gets the size (may be NULL).
 * Returns NULL with errno set on failure. */
char *hs_read_all(int fd, size_t *lenp);

/* Print "hs: <fmt>\n" to stderr and exit(status). Only for main() and subcommand files. */
__attribute__((noreturn, format(printf, 2, 3))) void hs_die(int status, const char *fmt, ...);

/* Print "hs: <fmt>\n" to stderr. */
__attribute__((format(printf, 1, 2))) void hs_warn(const char *fmt, ...);

/* True when running under CI (CI=true in the environment). */
int hs_under_ci(void);

#endif
