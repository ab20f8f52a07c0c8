/* sandbox/: the mount plan (pure, from mountinfo fixtures) and the library API against the
 * real kernel (status, signals, fds, hook, priority, layers, reopen, errors, user ns mode). */
#include "hs_check.h"
#include "engine/commit/commit.h"
#include "lib/util.h"
#include "sandbox/sandbox-internal.h"
#include "sandbox/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

static char state_dir[] = "/var/tmp/hs-test-sandbox.XXXXXX";

static void setup_state(void)
{
	mkdir("/var/tmp", 01777);
	strcpy(state_dir, "/var/tmp/hs-test-sandbox.XXXXXX"); /* CK_FORK=no runs all in one */
	ck_assert_ptr_nonnull(mkdtemp(state_dir));
	setenv("HS_STATE_DIR", state_dir, 1);
}

static void teardown_state(void)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state_dir);
	if (system(cmd) != 0) {
		/* best effort */
	}
}

/* Write a mountinfo fixture and plan it. */
static size_t plan_fixture(const char *text, bool userns, struct sb_step **steps)
{
	char path[] = "/tmp/hs-mountinfo.XXXXXX";
	struct hs_error err = HS_ERROR_INIT;
	int fd = mkstemp(path);
	size_t n = 0;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(hs_write_full(fd, text, strlen(text)), 0);
	close(fd);
	ck_assert_msg(sb_plan(path, userns, steps, &n, &err) == 0, "%s", err.msg);
	unlink(path);
	return n;
}

static const char *kind(enum sb_step_kind k)
{
	return k == SB_OVERLAY ? "overlay"
	       : k == SB_SKEL  ? "skel"
	       : k == SB_BIND  ? "bind"
			       : "rbind";
}

static char *describe(struct sb_step *s, size_t n)
{
	static char buf[4096];
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		strncat(buf, kind(s[i].kind), sizeof(buf) - strlen(buf) - 1);
		strncat(buf, " ", sizeof(buf) - strlen(buf) - 1);
		strncat(buf, s[i].target, sizeof(buf) - strlen(buf) - 1);
		strncat(buf, ";", sizeof(buf) - strlen(buf) - 1);
	}
	return buf;
}

/* Root mode: every writable real mount is overlaid in mount order, read-only and pseudo
 * mounts are bound, /proc /sys /dev are left to the fixed setup, a mount stacked on the same
 * mount point hides the one below, and a later mount over a parent path hides earlier ones. */
START_TEST(plan_root_mode_covers_mounts_in_order)
{
	static const char mi[] = "22 27 0:21 / /proc rw,relatime - proc proc rw\n"
				 "23 27 0:22 / /sys rw,relatime - sysfs sysfs rw\n"
				 "24 27 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw\n"
				 "25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw\n"
				 "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
				 "30 27 254:1 / /home rw,relatime - ext4 /dev/vdb rw\n"
				 "31 30 0:40 / /home/u/mnt\\040x rw - tmpfs tmpfs rw\n"
				 "32 27 254:2 / /srv ro,relatime - ext4 /dev/vdc ro\n"
				 "33 32 0:41 / /srv/scratch rw - tmpfs tmpfs rw\n"
				 "34 27 0:42 / /data rw - tmpfs tmpfs rw\n"
				 "35 34 0:43 / /data rw - xfs /dev/vdd rw\n"
				 "36 27 0:44 / /a/b rw - tmpfs tmpfs rw\n"
				 "37 27 0:45 / /a rw - tmpfs tmpfs rw\n"
				 "38 27 0:46 / /run/user/0/gvfs rw - fuse.gvfsd-fuse gvfs rw\n";
	struct sb_step *s = NULL;
	size_t n = plan_fixture(mi, false, &s);

	ck_assert_str_eq(describe(s, n), "overlay /;overlay /home;overlay /home/u/mnt x;bind /srv;"
					 "overlay /srv/scratch;overlay /data;overlay /a;"
					 "rbind /run/user/0/gvfs;");
	sb_steps_free(s, n);
}
END_TEST

/* User ns mode: a dir holding sub-mounts cannot be an overlay lower (locked mounts), so it
 * gets a skeleton and its other subdirs are overlaid one by one. */
START_TEST(plan_userns_mode_skeletons_dirs_with_submounts)
{
	static const char mi[] = "22 27 0:21 / /proc rw,relatime - proc proc rw\n"
				 "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
				 "30 27 0:40 / /usr/share rw - tmpfs tmpfs rw\n";
	struct sb_step *s = NULL;
	size_t n = plan_fixture(mi, true, &s);
	char *d = describe(s, n);

	ck_assert_msg(strncmp(d, "skel /;", 7) == 0, "%s", d);
	ck_assert_msg(strstr(d, "skel /usr;"), "%s", d);
	ck_assert_msg(strstr(d, "overlay /usr/bin;"), "%s", d);
	ck_assert_msg(strstr(d, "overlay /etc;"), "%s", d);
	ck_assert_msg(strstr(d, "overlay /usr/share;"), "%s", d);
	ck_assert_msg(!strstr(d, "/proc"), "%s", d);
	sb_steps_free(s, n);
}
END_TEST

/* Can this test build sandboxes here? Root always; otherwise user namespaces. */
static int can_sandbox(void)
{
	if (geteuid() == 0)
		return 1;
	pid_t p = fork();
	if (p == 0)
		_exit(unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0 ? 0 : 1);
	int st;
	waitpid(p, &st, 0);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

#define NEED_SANDBOX()                                                                             \
	do {                                                                                       \
		if (!can_sandbox())                                                                \
			HS_SKIP("neither root nor unprivileged user namespaces");                  \
	} while (0)

/* The network namespace runs with HS_SANDBOX_SHARED_NET join. */
static int shared_netns = -1;

/* Run sh -c script in a new sandbox; stdout captured into out (if not NULL). */
static int run_sh(struct hs_sandbox *sb, const char *script, char *out, size_t outlen,
		  unsigned flags)
{
	struct hs_error err = HS_ERROR_INIT;
	struct hs_sandbox_cmd cmd = HS_SANDBOX_CMD_INIT;
	char *argv[] = {"sh", "-c", (char *)script, NULL};
	int p[2], st;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	cmd.argv = argv;
	cmd.fds[1] = p[1];
	cmd.flags = flags;
	cmd.netns_fd = shared_netns;
	st = hs_sandbox_run(sb, &cmd, &err);
	close(p[1]);
	ck_assert_msg(st >= 0, "%s", err.msg);
	ssize_t n = hs_read_full(p[0], out ? out : (char[256]){0}, out ? outlen - 1 : 255);
	close(p[0]);
	if (out)
		out[n > 0 ? n : 0] = '\0';
	return st;
}

static struct hs_sandbox *new_sb(unsigned flags)
{
	struct hs_error err = HS_ERROR_INIT;
	struct hs_sandbox_options o = {.flags = flags};
	struct hs_sandbox *sb = hs_sandbox_new(&o, &err);
	ck_assert_msg(sb != NULL, "%s", err.msg);
	return sb;
}

START_TEST(run_returns_exit_status_and_signals)
{
	NEED_SANDBOX();
	struct hs_sandbox *sb = new_sb(0);
	ck_assert_int_eq(run_sh(sb, "exit 3", NULL, 0, 0), 3);
	ck_assert_int_eq(run_sh(sb, "kill -TERM $$", NULL, 0, 0), 143);
	ck_assert_int_eq(run_sh(sb, "kill -SEGV $$", NULL, 0, 0), 139);
	ck_assert_int_eq(hs_sandbox_destroy(sb, NULL), 0);
}
END_TEST

/* The pid is the sandbox's init: a signal to it reaches the command; SIGKILL ends all. */
START_TEST(signals_to_init_are_forwarded)
{
	NEED_SANDBOX();
	struct hs_error err = HS_ERROR_INIT;
	struct hs_sandbox *sb = new_sb(0);
	struct hs_sandbox_cmd cmd = HS_SANDBOX_CMD_INIT;
	char *argv[] = {"sleep", "30", NULL};
	pid_t pid;
	int fd;

	cmd.argv = argv;
	ck_assert_msg(hs_sandbox_spawn(sb, &cmd, &pid, &fd, &err) == 0, "%s", err.msg);
	/* waitfd is for poll/epoll: not readable while the command runs, readable after. */
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	ck_assert_int_eq(poll(&pfd, 1, 50), 0);
	kill(pid, SIGINT);
	ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
	ck_assert_int_eq(hs_sandbox_wait(pid, fd, &err), 130);
	argv[0] = "sh";
	argv[1] = "-c";
	argv[2] = NULL;
	char *argv2[] = {"sh", "-c", "sleep 30 & sleep 30", NULL};
	cmd.argv = argv2;
	ck_assert_msg(hs_sandbox_spawn(sb, &cmd, &pid, &fd, &err) == 0, "%s", err.msg);
	usleep(50000);
	kill(pid, SIGKILL);
	ck_assert_int_eq(hs_sandbox_wait(pid, fd, &err), 137);
	hs_sandbox_destroy(sb, NULL);
}
END_TEST

/* A background process cannot outlive its run: the output pipe sees EOF right away. */
START_TEST(nothing_outlives_the_run)
{
	NEED_SANDBOX();
	struct hs_sandbox *sb = new_sb(0);
	char out[64];
	time_t t0 = time(NULL);
	ck_assert_int_eq(run_sh(sb, "sleep 20 & echo bg", out, sizeof(out), 0), 0);
	ck_assert_str_eq(out, "bg\n");
	ck_assert_int_lt(time(NULL) - t0, 10);
	hs_sandbox_destroy(sb, NULL);
}
END_TEST

static int hook_fd = -1;
static int hook(void *arg)
{
	return hs_write_full(hook_fd, arg, strlen(arg));
}
static int failing_hook(void *arg)
{
	(void)arg;
	return -1;
}

/* fds 0-2 go where asked, extra fds stay open at their numbers, others are closed, the
 * hook runs in the command's process, cwd and env are as given. */
START_TEST(fds_cwd_env_and_hook)
{
	NEED_SANDBOX();
	struct hs_error err = HS_ERROR_INIT;
	struct hs_sandbox *sb = new_sb(0);
	struct hs_sandbox_cmd cmd = HS_SANDBOX_CMD_INIT;
	char *argv[] = {
	    "sh", "-c",
	    "read x; echo \"$x:$HS_T:$(pwd)\"; echo err >&2; echo extra >/proc/self/fd/50; "
	    "if test -e /proc/self/fd/51; then echo LEAK; fi",
	    NULL};
	char *envp[] = {"HS_T=v", "PATH=/usr/bin:/bin", NULL};
	int in[2], out[2], errp[2], extra[2], leak, hk[2];
	char buf[256];

	ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(errp, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(extra, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(hk, O_CLOEXEC), 0);
	ck_assert_int_eq(dup2(extra[1], 50), 50);
	leak = dup2(in[0], 51); /* not in keep_fds: must not reach the command */
	ck_assert_int_eq(leak, 51);
	hook_fd = hk[1];
	cmd.argv = argv;
	cmd.envp = envp;
	cmd.cwd = "/usr";
	cmd.fds[0] = in[0];
	cmd.fds[1] = out[1];
	cmd.fds[2] = errp[1];
	cmd.keep_fds = (int[]){50};
	cmd.n_keep_fds = 1;
	cmd.pre_exec = hook;
	cmd.pre_exec_arg = "hooked";
	ck_assert_int_eq(hs_write_full(in[1], "input\n", 6), 0);
	close(in[1]);
	int st = hs_sandbox_run(sb, &cmd, &err);
	ck_assert_msg(st == 0, "status %d %s", st, err.msg);
	close(out[1]);
	close(errp[1]);
	close(extra[1]);
	close(50);
	close(hk[1]);
	ssize_t n = hs_read_full(out[0], buf, sizeof(buf) - 1);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "input:v:/usr\n");
	n = hs_read_full(errp[0], buf, sizeof(buf) - 1);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "err\n");
	n = hs_read_full(extra[0], buf, sizeof(buf) - 1);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "extra\n");
	n = hs_read_full(hk[0], buf, sizeof(buf) - 1);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "hooked");

	/* cwd NULL: the caller's. */
	char *pwd[] = {"sh", "-c", "pwd", NULL};
	int o2[2];
	ck_assert_int_eq(pipe2(o2, O_CLOEXEC), 0);
	cmd.argv = pwd;
	cmd.cwd = NULL;
	cmd.pre_exec = NULL;
	cmd.fds[0] = cmd.fds[2] = -1;
	cmd.fds[1] = o2[1];
	cmd.n_keep_fds = 0;
	ck_assert_int_eq(chdir("/etc"), 0);
	ck_assert_int_eq(hs_sandbox_run(sb, &cmd, &err), 0);
	close(o2[1]);
	n = hs_read_full(o2[0], buf, sizeof(buf) - 1);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "/etc\n");
	close(o2[0]);
	cmd.argv = argv;

	cmd.pre_exec = failing_hook;
	cmd.fds[0] = cmd.fds[1] = cmd.fds[2] = open("/dev/null", O_RDWR | O_CLOEXEC);
	ck_assert_int_eq(hs_sandbox_run(sb, &cmd, &err), 125);
	hs_sandbox_destroy(sb, NULL);
}
END_TEST

static int set_nnp(void *arg)
{
	(void)arg;
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

/* What the hook sets up (the tracer: a seccomp filter) holds in the executed command. */
START_TEST(hook_effects_reach_the_command)
{
	NEED_SANDBOX();
	struct hs_error err = HS_ERROR_INIT;
	struct hs_sandbox *sb = new_sb(0);
	struct hs_sandbox_cmd cmd = HS_SANDBOX_CMD_INIT;
	char *argv[] = {"grep", "-c", "^NoNewPrivs:.*1", "/proc/self/status", NULL};
	int p[2];
	char out[32];

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	cmd.argv = argv;
	cmd.fds[1] = p[1];
	cmd.pre_exec = set_nnp;
	ck_assert_int_eq(hs_sandbox_run(sb, &cmd, &err), 0);
	close(p[1]);
	ssize_t n = hs_read_full(p[0], out, sizeof(out) - 1);
	out[n > 0 ? n : 0] = '\0';
	ck_assert_str_eq(out, "1\n");
	close(p[0]);
	hs_sandbox_destroy(sb, NULL);
}
END_TEST

START_TEST(idle_priority)
{
	NEED_SANDBOX();
	struct hs_sandbox *sb = new_sb(0);
	char out[64];
	/* /proc/PID/stat field 19 is nice, 41 the policy (5 = SCHED_IDLE). */
	run_sh(sb, "cut -d' ' -f19,41 /proc/self/stat; cat /proc/self/oom_score_adj", out,
	       sizeof(out), HS_SANDBOX_IDLE);
	ck_assert_str_eq(out, "19 5\n1000\n");
	run_sh(sb, "cut -d' ' -f41 /proc/self/stat", out, sizeof(out), 0);
	ck_assert_str_eq(out, "0\n");
	hs_sandbox_destroy(sb, NULL);
}
END_TEST

/* Changes land in the upper dir of the "/" layer, not in the live tree; reopen finds the
 * same layers; destroy removes the dir. */
static void check_layers(unsigned flags)
{
	struct hs_error err = HS_ERROR_INIT;
	struct hs_sandbox *sb = new_sb(flags), *again;
	const struct hs_commit_layer *l, *l2;
	char live[256], up[512], dir[512];
	struct stat st;
	size_t n;

	snprintf(live, sizeof(live), "%s/victim", state_dir);
	/* The state dir is hidden inside: write next to it instead. */
	snprintf(live, sizeof(live), "/var/tmp/hs-test-layer.%d", (int)getpid());
	char script[600];
	snprintf(
	    script, sizeof(script),
	    "echo new > %s && mkdir -p /var/tmp/hs-test-od.%d && rm -rf /var/tmp/hs-test-od.%d "
	    "&& mkdir /var/tmp/hs-test-od.%d",
	    live, (int)getpid(), (int)getpid(), (int)getpid());
	char od[256];
	snprintf(od, sizeof(od), "/var/tmp/hs-test-od.%d", (int)getpid());
	mkdir(od, 0755);
	int fd = open("/var/tmp/hs-test-od.keep", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	close(fd);
	char odf[300];
	snprintf(odf, sizeof(odf), "%s/old", od);
	fd = open(odf, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	close(fd);

	ck_assert_int_eq(run_sh(sb, script, NULL, 0, 0), 0);
	ck_assert_int_ne(stat(live, &st), 0);
	ck_assert_int_eq(stat(odf, &st), 0);
	n = hs_sandbox_layers(sb, &l);
	ck_assert_uint_ge(n, 1);
	ck_assert_str_eq(l[0].target, "/");
	snprintf(up, sizeof(up), "%s%s", l[0].upper, live);
	for (size_t i = 0; i < n; i++) /* user ns mode: /var may be a layer of its own */
		if (strcmp(l[i].target, "/var") == 0 || strcmp(l[i].target, "/var/tmp") == 0)
			snprintf(up, sizeof(up), "%s%s", l[i].upper, live + strlen(l[i].target));
	ck_assert_msg(stat(up, &st) == 0, "no %s", up);

	/* rm -rf d; mkdir d: an opaque dir, marked with the right xattr namespace. */
	char opq[600], val[8];
	snprintf(opq, sizeof(opq), "%.*s/hs-test-od.%d", (int)(strrchr(up, '/') - up), up,
		 (int)getpid());
	const char *xname = (flags & HS_SANDBOX_USERNS) || geteuid() != 0
				? "user.overlay.opaque"
				: "trusted.overlay.opaque";
	ssize_t vl = getxattr(opq, xname, val, sizeof(val));
	ck_assert_msg(vl == 1 && val[0] == 'y', "%s on %s", xname, opq);

	snprintf(dir, sizeof(dir), "%s", hs_sandbox_dir(sb));
	again = hs_sandbox_open(dir, &err);
	ck_assert_msg(again != NULL, "%s", err.msg);
	ck_assert_uint_eq(hs_sandbox_layers(again, &l2), n);
	ck_assert_str_eq(l2[0].upper, l[0].upper);
	hs_sandbox_free(again);
	ck_assert_int_eq(hs_sandbox_destroy(sb, &err), 0);
	ck_assert_int_ne(stat(dir, &st), 0);
	unlink(odf);
	rmdir(od);
	unlink("/var/tmp/hs-test-od.keep");
}

START_TEST(layers_capture_changes_root_mode)
{
	NEED_SANDBOX();
	if (geteuid() != 0)
		HS_SKIP("root mode needs root");
	check_layers(0);
}
END_TEST

START_TEST(layers_capture_changes_userns_mode)
{
	NEED_SANDBOX();
	check_layers(HS_SANDBOX_USERNS);
}
END_TEST

START_TEST(open_rejects_what_is_not_a_sandbox)
{
	struct hs_error err = HS_ERROR_INIT;
	char d[512];

	ck_assert_ptr_null(hs_sandbox_open("/nonexistent/hs", &err));
	ck_assert_int_eq(err.code, ENOENT);
	ck_assert_ptr_null(hs_sandbox_open("/etc/passwd", &err));
	ck_assert_int_eq(err.code, ENOTDIR);
	snprintf(d, sizeof(d), "%s/plain", state_dir);
	ck_assert_int_eq(mkdir(d, 0700), 0);
	ck_assert_ptr_null(hs_sandbox_open(d, &err));
	ck_assert_msg(strstr(err.msg, "not a sandbox"), "%s", err.msg);
	ck_assert(!hs_sandbox_is_sandbox(d));
}
END_TEST

START_TEST(setup_errors_name_the_step)
{
	NEED_SANDBOX();
	struct hs_error err = HS_ERROR_INIT;
	struct hs_sandbox *sb = new_sb(0);
	struct hs_sandbox_cmd cmd = HS_SANDBOX_CMD_INIT;
	char *argv[] = {"true", NULL};
	char *empty[] = {NULL};

	cmd.argv = argv;
	cmd.cwd = "/nonexistent-hs-cwd";
	ck_assert_int_eq(hs_sandbox_run(sb, &cmd, &err), -1);
	ck_assert_msg(strstr(err.msg, "/nonexistent-hs-cwd"), "%s", err.msg);
	cmd.cwd = NULL;
	cmd.argv = empty;
	ck_assert_int_eq(hs_sandbox_run(sb, &cmd, &err), -1);
	ck_assert_msg(strstr(err.msg, "no command"), "%s", err.msg);
	hs_sandbox_destroy(sb, NULL);
}
END_TEST

/* The root is entered (pivot_root), not just covered: a write to / stays inside. */
START_TEST(root_is_entered_not_covered)
{
	NEED_SANDBOX();
	struct hs_sandbox *sb = new_sb(0);
	char script[512], path[128], out[64];
	struct stat st;

	snprintf(path, sizeof(path), "/hs-root-test.%d", (int)getpid());
	snprintf(script, sizeof(script), "echo x > %s 2>/dev/null; test -e %s && echo in", path,
		 path);
	run_sh(sb, script, out, sizeof(out), 0);
	if (geteuid() == 0)
		ck_assert_str_eq(out, "in\n");
	ck_assert_int_ne(stat(path, &st), 0);
	/* The old root is gone: only the sandbox's mounts are listed. */
	run_sh(sb, "grep -c ' / / ' /proc/self/mountinfo", out, sizeof(out), 0);
	ck_assert_str_eq(out, "1\n");
	hs_sandbox_destroy(sb, NULL);
}
END_TEST

/* Whether lo is up in the network namespace open on fd (checked from a child that joins it). */
static bool lo_up_in(int fd)
{
	pid_t p = fork();
	if (p == 0) {
		struct ifreq ifr = {0};
		int s;
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
		if (setns(fd, CLONE_NEWNET) < 0 || (s = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
		    ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
			_exit(2);
		_exit(ifr.ifr_flags & IFF_UP ? 0 : 1);
	}
	int st;
	ck_assert_int_eq(waitpid(p, &st, 0), p);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) < 2, "could not look at lo");
	return WEXITSTATUS(st) == 0;
}

/* Runs given one network namespace (lo up, not the host's) all join it; without the flag,
 * and in user-namespace mode, each run has its own. */
START_TEST(shared_network_namespace)
{
	NEED_SANDBOX();
	if (geteuid() != 0)
		HS_SKIP("a network namespace of the host's user namespace needs root");
	struct hs_error err = HS_ERROR_INIT;
	struct stat ns, host;
	char a[64], b[64], own[64], user[64], want[64];
	const char *ino = "stat -L -c %i /proc/self/ns/net";

	shared_netns = hs_sandbox_netns_new(&err);
	ck_assert_msg(shared_netns >= 0, "%s", err.msg);
	ck_assert(fcntl(shared_netns, F_GETFD) & FD_CLOEXEC);
	ck_assert_int_eq(fstat(shared_netns, &ns), 0);
	ck_assert_int_eq(stat("/proc/self/ns/net", &host), 0);
	ck_assert_uint_ne(ns.st_ino, host.st_ino);
	ck_assert(lo_up_in(shared_netns));

	struct hs_sandbox *sb = new_sb(0), *usb = new_sb(HS_SANDBOX_USERNS);
	snprintf(want, sizeof(want), "%lu\n", (unsigned long)ns.st_ino);
	ck_assert_int_eq(run_sh(sb, ino, a, sizeof(a), HS_SANDBOX_SHARED_NET), 0);
	ck_assert_int_eq(run_sh(sb, ino, b, sizeof(b), HS_SANDBOX_SHARED_NET), 0);
	ck_assert_str_eq(a, want);
	ck_assert_str_eq(b, want);
	ck_assert_int_eq(run_sh(sb, ino, own, sizeof(own), 0), 0);
	ck_assert_str_ne(own, want);
	ck_assert_int_eq(run_sh(usb, ino, user, sizeof(user), HS_SANDBOX_SHARED_NET), 0);
	ck_assert_str_ne(user, want);
	hs_sandbox_destroy(sb, NULL);
	hs_sandbox_destroy(usb, NULL);
	close(shared_netns);
	shared_netns = -1;
}
END_TEST

/* A volatile run's overlays say so, and the marker the kernel leaves in the work dir does not
 * keep the next run of the sandbox (or of a recycled dir) from mounting, volatile or not. */
START_TEST(volatile_runs_mount_again)
{
	NEED_SANDBOX();
	const char *opts = "grep -c ' / / .* overlay .*volatile' /proc/self/mountinfo";
	struct hs_sandbox *sb = new_sb(0);
	char out[64], marker[PATH_MAX];
	struct stat st;

	for (int i = 0; i < 3; i++) {
		unsigned fl = i == 1 ? 0 : HS_SANDBOX_VOLATILE;
		ck_assert_int_eq(run_sh(sb, opts, out, sizeof(out), fl), fl ? 0 : 1);
		ck_assert_str_eq(out, fl ? "1\n" : "0\n");
	}
	snprintf(marker, sizeof(marker), "%s/w0/work/incompat/volatile", hs_sandbox_dir(sb));
	ck_assert_msg(stat(marker, &st) == 0, "no %s: the test no longer tests the marker", marker);
	ck_assert_int_eq(hs_sandbox_destroy(sb, NULL), 0);
}
END_TEST

/* Runs share the mount points under STATE/run: two at once must not disturb each other. */
START_TEST(concurrent_runs)
{
	NEED_SANDBOX();
	struct hs_error err = HS_ERROR_INIT;
	struct hs_sandbox *a = new_sb(0), *b = new_sb(0);
	struct hs_sandbox_cmd ca = HS_SANDBOX_CMD_INIT, cb = HS_SANDBOX_CMD_INIT;
	char *aa[] = {"sh", "-c",
		      "echo a >/var/tmp/hs-conc; sleep 0.3; test $(cat /var/tmp/hs-conc) = a",
		      NULL};
	char *ab[] = {"sh", "-c", "echo b >/var/tmp/hs-conc; test $(cat /var/tmp/hs-conc) = b",
		      NULL};
	pid_t pa, pb;
	int fa, fb;

	ca.argv = aa;
	cb.argv = ab;
	ck_assert_msg(hs_sandbox_spawn(a, &ca, &pa, &fa, &err) == 0, "%s", err.msg);
	ck_assert_msg(hs_sandbox_spawn(b, &cb, &pb, &fb, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(hs_sandbox_wait(pb, fb, &err), 0);
	ck_assert_int_eq(hs_sandbox_wait(pa, fa, &err), 0);
	ck_assert_int_ne(access("/var/tmp/hs-conc", F_OK), 0);
	hs_sandbox_destroy(a, NULL);
	hs_sandbox_destroy(b, NULL);
}
END_TEST

Suite *hs_test_suite(void)
{
	Suite *s = suite_create("sandbox");
	TCase *plan = tcase_create("plan");
	TCase *run = tcase_create("run");

	tcase_add_test(plan, plan_root_mode_covers_mounts_in_order);
	tcase_add_test(plan, plan_userns_mode_skeletons_dirs_with_submounts);
	suite_add_tcase(s, plan);
	tcase_add_checked_fixture(run, setup_state, teardown_state);
	tcase_set_timeout(run, 60);
	tcase_add_test(run, run_returns_exit_status_and_signals);
	tcase_add_test(run, signals_to_init_are_forwarded);
	tcase_add_test(run, nothing_outlives_the_run);
	tcase_add_test(run, fds_cwd_env_and_hook);
	tcase_add_test(run, idle_priority);
	tcase_add_test(run, hook_effects_reach_the_command);
	tcase_add_test(run, layers_capture_changes_root_mode);
	tcase_add_test(run, layers_capture_changes_userns_mode);
	tcase_add_test(run, open_rejects_what_is_not_a_sandbox);
	tcase_add_test(run, setup_errors_name_the_step);
	tcase_add_test(run, root_is_entered_not_covered);
	tcase_add_test(run, concurrent_runs);
	tcase_add_test(run, shared_network_namespace);
	tcase_add_test(run, volatile_runs_mount_again);
	suite_add_tcase(s, run);
	return s;
}

HS_CHECK_MAIN
