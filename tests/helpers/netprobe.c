/* netprobe: a tiny TCP server and client on 127.0.0.1 for the engine scenario that tries the
 * network (a command that talks to a real server must really run, never speculated).
 *
 *   netprobe serve PORTFILE N   listen on an ephemeral loopback port, write the port number to
 *                               PORTFILE (atomically), accept N connections; to each send
 *                               "hello N\n", then print what the client sent, one line each.
 *   netprobe connect PORTFILE   wait (up to 5 s) for PORTFILE, connect, send "ping\n", print
 *                               the server's line. Exit 0, or 1 with a message on failure.
 *   netprobe hold NAME MS       bind the abstract AF_UNIX name @NAME, hold it MS milliseconds;
 *                               print "held" or "busy: ERROR" (the name in use elsewhere in
 *                               the network namespace).
 * The port number is never printed, so outputs are the same from run to run. */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int read_line(int fd, char *buf, size_t size)
{
	size_t n = 0;
	while (n + 1 < size) {
		ssize_t r = read(fd, buf + n, 1);
		if (r <= 0)
			break;
		if (buf[n++] == '\n')
			break;
	}
	buf[n] = 0;
	return (int)n;
}

static int serve(const char *portfile, int count)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 8) < 0 ||
	    getsockname(s, (struct sockaddr *)&a, &len) < 0) {
		fprintf(stderr, "netprobe: serve: %s\n", strerror(errno));
		return 1;
	}
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", portfile);
	FILE *f = fopen(tmp, "w");
	if (!f || fprintf(f, "%d\n", ntohs(a.sin_port)) < 0 || fclose(f) != 0 ||
	    rename(tmp, portfile) < 0) {
		fprintf(stderr, "netprobe: %s: %s\n", portfile, strerror(errno));
		return 1;
	}
	for (int i = 1; i <= count; i++) {
		int c = accept(s, NULL, NULL);
		if (c < 0) {
			fprintf(stderr, "netprobe: accept: %s\n", strerror(errno));
			return 1;
		}
		char msg[64], line[256];
		int m = snprintf(msg, sizeof(msg), "hello %d\n", i);
		if (write(c, msg, (size_t)m) != m)
			return 1;
		read_line(c, line, sizeof(line));
		printf("client said: %s", line);
		fflush(stdout);
		close(c);
	}
	return 0;
}

static int connect_to(const char *portfile)
{
	int port = 0;
	for (int tries = 0; tries < 500; tries++) {
		FILE *f = fopen(portfile, "r");
		if (f) {
			if (fscanf(f, "%d", &port) != 1)
				port = 0;
			fclose(f);
			if (port > 0)
				break;
		}
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	if (port <= 0) {
		fprintf(stderr, "netprobe: no port in %s\n", portfile);
		return 1;
	}
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		fprintf(stderr, "netprobe: connect: %s\n", strerror(errno));
		return 1;
	}
	char line[256];
	if (write(s, "ping\n", 5) != 5)
		return 1;
	read_line(s, line, sizeof(line));
	printf("server said: %s", line);
	close(s);
	return 0;
}

static int hold(const char *name, int ms)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	size_t n = strnlen(name, sizeof(a.sun_path) - 2);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);

	memcpy(a.sun_path + 1, name, n);
	if (s < 0 || bind(s, (struct sockaddr *)&a,
			  (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)) < 0) {
		printf("busy: %s\n", strerror(errno));
		return 1;
	}
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
	printf("held\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "hold") == 0)
		return hold(argv[2], atoi(argv[3]));
	if (argc == 4 && strcmp(argv[1], "serve") == 0)
		return serve(argv[2], atoi(argv[3]));
	if (argc == 3 && strcmp(argv[1], "connect") == 0)
		return connect_to(argv[2]);
	fprintf(stderr, "usage: netprobe serve PORTFILE N | netprobe connect PORTFILE | "
			"netprobe hold NAME MS\n");
	return 2;
}
