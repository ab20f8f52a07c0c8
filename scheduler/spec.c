/* Speculation: the node graph, predicted states, speculative runs, validation, commit. */
#include "scheduler/loop.h"

#include <stdlib.h>
#include <string.h>

struct spec_state {
	unsigned long last_node;
	double run_started_us;
	unsigned run_node;
	int running;
};

int hs_spec_init(struct sched *s, struct hs_error *err)
{
	(void)err;
	s->spec = calloc(1, sizeof(*s->spec));
	return s->spec ? 0 : hs_error_set(err, 12, "speculation state");
}

static void close_shell_span(struct sched *s)
{
	struct spec_state *sp = s->spec;
	char name[32];

	if (!sp->running)
		return;
	snprintf(name, sizeof(name), "node %u", sp->run_node);
	hs_report_span(&s->report, 0, name, "shell", sp->run_started_us, hs_report_now_us(), "run");
	hs_report_log(&s->report, "finish", sp->run_node, "", "\"by\":\"shell\"");
	sp->running = 0;
}

void hs_spec_on_message(struct sched *s, const struct hs_msg *m)
{
	struct spec_state *sp = s->spec;

	close_shell_span(s);
	if (m->kind != HS_MSG_NODE)
		return;
	s->report.nodes++;
	s->report.run_by_shell++;
	hs_report_log(&s->report, "run", m->id, "", "\"reason\":\"not speculated\"");
	sp->running = 1;
	sp->run_node = m->id;
	sp->run_started_us = hs_report_now_us();
	hs_sched_reply(s, "run\n");
}

void hs_spec_on_event(struct sched *s, uint64_t tag, uint32_t events)
{
	(void)s, (void)tag, (void)events;
}

void hs_spec_schedule(struct sched *s)
{
	(void)s;
}

void hs_spec_cleanup(struct sched *s)
{
	if (!s->spec)
		return;
	close_shell_span(s);
	free(s->spec);
	s->spec = NULL;
}

int hs_sched_probe(struct hs_error *err)
{
	(void)err;
	return 1;
}
