/* The scheduler's state shared by its event loop (loop.c) and speculation (spec.c). */
#ifndef HS_SCHED_LOOP_H
#define HS_SCHED_LOOP_H

#include "scheduler/report.h"
#include "scheduler/sched-internal.h"

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

/* epoll tags below this are the loop's own; spec.c uses tags >= HS_TAG_SPEC. */
enum {
	HS_TAG_SOCK = 1,
	HS_TAG_SIGNAL,
	HS_TAG_SHELL,
	HS_TAG_SPEC = 16,
};

struct spec_state; /* spec.c */

struct sched {
	const struct hs_sched_config *cfg;
	int epfd, sock, sigfd, shell_pidfd;
	pid_t shell_pid;
	pid_t sender;           /* pid that sent the latest message bytes */
	char *inbuf;
	size_t inlen, incap;
	struct hs_report report;
	struct spec_state *spec;
	/* After a protocol error: the socket is shut for writing (the runtime reads EOF at its
	 * next node and runs everything itself) and what the shell still writes is drained
	 * unread; closing it would raise SIGPIPE in the shell at its next one-way message. */
	bool muted;
};

int hs_sched_watch(struct sched *s, int fd, uint64_t tag);
/* The signals the loop blocks for itself (taken through its signalfd); the shell and the
 * speculative runs get them unblocked. Async-signal-safe. */
void hs_sched_sigset(sigset_t *set);
void hs_sched_unwatch(struct sched *s, int fd);
/* Send one reply line (with its newline) to the shell. Returns 0, or -1 when the shell's end
 * is gone (the socket is then closed). */
int hs_sched_reply(struct sched *s, const char *line);

/* spec.c: speculation. */
int hs_spec_init(struct sched *s, struct hs_error *err);
/* Handle one message; may take ownership of parts of m (they are then NULL in m). */
void hs_spec_on_message(struct sched *s, struct hs_msg *m);
bool hs_spec_on_event(struct sched *s, uint64_t tag, uint32_t events);
/* Start speculative runs up to the window; called after a batch of events with a message
 * from the shell or a run that ended. Returns from hs_spec_on_event: whether a run ended. */
void hs_spec_schedule(struct sched *s);
/* Speculation off from now on: every run is thrown away (none may be committed: the shell
 * runs every node itself after a protocol error, the one it waits on included). */
void hs_spec_stop(struct sched *s);
/* Kill and remove every speculative run. */
void hs_spec_cleanup(struct sched *s);

#endif
