/* The scheduler's one event loop: the shell's runtime socket, the shell's pidfd, a signalfd,
 * and (through spec.c) the pidfds and tracer fds of speculative runs. */
#include "scheduler/loop.h"

#include "lib/syscalls.h"
#include "lib/util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define RUNTIME_FD 9

/* Signals hs takes over while the shell runs: forwarded to the shell when they were sent to
 * hs alone (kill PID), not when the terminal sent them to the whole process group. */
static const int forwarded_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

void hs_sched_sigset(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < HS_ARRAY_SIZE(forwarded_signals); i++)
		sigaddset(set, forwarded_signals[i]);
	sigaddset(set, SIGPIPE);
}

int hs_sched_watch(struct sched *s, int fd, uint64_t tag)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag};

	return epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev);
}

void hs_sched_unwatch(struct sched *s, int fd)
{
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, fd, NULL);
}

int hs_sched_reply(struct sched *s, const char *line)
{
	if (s->sock < 0 || s->muted)
		return -1;
	if (hs_write_full(s->sock, line, strlen(line)) < 0) {
		/* The shell closed its end: it answers "run" itself from now on. */
		hs_sched_unwatch(s, s->sock);
		close(s->sock);
		s->sock = -1;
		return -1;
	}
	return 0;
}

static pid_t start_shell(const struct hs_sched_config *cfg, int child_sock, const sigset_t *mask,
			 struct hs_error *err)
{
	pid_t pid = fork();

	if (pid < 0) {
		hs_error_errno(err, "fork");
		return -1;
	}
	if (pid == 0) {
		if (child_sock != RUNTIME_FD) {
			if (dup2(child_sock, RUNTIME_FD) < 0)
				_exit(127);
			close(child_sock);
		} else {
			int fl = fcntl(RUNTIME_FD, F_GETFD);
			fcntl(RUNTIME_FD, F_SETFD, fl & ~FD_CLOEXEC);
		}
		setenv("HS_RUNTIME", "9", 1);
		sigprocmask(SIG_UNBLOCK, mask, NULL);
		execvp(cfg->shell, cfg->argv);
		fprintf(stderr, "hs: cannot run the shell %s: %s\n", cfg->shell, strerror(errno));
		_exit(127);
	}
	return pid;
}

/* Read what the shell sent; parse and handle every complete message. */
static int on_socket(struct sched *s)
{
	char data[65536];
	char cbuf[CMSG_SPACE(sizeof(struct ucred))];
	struct iovec iov = {data, sizeof(data)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf)};
	ssize_t n = recvmsg(s->sock, &mh, MSG_CMSG_CLOEXEC);

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (n == 0) {
		hs_sched_unwatch(s, s->sock);
		close(s->sock);
		s->sock = -1;
		return 0;
	}
	if (s->muted)
		return 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
			struct ucred cr;
			memcpy(&cr, CMSG_DATA(c), sizeof(cr));
			s->sender = cr.pid;
		}
	}
	if (s->inlen + (size_t)n > s->incap) {
		size_t cap = s->incap ? s->incap : 65536;
		while (cap < s->inlen + (size_t)n)
			cap *= 2;
		char *nb = realloc(s->inbuf, cap);
		if (!nb)
			return -1;
		s->inbuf = nb;
		s->incap = cap;
	}
	memcpy(s->inbuf + s->inlen, data, (size_t)n);
	s->inlen += (size_t)n;
	for (;;) {
		struct hs_msg m;
		struct hs_error err = HS_ERROR_INIT;
		ssize_t used = hs_msg_parse(s->inbuf, s->inlen, &m, &err);

		if (used == 0)
			break;
		if (used < 0) {
			/* A protocol error: stop talking; the runtime then runs everything itself. */
			hs_warn("runtime protocol: %s; speculation off", err.msg);
			hs_spec_stop(s);
			shutdown(s->sock, SHUT_WR);
			s->muted = true;
			s->inlen = 0;
			return 0;
		}
		memmove(s->inbuf, s->inbuf + used, s->inlen - (size_t)used);
		s->inlen -= (size_t)used;
		hs_spec_on_message(s, &m);
		hs_msg_release(&m);
		if (s->sock < 0)
			break;
	}
	return 0;
}

/* A signal for hs: forward it to the shell, once. */
static void on_signal(struct sched *s)
{
	struct signalfd_siginfo si;

	while (read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGPIPE)
			continue;
		/* From the terminal (SI_KERNEL) the whole foreground group, the shell included,
		 * already has it: do not deliver it twice. */
		if (si.ssi_code == SI_KERNEL)
			continue;
		/* Sent by the shell's own children to our pid? Still forward: it was meant for
		 * whatever runs the script. */
		if (s->shell_pidfd >= 0)
			hs_pidfd_send_signal(s->shell_pidfd, (int)si.ssi_signo, NULL, 0);
	}
}

int hs_sched_run(const struct hs_sched_config *cfg, struct hs_error *err)
{
	struct sched s = {0};
	int sv[2] = {-1, -1};
	sigset_t mask, oldmask;
	int status = -1, one = 1;

	s.cfg = cfg;
	s.sock = s.epfd = s.sigfd = s.shell_pidfd = -1;
	if (hs_report_init(&s.report, cfg->log_path, cfg->timeline_path, err) < 0)
		return -1;
	hs_sched_sigset(&mask);
	sigprocmask(SIG_BLOCK, &mask, &oldmask);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		hs_error_errno(err, "socketpair");
		goto out;
	}
	/* The sender's pid comes with each chunk (the shell or one of its subshells). */
	setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
	s.sock = sv[0];
	if ((s.epfd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (s.sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		hs_error_errno(err, "epoll/signalfd");
		goto out;
	}
	if (hs_spec_init(&s, err) < 0)
		goto out;
	s.shell_pid = start_shell(cfg, sv[1], &mask, err);
	close(sv[1]);
	sv[1] = -1;
	if (s.shell_pid < 0)
		goto out;
	s.shell_pidfd = hs_pidfd_open(s.shell_pid, 0);
	if (s.shell_pidfd < 0) {
		/* No pidfd (Linux < 5.3): wait for the shell plainly, speculation off. */
		hs_sched_reply(&s, "");
		close(s.sock);
		s.sock = -1;
		while (waitpid(s.shell_pid, &status, 0) < 0 && errno == EINTR)
			;
		goto out;
	}
	hs_sched_watch(&s, s.sock, HS_TAG_SOCK);
	hs_sched_watch(&s, s.sigfd, HS_TAG_SIGNAL);
	hs_sched_watch(&s, s.shell_pidfd, HS_TAG_SHELL);
	for (;;) {
		struct epoll_event evs[32];
		int n = epoll_wait(s.epfd, evs, HS_ARRAY_SIZE(evs), -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			hs_error_errno(err, "epoll_wait");
			break;
		}
		/* The predicted sequence changes only with the shell's messages and with runs
		 * that end, not with each traced syscall of a run. */
		bool resched = false;
		for (int i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64;

			if (tag < HS_TAG_SPEC)
				resched = true;

			if (tag == HS_TAG_SOCK) {
				if (s.sock >= 0 && on_socket(&s) < 0) {
					hs_sched_unwatch(&s, s.sock);
					close(s.sock);
					s.sock = -1;
				}
			} else if (tag == HS_TAG_SIGNAL) {
				on_signal(&s);
			} else if (tag == HS_TAG_SHELL) {
				/* Messages the shell wrote before it exited still count (their
				 * effects were already decided); read them first. */
				if (waitpid(s.shell_pid, &status, WNOHANG) == s.shell_pid)
					goto out;
			} else {
				resched |= hs_spec_on_event(&s, tag, evs[i].events);
			}
		}
		if (resched)
			hs_spec_schedule(&s);
	}
out:
	hs_spec_cleanup(&s);
	if (s.sigfd >= 0) {
		/* Signals that reached the whole group were the shell's to act on: drop them. */
		struct signalfd_siginfo si;
		while (read(s.sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			;
	}
	if (s.shell_pid > 0 && status == -1) {
		kill(s.shell_pid, SIGKILL);
		while (waitpid(s.shell_pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	hs_report_finish(&s.report, cfg->stats);
	if (sv[1] >= 0)
		close(sv[1]);
	if (s.sock >= 0)
		close(s.sock);
	if (s.epfd >= 0)
		close(s.epfd);
	if (s.sigfd >= 0)
		close(s.sigfd);
	if (s.shell_pidfd >= 0)
		close(s.shell_pidfd);
	free(s.inbuf);
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	return status;
}
