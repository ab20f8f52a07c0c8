/* The user-notification backend: RECV, classify while the thread is blocked, SEND with the
 * continue flag (or an errno). One round trip per trapped syscall; the sync wake-up flag keeps
 * tracer and tracee on one CPU. No fork/exec bookkeeping: the filter is inherited. */
#include "tracer/tracer-internal.h"
#include "lib/util.h"

#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>

/* RECV one notification (one is pending), classify, SEND. */
int hs_notif_handle_one(struct hs_tracer *t, struct hs_error *err)
{
	struct seccomp_notif *req = t->notif_buf;
	struct seccomp_notif_resp *resp = t->resp_buf;

	memset(req, 0, t->notif_size);
	if (ioctl(t->listener, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
		/* ENOENT: the thread was killed or its syscall interrupted (it will be
		 * re-trapped when restarted). */
		if (errno == EINTR || errno == ENOENT)
			return 0;
		return hs_error_errno(err, "tracer: SECCOMP_IOCTL_NOTIF_RECV");
	}
	int deny = hs_tracer_event(t, (pid_t)req->pid, &req->data);
	memset(resp, 0, t->resp_size);
	resp->id = req->id;
	if (deny)
		resp->error = -deny;
	else
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	if (ioctl(t->listener, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno != ENOENT)
		return hs_error_errno(err, "tracer: SECCOMP_IOCTL_NOTIF_SEND");
	return 0;
}

int hs_notif_handle(struct hs_tracer *t, struct hs_error *err)
{
	for (;;) {
		struct pollfd p = {t->listener, POLLIN, 0};
		int n = poll(&p, 1, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return hs_error_errno(err, "tracer: poll on the seccomp listener");
		}
		if (n == 0)
			return 0;
		if (!(p.revents & POLLIN)) {
			if (p.revents & (POLLHUP | POLLERR | POLLNVAL)) {
				t->done = true;
				return 1;
			}
			return 0;
		}
		if (hs_notif_handle_one(t, err) < 0)
			return -1;
	}
}
