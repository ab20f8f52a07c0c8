/* --stats, --log (JSON lines) and --timeline (Chrome trace events). */
#include "scheduler/report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double hs_report_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

void hs_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		case '\r': fputs("\\r", f); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

static FILE *open_out(const char *path, struct hs_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	FILE *f;

	if (fd < 0) {
		hs_error_errno(err, "%s", path);
		return NULL;
	}
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		hs_error_errno(err, "%s", path);
	}
	return f;
}

int hs_report_init(struct hs_report *r, const char *log_path, const char *timeline_path,
		   struct hs_error *err)
{
	memset(r, 0, sizeof(*r));
	r->t0 = hs_report_now_us();
	if (log_path && !(r->log = open_out(log_path, err)))
		return -1;
	if (timeline_path) {
		if (!(r->timeline = open_out(timeline_path, err))) {
			if (r->log)
				fclose(r->log);
			r->log = NULL;
			return -1;
		}
		fputs("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n"
		      "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"tid\":0,"
		      "\"args\":{\"name\":\"hs\"}},\n"
		      "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":0,"
		      "\"args\":{\"name\":\"shell\"}}",
		      r->timeline);
	}
	return 0;
}

void hs_report_log(struct hs_report *r, const char *event, unsigned node, const char *iter,
		   const char *fmt, ...)
{
	va_list ap;

	if (!r->log)
		return;
	fprintf(r->log, "{\"t_ms\":%.3f,\"event\":", (hs_report_now_us() - r->t0) / 1000.0);
	hs_json_str(r->log, event);
	fprintf(r->log, ",\"node\":%u,\"iter\":", node);
	hs_json_str(r->log, iter ? iter : "");
	if (fmt && *fmt) {
		fputc(',', r->log);
		va_start(ap, fmt);
		vfprintf(r->log, fmt, ap);
		va_end(ap);
	}
	fputs("}\n", r->log);
	fflush(r->log);
}

void hs_report_span(struct hs_report *r, unsigned lane, const char *name, const char *cat,
		    double start_us, double end_us, const char *result)
{
	if (!r->timeline)
		return;
	if (lane > r->max_lane) {
		for (unsigned l = r->max_lane + 1; l <= lane; l++)
			fprintf(r->timeline,
				",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%u,"
				"\"args\":{\"name\":\"speculation %u\"}}",
				l, l);
		r->max_lane = lane;
	}
	fputs(",\n{\"name\":", r->timeline);
	hs_json_str(r->timeline, name);
	fputs(",\"cat\":", r->timeline);
	hs_json_str(r->timeline, cat);
	fprintf(r->timeline, ",\"ph\":\"X\",\"pid\":1,\"tid\":%u,\"ts\":%.1f,\"dur\":%.1f,", lane,
		start_us - r->t0, end_us > start_us ? end_us - start_us : 0.0);
	fputs("\"args\":{\"result\":", r->timeline);
	hs_json_str(r->timeline, result ? result : "");
	fputs("}}", r->timeline);
}

void hs_report_reason(struct hs_report *r, const char *why)
{
	for (size_t i = 0; i < r->nreasons; i++) {
		if (strcmp(r->reasons[i].why, why) == 0) {
			r->reasons[i].count++;
			return;
		}
	}
	if (r->nreasons < HS_REPORT_MAX_REASONS)
		r->reasons[r->nreasons++] = (struct hs_reason_count){why, 1};
}

void hs_report_finish(struct hs_report *r, FILE *stats)
{
	if (stats) {
		fprintf(stats,
			"hs: nodes %lu (%lu run by the shell), speculated %lu, committed %lu, "
			"re-run %lu\n",
			r->nodes, r->run_by_shell, r->speculated, r->committed, r->rerun);
		for (size_t i = 0; i < r->nreasons; i++)
			fprintf(stats, "hs:   re-run or not used: %s: %lu\n", r->reasons[i].why,
				r->reasons[i].count);
		fprintf(stats,
			"hs: time saved %.3f s (committed speculative work), wasted %.3f s "
			"(discarded speculative work), wall %.3f s\n",
			r->saved_us / 1e6, r->wasted_us / 1e6, (hs_report_now_us() - r->t0) / 1e6);
		fflush(stats);
	}
	if (r->timeline) {
		fputs("\n]}\n", r->timeline);
		fclose(r->timeline);
		r->timeline = NULL;
	}
	if (r->log) {
		fclose(r->log);
		r->log = NULL;
	}
}
