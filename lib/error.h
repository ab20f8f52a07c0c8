/* Error objects: library code fills one and returns -1/NULL; callers add context. */
#ifndef HS_LIB_ERROR_H
#define HS_LIB_ERROR_H

#include <stddef.h>

#define HS_ERROR_MSG_MAX 1024

/* An error: the errno that caused it (0 if none) and a message with context. */
struct hs_error {
	int code;
	char msg[HS_ERROR_MSG_MAX];
};

#define HS_ERROR_INIT {0, {0}}

/* Set err to code and a formatted message; returns -1 so callers can `return hs_error_set(...)`.
 * When code != 0, ": strerror(code)" is appended. err may be NULL. */
int hs_error_set(struct hs_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Same as hs_error_set with code = errno. */
int hs_error_errno(struct hs_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prefix the existing message with a formatted context ("ctx: old message"). Returns -1. */
int hs_error_prefix(struct hs_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reset err to "no error". */
void hs_error_clear(struct hs_error *err);

#endif
