/* The ptrace backend: the same filter with SECCOMP_RET_TRACE, for when user notification is
 * unavailable (a notifier already exists above the tree) or requested.
 *
 * A dedicated thread is the tracer (ptrace binds tracees to one thread): it seizes the child,
 * follows fork/vfork/clone, handles the seccomp stops with the shared event code, and
 * detaches every task at its exit event, so that the real parent (the caller) still reaps
 * it and gets its status. When the last task has gone it signals an eventfd, the fd the
 * caller polls. It waits with __WNOTHREAD: it never sees the caller's other children.
 * A denied syscall is skipped (orig_rax = -1) with rax set to -errno in the same stop.
 */
#include "tracer/tracer-internal.h"
#include "lib/util.h"

#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>

static struct task_entry *task_get(struct hs_tracer *t, pid_t tid, bool create)
{
	struct task_entry *e;

	HASH_FIND_INT(t->tasks, &tid, e);
	if (e || !create)
		return e;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->tid = tid;
	e->live = true;
	t->nlive++;
	HASH_ADD_INT(t->tasks, tid, e);
	return e;
}

static void task_dead(struct hs_tracer *t, struct task_entry *e)
{
	if (e && e->live) {
		e->live = false;
		t->nlive--;
	}
}

static void seccomp_stop(struct hs_tracer *t, pid_t tid)
{
	struct __ptrace_syscall_info info;
	struct seccomp_data d;

	memset(&info, 0, sizeof(info));
	if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof(info), &info) <= 0 ||
	    info.op != PTRACE_SYSCALL_INFO_SECCOMP) {
		ptrace(PTRACE_CONT, tid, 0, 0);
		return;
	}
	memset(&d, 0, sizeof(d));
	d.nr = (int)info.seccomp.nr;
	d.arch = info.arch;
	d.instruction_pointer = info.instruction_pointer;
	for (int i = 0; i < 6; i++)
		d.args[i] = info.seccomp.args[i];
	int deny = hs_tracer_event(t, tid, &d);
	if (deny) {
		struct user_regs_struct regs;
		if (ptrace(PTRACE_GETREGS, tid, 0, &regs) == 0) {
			/* nr -1 skips the call and leaves rax as we set it. */
			regs.orig_rax = (unsigned long long)-1;
			regs.rax = (unsigned long long)(long long)-deny;
			ptrace(PTRACE_SETREGS, tid, 0, &regs);
		}
	}
	ptrace(PTRACE_CONT, tid, 0, 0);
}

static int trace_loop(struct hs_tracer *t)
{
	while (t->nlive > 0) {
		int status;
		pid_t tid = waitpid(-1, &status, __WALL | __WNOTHREAD);
		if (tid < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECHILD)
				return 0;
			return hs_error_errno(&t->thread_err, "tracer: waitpid");
		}
		struct task_entry *e = task_get(t, tid, true);
		if (!e)
			return hs_error_set(&t->thread_err, ENOMEM, "tracer");
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			/* No exit event (SIGKILL): our wait reaped it, even from its real
			 * parent when that is the caller; keep the status for hs_tracer_run. */
			if (tid == t->child)
				t->root_status = status;
			task_dead(t, e);
			continue;
		}
		if (!WIFSTOPPED(status))
			continue;
		int sig = WSTOPSIG(status), event = status >> 16;
		e->started = true;
		switch (event) {
		case PTRACE_EVENT_SECCOMP:
			e->saw_seccomp = true;
			seccomp_stop(t, tid);
			break;
		case PTRACE_EVENT_FORK:
		case PTRACE_EVENT_VFORK:
		case PTRACE_EVENT_CLONE: {
			unsigned long msg = 0;
			ptrace(PTRACE_GETEVENTMSG, tid, 0, &msg);
			struct task_entry *c = task_get(t, (pid_t)msg, false);
			if (!c)
				c = task_get(t, (pid_t)msg, true);
			else if (c->announced && !c->live) { /* a reused tid */
				c->live = true;
				c->started = false;
				t->nlive++;
			}
			if (c)
				c->announced = true;
			ptrace(PTRACE_CONT, tid, 0, 0);
			break;
		}
		case PTRACE_EVENT_EXEC: {
			/* A non-leader thread that execs takes over the leader's tid; its own
			 * tid vanishes without an exit report. */
			unsigned long former = 0;
			ptrace(PTRACE_GETEVENTMSG, tid, 0, &former);
			if ((pid_t)former != tid)
				task_dead(t, task_get(t, (pid_t)former, false));
			/* Every execve is trapped: an exec without a seccomp stop means a filter
			 * above ours overrides RET_TRACE (an outer USER_NOTIF with the continue
			 * flag does), and our records are incomplete. Never silently. */
			if (!e->saw_seccomp)
				hs_rec_flag(t, HS_TRACER_FLAG_LOST,
					    "exec without a seccomp stop: an outer seccomp filter "
					    "hides syscalls from the ptrace backend");
			e->saw_seccomp = false;
			ptrace(PTRACE_CONT, tid, 0, 0);
			break;
		}
		case PTRACE_EVENT_EXIT:
			task_dead(t, e);
			ptrace(PTRACE_DETACH, tid, 0, 0);
			break;
		case PTRACE_EVENT_STOP:
			if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU) {
				if (!e->initial_done) {
					/* Auto-attached children start with this stop. */
					e->initial_done = true;
					ptrace(PTRACE_CONT, tid, 0, 0);
				} else {
					ptrace(PTRACE_LISTEN, tid, 0, 0); /* group-stop */
				}
			} else {
				e->initial_done = true;
				ptrace(PTRACE_CONT, tid, 0, 0);
			}
			break;
		default:
			/* Signal-delivery stop: pass the signal on. */
			ptrace(PTRACE_CONT, tid, 0, (void *)(long)sig);
			break;
		}
	}
	return 0;
}

static void *tracer_thread(void *arg)
{
	struct hs_tracer *t = arg;
	long opts = PTRACE_O_TRACESECCOMP | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
		    PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT |
		    PTRACE_O_EXITKILL;
	char go = 1;

	if (ptrace(PTRACE_SEIZE, t->child, 0, (void *)opts) < 0) {
		t->thread_rc = hs_error_errno(&t->thread_err, "tracer: PTRACE_SEIZE %d", t->child);
		go = 0;
		if (write(t->sock[0], &go, 1) < 0) {
			/* the child sees EOF and fails */
		}
	} else {
		struct task_entry *e = task_get(t, t->child, true);
		if (e)
			e->announced = e->started = e->initial_done = true;
		if (write(t->sock[0], &go, 1) != 1)
			t->thread_rc = hs_error_errno(&t->thread_err, "tracer: handshake");
		else
			t->thread_rc = trace_loop(t);
	}
	uint64_t one = 1;
	if (write(t->event_fd, &one, sizeof(one)) < 0) {
		/* cannot happen with an eventfd below its maximum */
	}
	return NULL;
}

int hs_ptrace_start(struct hs_tracer *t, struct hs_error *err)
{
	t->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (t->event_fd < 0)
		return hs_error_errno(err, "tracer: eventfd");
	int rc = pthread_create(&t->thread, NULL, tracer_thread, t);
	if (rc)
		return hs_error_set(err, rc, "tracer: starting the ptrace thread");
	t->thread_started = true;
	return 0;
}

int hs_ptrace_finish(struct hs_tracer *t, struct hs_error *err)
{
	if (t->thread_started) {
		pthread_join(t->thread, NULL);
		t->thread_started = false;
	}
	struct task_entry *e, *tmp;
	HS_HASH_FREE_ALL(t->tasks, e, tmp);
	t->done = true;
	if (t->thread_rc < 0) {
		if (err)
			*err = t->thread_err;
		return -1;
	}
	return 0;
}
