/* Tracee for tests/e2e/trace.sh: `trace_cases CASE` performs one case's syscalls in the
 * current directory (prepared by the test) and exits 0 when every call behaved as expected
 * under the tracer (denied calls denied, allowed ones allowed); messages go to stderr. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

extern char **environ;

static int fails;

#define EXPECT(cond, ...)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "trace_cases: %s:%d: ", __func__, __LINE__);               \
			fprintf(stderr, __VA_ARGS__);                                              \
			fprintf(stderr, " (errno %d %s)\n", errno, strerror(errno));               \
			fails++;                                                                   \
		}                                                                                  \
	} while (0)

static void *t_chdir(void *arg)
{
	(void)arg;
	EXPECT(chdir("sub") == 0, "chdir sub");
	return NULL;
}

static void *t_open_x(void *arg)
{
	int fd = open((const char *)arg, O_RDONLY);
	EXPECT(fd >= 0, "open %s", (const char *)arg);
	close(fd);
	return NULL;
}

static void *t_unshare_chdir(void *arg)
{
	(void)arg;
	EXPECT(unshare(CLONE_FS) == 0, "unshare CLONE_FS");
	EXPECT(chdir("sub") == 0, "chdir sub");
	return NULL;
}

/* T1 chdir("sub"), then T2 open("x"): x resolves in sub (cwd shared by CLONE_FS). */
static void c_threads(void)
{
	pthread_t a, b;
	pthread_create(&a, NULL, t_chdir, NULL);
	pthread_join(a, NULL);
	pthread_create(&b, NULL, t_open_x, "x");
	pthread_join(b, NULL);
}

/* T1 unshare(CLONE_FS) + chdir("sub"); T2 open("y") resolves against the old cwd. */
static void c_unshare(void)
{
	pthread_t a, b;
	pthread_create(&a, NULL, t_unshare_chdir, NULL);
	pthread_join(a, NULL);
	pthread_create(&b, NULL, t_open_x, "y");
	pthread_join(b, NULL);
}

static void c_vfork(void)
{
	char *argv1[] = {"cat", "f", NULL};
	char *argv2[] = {"cat", "g", NULL};
	int st;
	pid_t p = vfork();
	if (p == 0) {
		execve("/bin/cat", argv1, environ);
		_exit(127);
	}
	EXPECT(waitpid(p, &st, 0) == p && st == 0, "vfork+exec cat f");
	EXPECT(posix_spawn(&p, "/bin/cat", NULL, NULL, argv2, environ) == 0, "posix_spawn");
	EXPECT(waitpid(p, &st, 0) == p && st == 0, "posix_spawn cat g");
}

/* The fd follows the inode: after rename d -> e, openat(fd, "f") reads e/f. */
static void c_dirfd(void)
{
	int fd = open("d", O_RDONLY | O_DIRECTORY);
	EXPECT(fd >= 0, "open d");
	EXPECT(rename("d", "e") == 0, "rename d e");
	int f = openat(fd, "f", O_RDONLY);
	EXPECT(f >= 0, "openat f");
}

static void c_fchdir(void)
{
	int fd = open("d", O_RDONLY | O_DIRECTORY);
	EXPECT(fd >= 0 && fchdir(fd) == 0, "fchdir d");
	EXPECT(open("f", O_RDONLY) >= 0, "open f");
}

/* /proc/self/fd/N reopens the object: a read of f; an O_PATH fd reopened O_RDWR: a write. */
static void c_procfd(void)
{
	char p[64];
	int fd = open("f", O_RDONLY);
	EXPECT(fd >= 0, "open f");
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	EXPECT(open(p, O_RDONLY) >= 0, "reopen f");
	int pfd = open("g", O_PATH);
	EXPECT(pfd >= 0, "open g O_PATH");
	snprintf(p, sizeof(p), "/proc/self/fd/%d", pfd);
	EXPECT(open(p, O_RDWR) >= 0, "reopen g O_RDWR");
}

static void c_nofollow(void)
{
	errno = 0;
	EXPECT(open("l1", O_RDONLY | O_NOFOLLOW) < 0 && errno == ELOOP, "O_NOFOLLOW on a link");
	struct stat sb;
	EXPECT(lstat("l2", &sb) == 0 && S_ISLNK(sb.st_mode), "lstat l2");
}

static void c_rename(void)
{
	EXPECT(rename("tmp", "out") == 0, "rename tmp out");
	EXPECT(rename("dir1", "dir2") == 0, "rename dir1 dir2");
	EXPECT(syscall(SYS_renameat2, AT_FDCWD, "x", AT_FDCWD, "y", 2 /* EXCHANGE */) == 0,
	       "exchange");
	errno = 0;
	EXPECT(syscall(SYS_renameat2, AT_FDCWD, "x", AT_FDCWD, "z", 1 /* NOREPLACE */) < 0 &&
		       errno == EEXIST,
	       "noreplace");
}

static void c_link(void)
{
	EXPECT(link("a", "b") == 0, "link a b");
	EXPECT(symlink("a", "s") == 0, "symlink a s");
	EXPECT(unlink("c") == 0, "unlink c");
	EXPECT(mkdir("m", 0755) == 0, "mkdir m");
	EXPECT(rmdir("r") == 0, "rmdir r");
}

static void c_missing(void)
{
	struct stat sb;
	errno = 0;
	EXPECT(stat("nodir/x", &sb) < 0 && errno == ENOENT, "stat nodir/x");
	EXPECT(access("nofile", F_OK) < 0, "access nofile");
}

static void c_excl(void)
{
	EXPECT(open("n", O_CREAT | O_EXCL | O_WRONLY, 0644) >= 0, "O_EXCL new");
	errno = 0;
	EXPECT(open("f", O_CREAT | O_EXCL | O_WRONLY, 0644) < 0 && errno == EEXIST, "O_EXCL f");
	EXPECT(open("ap", O_WRONLY | O_APPEND) >= 0, "append");
	EXPECT(open("rw", O_RDWR) >= 0, "O_RDWR");
}

static void c_truncate(void)
{
	EXPECT(truncate("f", 0) == 0, "truncate f 0");
	EXPECT(truncate("g", 3) == 0, "truncate g 3");
}

static void c_meta(void)
{
	int fd = open("f", O_RDONLY);
	EXPECT(fd >= 0, "open f");
	EXPECT(syscall(SYS_utimensat, fd, NULL, NULL, 0) == 0, "utimensat(fd, NULL)");
	EXPECT(fchmod(fd, 0600) == 0, "fchmod");
	EXPECT(setxattr("g", "user.hs", "1", 1, 0) == 0, "setxattr g");
	char v[8];
	EXPECT(getxattr("h", "user.hs", v, sizeof(v)) >= 0 || errno == ENODATA, "getxattr h");
	int p = open("i", O_PATH);
	struct stat sb;
	EXPECT(fstatat(p, "", &sb, AT_EMPTY_PATH) == 0, "fstatat AT_EMPTY_PATH");
	EXPECT(syscall(452 /* fchmodat2 */, p, "", 0600, AT_EMPTY_PATH) == 0 || errno == ENOSYS ||
		       errno == EOPNOTSUPP,
	       "fchmodat2");
}

static void c_iouring(void)
{
	char params[120] = {0};
	errno = 0;
	EXPECT(syscall(425, 8, params) < 0 && errno == ENOSYS, "io_uring_setup denied");
}

/* i386 open (nr 5) through int $0x80, and an x32 openat: both must be denied. */
static void c_int80(void)
{
	char *s = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
		       -1, 0);
	EXPECT(s != MAP_FAILED, "mmap 32-bit");
	strcpy(s, "f");
	long ret;
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(5), "b"(s), "c"(0), "d"(0) : "memory");
	EXPECT(ret < 0, "i386 open returned %ld", ret);
	long r2 = syscall(0x40000000 | 257, AT_FDCWD, "g", O_RDONLY);
	EXPECT(r2 < 0, "x32 openat returned %ld", r2);
}

static void c_raw(void)
{
	long ret;
	register long r10 __asm__("r10") = 0;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(257L), "D"((long)AT_FDCWD), "S"("f"), "d"((long)O_RDONLY), "r"(r10)
			 : "rcx", "r11", "memory");
	EXPECT(ret >= 0, "raw openat f");
	EXPECT(syscall(SYS_open, "g", O_RDONLY) >= 0, "syscall(SYS_open) g");
}

static void c_net(void)
{
	errno = 0;
	int s = socket(AF_INET, SOCK_STREAM, 0);
	EXPECT(s < 0 && errno == EACCES, "AF_INET socket denied");
	struct addrinfo *ai = NULL;
	int rc = getaddrinfo("example.com", "80", NULL, &ai);
	EXPECT(rc != 0, "DNS lookup failed as it should");
	int sv[2];
	EXPECT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair allowed");
	EXPECT(write(sv[0], "x", 1) == 1, "socketpair works");
}

static void c_dns(void)
{
	struct addrinfo *ai = NULL;
	EXPECT(getaddrinfo("example.com", "80", NULL, &ai) != 0, "DNS lookup denied");
}

static void c_net_allowed(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	EXPECT(s >= 0, "AF_INET socket allowed with --allow-net");
}

/* connect to a socket bound by the tree: allowed; to one bound outside: denied. */
static void c_unix(void)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	strcpy(a.sun_path, "mine.sock");
	EXPECT(bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(l, 1) == 0, "bind mine");
	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	EXPECT(connect(c, (struct sockaddr *)&a, sizeof(a)) == 0, "connect mine");
	int o = socket(AF_UNIX, SOCK_STREAM, 0);
	strcpy(a.sun_path, "outside.sock");
	errno = 0;
	EXPECT(connect(o, (struct sockaddr *)&a, sizeof(a)) < 0 && errno == EACCES,
	       "connect outside denied");
}

/* Bind an abstract name and connect to it: the tree's own name (flagged only when the
 * network namespace is shared with other runs). */
static void c_abstract(void)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int n = snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "hs-test-%d", (int)getpid());
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	EXPECT(bind(l, (struct sockaddr *)&a, len) == 0 && listen(l, 1) == 0, "bind abstract");
	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	EXPECT(connect(c, (struct sockaddr *)&a, len) == 0, "connect to the tree's own name");
}

static void c_list(void)
{
	int fd = open("d", O_RDONLY | O_DIRECTORY);
	char buf[4096];
	EXPECT(fd >= 0 && syscall(SYS_getdents64, fd, buf, sizeof(buf)) > 0, "list d");
}

/* Untraced setup: leave a bound socket file behind. */
static void c_mksock(void)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	strcpy(a.sun_path, "outside.sock");
	EXPECT(bind(l, (struct sockaddr *)&a, sizeof(a)) == 0, "bind outside.sock");
}

/* Newer calls: openat2 RESOLVE_IN_ROOT, faccessat2 with flags, statx(fd, NULL, EMPTY_PATH). */
static void c_newcalls(void)
{
	int d = open("d", O_PATH | O_DIRECTORY);
	EXPECT(d >= 0, "open d");
	struct {
		unsigned long long flags, mode, resolve;
	} how = {O_RDONLY, 0, 0x10 /* RESOLVE_IN_ROOT */};
	EXPECT(syscall(437, d, "/f", &how, sizeof(how)) >= 0, "openat2 IN_ROOT /f");
	EXPECT(syscall(439, AT_FDCWD, "g", R_OK, AT_SYMLINK_NOFOLLOW) == 0, "faccessat2 g");
	int h = open("h", O_RDONLY);
	char buf[512];
	EXPECT(h >= 0 && (syscall(SYS_statx, h, NULL, AT_EMPTY_PATH, 0x7ff, buf) == 0 ||
			  syscall(SYS_statx, h, "", AT_EMPTY_PATH, 0x7ff, buf) == 0),
	       "statx(fd, NULL)");
}

/* The cwd removed under us: relative lookups fail, the tracer must not trip over it. */
static void c_rmcwd(void)
{
	EXPECT(mkdir("gone", 0755) == 0 && chdir("gone") == 0, "mkdir+chdir gone");
	EXPECT(rmdir("../gone") == 0, "rmdir ../gone");
	errno = 0;
	EXPECT(open("x", O_CREAT | O_WRONLY, 0644) < 0 && errno == ENOENT, "create in deleted cwd");
	char buf[256];
	EXPECT(getcwd(buf, sizeof(buf)) == NULL, "getcwd of a deleted cwd");
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* Trapped syscalls interrupted by a signal (SA_RESTART) over and over: no hang. */
static void c_signals(void)
{
	struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = SA_RESTART};
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = {{0, 200}, {0, 200}};
	setitimer(ITIMER_REAL, &it, NULL);
	struct stat sb;
	for (int i = 0; i < 3000; i++)
		EXPECT(stat("f", &sb) == 0, "stat f");
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &off, NULL);
}

static void c_unknown(void)
{
	errno = 0;
	EXPECT(syscall(500) < 0 && errno == ENOSYS, "syscall 500");
}

/* A path ending exactly at a page boundary before an unmapped page, and a long path. */
static void c_pathpage(void)
{
	char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT(m != MAP_FAILED && munmap(m + 4096, 4096) == 0, "mmap");
	strcpy(m + 4096 - 2, "f");
	EXPECT(open(m + 4096 - 2, O_RDONLY) >= 0, "open at page end");
	char longp[4000];
	memset(longp, 0, sizeof(longp));
	for (size_t i = 0; i + 3 < 3990; i += 2)
		memcpy(longp + i, "./", 2);
	strcat(longp, "g");
	EXPECT(open(longp, O_RDONLY) >= 0, "open long path");
}

static const struct {
	const char *name;
	void (*fn)(void);
} cases[] = {
	{"threads", c_threads}, {"unshare", c_unshare}, {"vfork", c_vfork},
	{"dirfd", c_dirfd},	{"fchdir", c_fchdir},	{"procfd", c_procfd},
	{"nofollow", c_nofollow}, {"rename", c_rename}, {"link", c_link},
	{"missing", c_missing}, {"excl", c_excl},	{"truncate", c_truncate},
	{"meta", c_meta},	{"iouring", c_iouring}, {"int80", c_int80},
	{"raw", c_raw},		{"net", c_net},		{"net_allowed", c_net_allowed},
	{"unix", c_unix},	{"abstract", c_abstract},	{"rmcwd", c_rmcwd},	{"signals", c_signals},	{"newcalls", c_newcalls},	{"dns", c_dns},	{"list", c_list},	{"mksock", c_mksock},	{"unknown", c_unknown}, {"pathpage", c_pathpage},
};

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: trace_cases CASE\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (strcmp(argv[1], cases[i].name) == 0) {
			cases[i].fn();
			return fails ? 1 : 0;
		}
	fprintf(stderr, "trace_cases: unknown case %s\n", argv[1]);
	return 2;
}
