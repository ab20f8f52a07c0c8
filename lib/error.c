#include "lib/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void vset(struct hs_error *err, int code, const char *fmt, va_list ap)
{
	int n;

	if (!err)
		return;
	err->code = code;
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	if (n < 0)
		n = 0;
	if (code && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", strerror(code));
}

int hs_error_set(struct hs_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(err, code, fmt, ap);
	va_end(ap);
	return -1;
}

int hs_error_errno(struct hs_error *err, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vset(err, saved, fmt, ap);
	va_end(ap);
	errno = saved;
	return -1;
}

int hs_error_prefix(struct hs_error *err, const char *fmt, ...)
{
	char old[HS_ERROR_MSG_MAX];
	va_list ap;
	int n;

	if (!err)
		return -1;
	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	/* The message may be cut at HS_ERROR_MSG_MAX: checking the result says so on purpose. */
	if ((size_t)n < sizeof(err->msg) &&
	    snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", old) < 0)
		err->msg[n] = '\0';
	return -1;
}

void hs_error_clear(struct hs_error *err)
{
	if (!err)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}
