/* scheduler reporting: counters for --stats, JSON lines for --log, trace events for
 * --timeline. Internal to scheduler/. */
#ifndef HS_SCHED_REPORT_H
#define HS_SCHED_REPORT_H

#include "lib/error.h"

#include <stdio.h>

#define HS_REPORT_MAX_REASONS 32

struct hs_reason_count {
	const char *why; /* static string */
	unsigned long count;
};

struct hs_report {
	double t0;
	FILE *log;
	FILE *timeline;
	unsigned max_lane;
	unsigned long nodes, run_by_shell, speculated, committed, rerun;
	double saved_us, wasted_us;
	struct hs_reason_count reasons[HS_REPORT_MAX_REASONS];
	size_t nreasons;
};

double hs_report_now_us(void);
/* Write s as a JSON string literal. */
void hs_json_str(FILE *f, const char *s);
int hs_report_init(struct hs_report *r, const char *log_path, const char *timeline_path,
		   struct hs_error *err);
/* One log line: {"t_ms":..,"event":..,"node":..,"iter":..,<fmt>}; fmt adds JSON members. */
void hs_report_log(struct hs_report *r, const char *event, unsigned node, const char *iter,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* One complete span on a lane (0: the shell; 1..: speculation slots). */
void hs_report_span(struct hs_report *r, unsigned lane, const char *name, const char *cat,
		    double start_us, double end_us, const char *result);
/* Count one re-run / discard reason (static string). */
void hs_report_reason(struct hs_report *r, const char *why);
/* Print stats (when stats is not NULL) and close the log and timeline. */
void hs_report_finish(struct hs_report *r, FILE *stats);

#endif
