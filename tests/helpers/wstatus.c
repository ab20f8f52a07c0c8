/* wstatus [-k SIGNAL -t MS] CMD [ARGS...]: runs CMD in its own process group and prints how it
 * ended ("exited N" or "killed by signal N") on stdout. With -k, sends SIGNAL to CMD's whole
 * process group after MS milliseconds (as a terminal's Ctrl-C would). Used to compare hs with
 * dash where a shell's "$?" cannot tell "killed by SIGTERM" from "exit 143". */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int sig = 0, ms = 0, i = 1;
	while (i + 1 < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "-k") == 0)
			sig = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "-t") == 0)
			ms = atoi(argv[i + 1]);
		else
			break;
		i += 2;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: wstatus [-k SIGNAL -t MS] CMD [ARGS...]\n");
		return 2;
	}
	pid_t pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		setpgid(0, 0);
		execvp(argv[i], argv + i);
		perror(argv[i]);
		_exit(127);
	}
	setpgid(pid, pid);
	if (sig) {
		struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
		nanosleep(&ts, NULL);
		kill(-pid, sig);
	}
	int st;
	if (waitpid(pid, &st, 0) < 0)
		return 2;
	if (WIFSIGNALED(st))
		printf("killed by signal %d\n", WTERMSIG(st));
	else
		printf("exited %d\n", WEXITSTATUS(st));
	return 0;
}
