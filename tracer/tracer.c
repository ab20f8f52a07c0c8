/* Tracer lifecycle: creation, the child-side install, the parent-side attach (user
 * notification, or the ptrace fallback), the event-loop entry points and run-to-completion. */
#include "tracer/tracer-internal.h"
#include "lib/syscalls.h"
#include "lib/util.h"

#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

/* Handshake message from the child. */
enum { MSG_NOTIF = 1, MSG_PTRACE, MSG_ERROR };
struct hs_msg {
	int kind;
	int fd;	 /* MSG_NOTIF: the listener's number in the child */
	int err; /* MSG_ERROR: errno */
};

struct hs_tracer *hs_tracer_new(const struct hs_tracer_opts *opts, struct hs_error *err)
{
	struct hs_tracer *t = calloc(1, sizeof(*t));
	struct seccomp_notif_sizes sizes;

	if (!t) {
		hs_error_set(err, ENOMEM, "tracer");
		return NULL;
	}
	t->opts = *opts;
	t->sock[0] = t->sock[1] = t->listener = t->event_fd = t->root_fd = -1;
	t->root_status = -1;
	for (int i = 0; i < HS_PROC_SLOTS; i++)
		t->procs[i].dir = t->procs[i].fddir = -1;
	if (hs_tracer_filters(&t->prog_notif, &t->prog_trace, opts->stdin_fd >= 0, err) < 0)
		goto fail;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, t->sock) < 0) {
		hs_error_errno(err, "tracer: socketpair");
		goto fail;
	}
	/* The child reads the handshake after its filter is in place, and reads of fd 0 are
	 * trapped: keep the sockets off 0-2 (a caller with closed std fds), and off 3-9, the
	 * fds a caller's pre-exec hook may set up for a shell. */
	for (int i = 0; i < 2; i++)
		if (t->sock[i] <= 9) {
			int fd = fcntl(t->sock[i], F_DUPFD_CLOEXEC, 10);
			if (fd < 0) {
				hs_error_errno(err, "tracer: dup");
				goto fail;
			}
			close(t->sock[i]);
			t->sock[i] = fd;
		}
	/* The child's pid as this process sees it comes with the handshake (SCM_CREDENTIALS),
	 * for a child in another pid namespace whose pid the caller does not know. */
	int on = 1;
	if (setsockopt(t->sock[0], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) < 0) {
		hs_error_errno(err, "tracer: SO_PASSCRED");
		goto fail;
	}
	t->root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (t->root_fd < 0) {
		hs_error_errno(err, "tracer: open /");
		goto fail;
	}
	t->ident_ok = hs_ident_probe();
	if (opts->stdin_fd >= 0) {
		struct stat sb;
		/* /dev/null as stdin reads the same everywhere: nothing to flag. */
		if (fstat(opts->stdin_fd, &sb) == 0 &&
		    !(S_ISCHR(sb.st_mode) && sb.st_rdev == makedev(1, 3))) {
			t->have_stdin = true;
			t->stdin_dev = sb.st_dev;
			t->stdin_ino = sb.st_ino;
		}
	}
	if (hs_seccomp(SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0) {
		sizes.seccomp_notif = sizeof(struct seccomp_notif);
		sizes.seccomp_notif_resp = sizeof(struct seccomp_notif_resp);
	}
	t->notif_size = sizes.seccomp_notif > sizeof(struct seccomp_notif) ?
				sizes.seccomp_notif : sizeof(struct seccomp_notif);
	t->resp_size = sizes.seccomp_notif_resp > sizeof(struct seccomp_notif_resp) ?
			       sizes.seccomp_notif_resp : sizeof(struct seccomp_notif_resp);
	t->notif_buf = calloc(1, t->notif_size);
	t->resp_buf = calloc(1, t->resp_size);
	if (!t->notif_buf || !t->resp_buf) {
		hs_error_set(err, ENOMEM, "tracer");
		goto fail;
	}
	return t;
fail:
	hs_tracer_free(t);
	return NULL;
}

void hs_tracer_free(struct hs_tracer *t)
{
	if (!t)
		return;
	if (t->thread_started)
		hs_ptrace_finish(t, NULL);
	hs_records_free(t);
	hs_closep(&t->sock[0]);
	hs_closep(&t->sock[1]);
	hs_closep(&t->listener);
	hs_closep(&t->event_fd);
	hs_closep(&t->root_fd);
	free(t->notif_buf);
	free(t->resp_buf);
	free(t);
}

static int send_msg(int fd, int kind, int lfd, int e)
{
	struct hs_msg m = {kind, lfd, e};
	return write(fd, &m, sizeof(m)) == sizeof(m) ? 0 : -1;
}

static int wait_go(int fd)
{
	char go = 0;
	ssize_t n;
	do
		n = read(fd, &go, 1);
	while (n < 0 && errno == EINTR);
	return n == 1 && go == 1 ? 0 : -1;
}

int hs_tracer_child_install(void *arg)
{
	struct hs_tracer *t = arg;
	int s = t->sock[1];

	/* The parent's end: keeping it would hide the parent's death from wait_go. */
	close(t->sock[0]);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		goto fail;
	if (t->opts.backend != HS_TRACER_PTRACE) {
		struct sock_fprog prog = {t->prog_notif->len, t->prog_notif->insns};
		int lfd = hs_seccomp(SECCOMP_SET_MODE_FILTER,
				     SECCOMP_FILTER_FLAG_NEW_LISTENER |
					     SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
				     &prog);
		if (lfd < 0 && errno == EINVAL) /* before 5.19: no WAIT_KILLABLE_RECV */
			lfd = hs_seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
					 &prog);
		if (lfd >= 0) {
			/* The parent copies the listener with pidfd_getfd: sendmsg is trapped. */
			if (send_msg(s, MSG_NOTIF, lfd, 0) < 0 || wait_go(s) < 0) {
				close(lfd);
				goto fail;
			}
			close(lfd);
			close(s);
			return 0;
		}
		/* EBUSY: a notifier already exists above us; fall back to ptrace. */
		if (errno != EBUSY || t->opts.backend == HS_TRACER_NOTIF)
			goto fail;
	}
	struct sock_fprog prog = {t->prog_trace->len, t->prog_trace->insns};
	if (hs_seccomp(SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		goto fail;
	/* Until the parent has seized us, a trapped syscall would fail with ENOSYS. */
	if (send_msg(s, MSG_PTRACE, -1, 0) < 0 || wait_go(s) < 0) {
		errno = ECONNRESET;
		return -1;
	}
	close(s);
	return 0;
fail:;
	int e = errno;
	send_msg(s, MSG_ERROR, -1, e);
	close(s);
	errno = e;
	return -1;
}

int hs_tracer_attach(struct hs_tracer *t, pid_t child, struct hs_error *err)
{
	struct hs_msg m;
	ssize_t n;

	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(struct ucred))];
	} cm;
	struct iovec iov = {&m, sizeof(m)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = &cm,
			    .msg_controllen = sizeof(cm)};

	hs_closep(&t->sock[1]);
	t->sock[1] = -1;
	do
		n = recvmsg(t->sock[0], &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n != sizeof(m))
		return hs_error_set(err, n < 0 ? errno : EPIPE,
				    "tracer: child %d died before installing the filter", child);
	if (child <= 0) {
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		struct ucred uc;
		if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_CREDENTIALS)
			return hs_error_set(err, EPROTO, "tracer: handshake without credentials");
		memcpy(&uc, CMSG_DATA(c), sizeof(uc));
		child = uc.pid;
	}
	t->child = child;
	if (m.kind == MSG_ERROR)
		return hs_error_set(err, m.err, "tracer: installing the seccomp filter");
	if (m.kind == MSG_NOTIF) {
		_cleanup_close_ int pidfd = hs_pidfd_open(child, 0);
		if (pidfd < 0)
			return hs_error_errno(err, "tracer: pidfd_open %d", child);
		t->listener = hs_pidfd_getfd(pidfd, m.fd, 0);
		if (t->listener < 0)
			return hs_error_errno(err, "tracer: pidfd_getfd (the listener)");
		fcntl(t->listener, F_SETFD, FD_CLOEXEC);
		/* Wake the tracee on our CPU: 10x cheaper round trips across CPUs. */
		ioctl(t->listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
		t->used = HS_TRACER_NOTIF;
		char go = 1;
		if (write(t->sock[0], &go, 1) != 1)
			return hs_error_errno(err, "tracer: handshake");
		return 0;
	}
	if (m.kind == MSG_PTRACE) {
		t->used = HS_TRACER_PTRACE;
		return hs_ptrace_start(t, err);
	}
	return hs_error_set(err, EPROTO, "tracer: bad handshake");
}

int hs_tracer_fd(const struct hs_tracer *t)
{
	return t->used == HS_TRACER_PTRACE ? t->event_fd : t->listener;
}

enum hs_tracer_backend hs_tracer_backend_used(const struct hs_tracer *t)
{
	return t->used;
}

uint64_t hs_tracer_nevents(const struct hs_tracer *t)
{
	return t->nevents;
}

int hs_tracer_handle(struct hs_tracer *t, struct hs_error *err)
{
	if (t->done)
		return 1;
	if (t->used == HS_TRACER_PTRACE) {
		uint64_t v;
		if (read(t->event_fd, &v, sizeof(v)) != sizeof(v))
			return 0;
		return hs_ptrace_finish(t, err) < 0 ? -1 : 1;
	}
	return hs_notif_handle(t, err);
}

static int shell_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 255;
}

int hs_tracer_run(struct hs_tracer *t, pid_t child, int *status, struct hs_error *err)
{
	/* ptrace: the kernel treats a wait by the tracer's thread group on a tracee as a
	 * ptrace wait, which would steal the stops meant for the tracer thread. Wait for
	 * nothing until the tracer thread is done (every task detached at its exit). */
	bool ptraced = t->used == HS_TRACER_PTRACE;
	_cleanup_close_ int pidfd = ptraced ? -1 : hs_pidfd_open(child, 0);
	bool reaped = false, echild = false;
	int rc;

	*status = 255;
	for (;;) {
		struct pollfd p[2] = {{hs_tracer_fd(t), POLLIN, 0}, {pidfd, POLLIN, 0}};
		/* Once the child is gone, orphans reparented to us must be reaped for the
		 * listener to hang up: sweep now and then. __WNOTHREAD: only our own
		 * children. */
		int n = poll(p, reaped || pidfd < 0 ? 1 : 2, reaped && !ptraced ? 20 : -1);
		if (n < 0 && errno != EINTR)
			return hs_error_errno(err, "tracer: poll");
		if (n > 0 && !ptraced && (p[0].revents & POLLIN)) {
			/* Hot path: poll, RECV, SEND: three syscalls per event. */
			if (hs_notif_handle_one(t, err) < 0)
				return -1;
		} else if (n > 0 && p[0].revents) {
			rc = hs_tracer_handle(t, err);
			if (rc < 0)
				return -1;
			if (rc == 1)
				break;
		}
		if (ptraced)
			continue;
		if (!reaped && (pidfd < 0 || (n > 0 && p[1].revents))) {
			int st;
			pid_t r = waitpid(child, &st, WNOHANG | __WALL | __WNOTHREAD);
			if (r == child) {
				*status = shell_status(st);
				reaped = true;
			} else if (r < 0 && errno == ECHILD) {
				reaped = echild = true;
			}
		}
		if (reaped && n == 0)
			while (waitpid(-1, NULL, WNOHANG | __WALL | __WNOTHREAD) > 0)
				;
	}
	if (!reaped) {
		int st;
		if (waitpid(child, &st, __WALL | __WNOTHREAD) == child)
			*status = shell_status(st);
		else
			echild = true; /* the ptrace thread reaped it (killed without exit stop) */
	}
	if (echild && t->root_status >= 0)
		*status = shell_status(t->root_status);
	while (waitpid(-1, NULL, WNOHANG | __WALL | __WNOTHREAD) > 0)
		;
	return 0;
}
