/* rt_double: a test double of the scheduler side of the runtime protocol
 * (docs/runtime-protocol.md, v3).
 *
 *   rt_double [-l LOG] [-r N=REPLY]... [-c COUNT] [-n] -- SHELL ARGS...
 *
 * Starts SHELL ARGS with a socketpair end on fd 9 and HS_RUNTIME=9, reads its messages, logs
 * each as one line to LOG (fields joined by '|'; the export -p field is logged as its byte
 * count, umask as is), and answers every "node" message: with the reply given by -r for that
 * node id (e.g. -r '3=done 4', -r '5=done 0 /tmp/f' or -r '6=run 6'), else "run"; "ran"
 * messages are logged as "ran|N". -c COUNT closes the socket after COUNT node messages (to
 * test that the runtime switches itself off). -n starts
 * the shell with no fd 9 at all (HS_RUNTIME=9 still set). Exits with the shell's status
 * (128+signo when killed). Protocol violations go to stderr and give status 99. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_REPLIES 1024

static struct {
	long id;
	const char *reply;
} replies[MAX_REPLIES];
static int n_replies;

static char *buf;
static size_t buf_len, buf_cap, buf_pos;
static FILE *logf;

static void die(const char *msg)
{
	fprintf(stderr, "rt_double: %s\n", msg);
	exit(99);
}

/* Next NUL-terminated field at buf_pos, or NULL when the buffer has no complete one. */
static const char *field(size_t *pos)
{
	char *nul = memchr(buf + *pos, '\0', buf_len - *pos);
	if (!nul)
		return NULL;
	const char *f = buf + *pos;
	*pos = (size_t)(nul - buf) + 1;
	return f;
}

static const char *reply_for(long id)
{
	for (int i = 0; i < n_replies; i++)
		if (replies[i].id == id)
			return replies[i].reply;
	return "run";
}

/* Try to parse one complete message from buf; returns 1 and logs it (and replies) if one was
 * complete, 0 if more bytes are needed. */
static int one_message(int sock, int *nodes_seen, int close_after)
{
	size_t pos = buf_pos;
	const char *f[8];
	const char *kind = field(&pos);
	if (!kind)
		return 0;
	if (strcmp(kind, "hello") == 0) {
		if (!(f[0] = field(&pos)) || !(f[1] = field(&pos)))
			return 0;
		fprintf(logf, "hello|%s|pid\n", f[0]);
	} else if (strcmp(kind, "for") == 0 || strcmp(kind, "iter") == 0) {
		if (!(f[0] = field(&pos)) || !(f[1] = field(&pos)))
			return 0;
		long n = kind[0] == 'f' ? strtol(f[1], NULL, 10) : 0;
		size_t start = pos;
		for (long i = 0; i < n; i++)
			if (!field(&pos))
				return 0;
		fprintf(logf, "%s|%s|%s", kind, f[0], f[1]);
		for (long i = 0; i < n; i++)
			fprintf(logf, "|%s", field(&start));
		fputc('\n', logf);
	} else if (strcmp(kind, "ran") == 0) {
		if (!(f[0] = field(&pos)))
			return 0;
		fprintf(logf, "ran|%s\n", f[0]);
	} else if (strcmp(kind, "node") == 0) {
		for (int i = 0; i < 6; i++)
			if (!(f[i] = field(&pos)))
				return 0;
		long k = strtol(f[4], NULL, 10), npos = strtol(f[5], NULL, 10);
		if (k < 0 || npos < 0)
			die("bad K or NPOS");
		size_t start = pos;
		for (long i = 0; i < 2 * k + npos + 2; i++)
			if (!field(&pos))
				return 0;
		/* node|N|STATUS|PWD|OPTS|K|NPOS|set=val...|pos...|exports=BYTES|umask */
		fprintf(logf, "node|%s|%s|%s|%s|%s|%s", f[0], f[1], f[2], f[3], f[4], f[5]);
		for (long i = 0; i < k; i++) {
			const char *set = field(&start), *val = field(&start);
			fprintf(logf, "|%s=%s", set[0] ? "set" : "unset", val);
		}
		for (long i = 0; i < npos; i++)
			fprintf(logf, "|%s", field(&start));
		const char *exports = field(&start), *umask_s = field(&start);
		if (strncmp(exports, "export ", 7) != 0 && strncmp(exports, "declare -x ", 11) != 0 &&
		    exports[0])
			die("exports field does not look like export -p");
		fprintf(logf, "|exports=%s|umask=%.*s\n", exports[0] ? "yes" : "none",
			(int)strcspn(umask_s, "\n"), umask_s);
		fflush(logf);
		(*nodes_seen)++;
		if (close_after >= 0 && *nodes_seen >= close_after) {
			buf_pos = pos;
			return -1;
		}
		char line[512];
		int len = snprintf(line, sizeof(line), "%s\n", reply_for(strtol(f[0], NULL, 10)));
		if (write(sock, line, (size_t)len) != len)
			die("write reply");
	} else {
		die("unknown message kind");
	}
	fflush(logf);
	buf_pos = pos;
	return 1;
}

int main(int argc, char **argv)
{
	const char *log_path = "/dev/null";
	int close_after = -1, no_fd = 0, opt;
	while ((opt = getopt(argc, argv, "+l:r:c:n")) != -1) {
		switch (opt) {
		case 'l':
			log_path = optarg;
			break;
		case 'r': {
			char *eq = strchr(optarg, '=');
			if (!eq || n_replies == MAX_REPLIES)
				die("bad -r");
			replies[n_replies].id = strtol(optarg, NULL, 10);
			replies[n_replies++].reply = eq + 1;
			break;
		}
		case 'c':
			close_after = atoi(optarg);
			break;
		case 'n':
			no_fd = 1;
			break;
		default:
			die("usage: rt_double [-l LOG] [-r N=REPLY]... [-c COUNT] [-n] -- SHELL ARGS");
		}
	}
	if (optind >= argc)
		die("no shell given");
	logf = fopen(log_path, "we");
	if (!logf)
		die("cannot open log");

	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		die("socketpair");
	signal(SIGPIPE, SIG_IGN);
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		if (!no_fd && dup2(sv[1], 9) < 0)
			_exit(127);
		setenv("HS_RUNTIME", "9", 1);
		execvp(argv[optind], argv + optind);
		_exit(127);
	}
	close(sv[1]);
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		die("pidfd_open");

	int sock = sv[0], nodes_seen = 0, exited = 0;
	while (!exited) {
		struct pollfd p[2] = {{pidfd, POLLIN, 0}, {sock, POLLIN, 0}};
		if (poll(p, sock >= 0 ? 2 : 1, -1) < 0 && errno != EINTR)
			die("poll");
		/* Drain the socket before acting on the exit, so no message is lost. */
		if (sock >= 0 && (p[1].revents & (POLLIN | POLLHUP))) {
			if (buf_cap - buf_len < 65536) {
				buf_cap = buf_cap * 2 + 65536;
				buf = realloc(buf, buf_cap);
				if (!buf)
					die("oom");
			}
			ssize_t n = read(sock, buf + buf_len, buf_cap - buf_len);
			if (n < 0 && errno != EINTR)
				die("read");
			if (n == 0) {
				close(sock);
				sock = -1;
			}
			if (n > 0)
				buf_len += (size_t)n;
			int r;
			while (sock >= 0 && (r = one_message(sock, &nodes_seen, close_after)) != 0) {
				if (r < 0) {
					fprintf(logf, "closed\n");
					fflush(logf);
					close(sock);
					sock = -1;
				}
			}
			continue;
		}
		if (p[0].revents & POLLIN)
			exited = 1;
	}
	if (sock >= 0 && buf_pos != buf_len)
		die("incomplete message at exit");
	int status;
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid");
	fclose(logf);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
