/* The record sets: reads (with the stamp of the first read), writes, execs, flags. One hash
 * lookup per event; allocation only when a path is new. Sorted views and printers. */
#include "tracer/tracer-internal.h"
#include "lib/util.h"

#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

void hs_stamp_from_stat(struct hs_tracer_stamp *st, const struct stat *sb)
{
	st->absent = false;
	st->dev = sb->st_dev;
	st->ino = sb->st_ino;
	st->mode = sb->st_mode;
	st->size = sb->st_size;
	st->mtime = sb->st_mtim;
	st->ctime = sb->st_ctim;
}

void hs_rec_read(struct hs_tracer *t, const char *path, size_t len, unsigned kinds,
		 const struct hs_tracer_stamp *st)
{
	struct rd_entry *e;

	HASH_FIND(hh, t->reads, path, len, e);
	if (e) {
		/* The sorted copies (hs_tracer_reads) may be taken while the tree runs. */
		if ((e->pub.kinds | kinds) != e->pub.kinds)
			t->sorted = false;
		e->pub.kinds |= kinds;
		return;
	}
	e = calloc(1, sizeof(*e) + len + 1);
	if (!e) {
		hs_rec_flag(t, HS_TRACER_FLAG_LOST, "out of memory recording a read");
		return;
	}
	memcpy(e->path, path, len);
	e->pub.path = e->path;
	e->pub.kinds = kinds;
	e->pub.stamp = *st;
	clock_gettime(CLOCK_REALTIME, &e->pub.stamp.taken);
	struct wr_entry *w;
	HASH_FIND(hh, t->writes, path, len, w);
	if (w)
		e->pub.kinds |= HS_TRACER_AFTER_WRITE;
	HASH_ADD_KEYPTR(hh, t->reads, e->path, len, e);
	t->sorted = false;
}

void hs_rec_write(struct hs_tracer *t, const char *path, size_t len, unsigned kinds)
{
	struct wr_entry *e;

	HASH_FIND(hh, t->writes, path, len, e);
	if (e) {
		if ((e->pub.kinds | kinds) != e->pub.kinds)
			t->sorted = false;
		e->pub.kinds |= kinds;
		return;
	}
	e = calloc(1, sizeof(*e) + len + 1);
	if (!e) {
		hs_rec_flag(t, HS_TRACER_FLAG_LOST, "out of memory recording a write");
		return;
	}
	memcpy(e->path, path, len);
	e->pub.path = e->path;
	e->pub.kinds = kinds;
	HASH_ADD_KEYPTR(hh, t->writes, e->path, len, e);
	t->sorted = false;
}

void hs_rec_exec(struct hs_tracer *t, const char *path, pid_t tid)
{
	if (t->nexecs == t->cap_execs) {
		size_t cap = t->cap_execs ? 2 * t->cap_execs : 16;
		struct hs_tracer_exec *n = realloc(t->execs, cap * sizeof(*n));
		if (!n)
			return;
		t->execs = n;
		t->cap_execs = cap;
	}
	char *p = strdup(path);
	if (!p)
		return;
	t->execs[t->nexecs].path = p;
	t->execs[t->nexecs].tid = tid;
	t->nexecs++;
}

void hs_rec_flag(struct hs_tracer *t, enum hs_tracer_flag_kind kind, const char *fmt, ...)
{
	char key[600];
	int n = snprintf(key, sizeof(key), "%d:", (int)kind);
	va_list ap;
	struct flag_entry *e;

	va_start(ap, fmt);
	int m = vsnprintf(key + n, sizeof(key) - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	size_t len = strnlen(key, sizeof(key) - 1);
	HASH_FIND(hh, t->flags, key, len, e);
	if (e)
		return;
	e = calloc(1, sizeof(*e) + len + 1);
	if (!e)
		return;
	memcpy(e->key, key, len);
	e->pub.kind = kind;
	e->pub.detail = e->key + n;
	HASH_ADD_KEYPTR(hh, t->flags, e->key, len, e);
	t->sorted = false;
}

void hs_seen_clear(struct hs_tracer *t)
{
	struct seen_entry *e, *tmp;
	struct exec_entry *x, *xt;

	HS_HASH_FREE_ALL(t->seen, e, tmp);
	HS_HASH_FREE_ALL(t->exec_cache, x, xt);
	HS_HASH_FREE_ALL(t->seen_absent, e, tmp);
	t->nseen = 0;
}

bool hs_rec_has_read(struct hs_tracer *t, const char *path, size_t len)
{
	struct rd_entry *e;
	HASH_FIND(hh, t->reads, path, len, e);
	return e != NULL;
}

static void free_sorted(struct hs_tracer *t)
{
	free(t->rd_sorted);
	free(t->wr_sorted);
	free(t->fl_sorted);
	t->rd_sorted = NULL;
	t->wr_sorted = NULL;
	t->fl_sorted = NULL;
	t->sorted = false;
}

void hs_records_free(struct hs_tracer *t)
{
	struct rd_entry *r, *rt;
	struct wr_entry *w, *wt;
	struct flag_entry *f, *ft;

	HS_HASH_FREE_ALL(t->reads, r, rt);
	HS_HASH_FREE_ALL(t->writes, w, wt);
	HS_HASH_FREE_ALL(t->flags, f, ft);
	for (size_t i = 0; i < t->nexecs; i++)
		free((char *)t->execs[i].path);
	free(t->execs);
	for (size_t i = 0; i < t->nbound; i++)
		free(t->bound[i]);
	free(t->bound);
	hs_seen_clear(t);
	hs_ident_clear(t);
	hs_proc_close(t);
	free_sorted(t);
}

static int cmp_read(const void *a, const void *b)
{
	return strcmp(((const struct hs_tracer_read *)a)->path,
		      ((const struct hs_tracer_read *)b)->path);
}

static int cmp_write(const void *a, const void *b)
{
	return strcmp(((const struct hs_tracer_write *)a)->path,
		      ((const struct hs_tracer_write *)b)->path);
}

static int cmp_flag(const void *a, const void *b)
{
	const struct hs_tracer_flag *x = a, *y = b;
	if (x->kind != y->kind)
		return (int)x->kind - (int)y->kind;
	return strcmp(x->detail, y->detail);
}

static void build_sorted(struct hs_tracer *t)
{
	size_t i;

	if (t->sorted)
		return;
	free_sorted(t);
	t->nrd_sorted = HASH_COUNT(t->reads);
	t->nwr_sorted = HASH_COUNT(t->writes);
	t->nfl_sorted = HASH_COUNT(t->flags);
	t->rd_sorted = calloc(t->nrd_sorted + 1, sizeof(*t->rd_sorted));
	t->wr_sorted = calloc(t->nwr_sorted + 1, sizeof(*t->wr_sorted));
	t->fl_sorted = calloc(t->nfl_sorted + 1, sizeof(*t->fl_sorted));
	if (!t->rd_sorted || !t->wr_sorted || !t->fl_sorted) {
		free_sorted(t);
		t->nrd_sorted = t->nwr_sorted = t->nfl_sorted = 0;
		return;
	}
	i = 0;
	for (struct rd_entry *r = t->reads; r; r = r->hh.next)
		t->rd_sorted[i++] = r->pub;
	i = 0;
	for (struct wr_entry *w = t->writes; w; w = w->hh.next)
		t->wr_sorted[i++] = w->pub;
	i = 0;
	for (struct flag_entry *f = t->flags; f; f = f->hh.next)
		t->fl_sorted[i++] = f->pub;
	qsort(t->rd_sorted, t->nrd_sorted, sizeof(*t->rd_sorted), cmp_read);
	qsort(t->wr_sorted, t->nwr_sorted, sizeof(*t->wr_sorted), cmp_write);
	qsort(t->fl_sorted, t->nfl_sorted, sizeof(*t->fl_sorted), cmp_flag);
	t->sorted = true;
}

size_t hs_tracer_reads(struct hs_tracer *t, const struct hs_tracer_read **out)
{
	build_sorted(t);
	*out = t->rd_sorted;
	return t->nrd_sorted;
}

size_t hs_tracer_writes(struct hs_tracer *t, const struct hs_tracer_write **out)
{
	build_sorted(t);
	*out = t->wr_sorted;
	return t->nwr_sorted;
}

size_t hs_tracer_flags(struct hs_tracer *t, const struct hs_tracer_flag **out)
{
	build_sorted(t);
	*out = t->fl_sorted;
	return t->nfl_sorted;
}

size_t hs_tracer_execs(struct hs_tracer *t, const struct hs_tracer_exec **out)
{
	*out = t->execs;
	return t->nexecs;
}

bool hs_tracer_can_speculate(struct hs_tracer *t)
{
	return HASH_COUNT(t->flags) == 0;
}

const char *hs_tracer_flag_name(enum hs_tracer_flag_kind kind)
{
	switch (kind) {
	case HS_TRACER_FLAG_NET: return "network";
	case HS_TRACER_FLAG_IPC: return "external-ipc";
	case HS_TRACER_FLAG_SETUID: return "setuid-exec";
	case HS_TRACER_FLAG_PTRACE: return "ptrace-outside";
	case HS_TRACER_FLAG_STDIN: return "stdin";
	case HS_TRACER_FLAG_DENIED: return "denied";
	case HS_TRACER_FLAG_FOREIGN_ABI: return "foreign-abi";
	case HS_TRACER_FLAG_UNKNOWN: return "unknown-syscall";
	case HS_TRACER_FLAG_LOST: return "lost";
	}
	return "?";
}

static const char *const read_names[] = {"read", "list", "exec", "stat", "after-write"};
static const char *const write_names[] = {"write", "blind", "meta", "create", "remove", "prefix"};

static void kinds_str(char *buf, size_t size, unsigned kinds, const char *const *names, size_t n,
		      const char *sep, bool quote)
{
	size_t off = 0;

	buf[0] = 0;
	for (size_t i = 0; i < n; i++) {
		if (!(kinds & (1u << i)))
			continue;
		int m = snprintf(buf + off, size - off, "%s%s%s%s", off ? sep : "",
				 quote ? "\"" : "", names[i], quote ? "\"" : "");
		if (m < 0 || (size_t)m >= size - off)
			break;
		off += (size_t)m;
	}
}

static const char *type_name(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return "file";
	case S_IFDIR: return "dir";
	case S_IFLNK: return "symlink";
	case S_IFIFO: return "fifo";
	case S_IFSOCK: return "socket";
	case S_IFCHR: return "chardev";
	case S_IFBLK: return "blockdev";
	}
	return "?";
}

static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

void hs_tracer_print(struct hs_tracer *t, FILE *out, int format)
{
	const struct hs_tracer_read *rd;
	const struct hs_tracer_write *wr;
	const struct hs_tracer_flag *fl;
	const struct hs_tracer_exec *ex;
	size_t nr = hs_tracer_reads(t, &rd), nw = hs_tracer_writes(t, &wr);
	size_t nf = hs_tracer_flags(t, &fl), nx = hs_tracer_execs(t, &ex);
	char kinds[128];

	if (format == HS_TRACER_PRINT_JSON) {
		for (size_t i = 0; i < nr; i++) {
			const struct hs_tracer_stamp *s = &rd[i].stamp;
			kinds_str(kinds, sizeof(kinds), rd[i].kinds, read_names, 5, ",", true);
			fputs("{\"type\":\"read\",\"path\":", out);
			json_str(out, rd[i].path);
			fprintf(out, ",\"kinds\":[%s]", kinds);
			if (s->absent)
				fputs(",\"absent\":true}\n", out);
			else
				fprintf(out,
					",\"absent\":false,\"ftype\":\"%s\",\"dev\":%lu,\"ino\":%lu,"
					"\"mode\":%u,\"size\":%lld,\"mtime\":\"%lld.%09ld\","
					"\"ctime\":\"%lld.%09ld\"}\n",
					type_name(s->mode), (unsigned long)s->dev,
					(unsigned long)s->ino, (unsigned)(s->mode & 07777),
					(long long)s->size, (long long)s->mtime.tv_sec,
					s->mtime.tv_nsec, (long long)s->ctime.tv_sec,
					s->ctime.tv_nsec);
		}
		for (size_t i = 0; i < nw; i++) {
			kinds_str(kinds, sizeof(kinds), wr[i].kinds, write_names, 6, ",", true);
			fputs("{\"type\":\"write\",\"path\":", out);
			json_str(out, wr[i].path);
			fprintf(out, ",\"kinds\":[%s]}\n", kinds);
		}
		for (size_t i = 0; i < nx; i++) {
			fputs("{\"type\":\"exec\",\"path\":", out);
			json_str(out, ex[i].path);
			fputs("}\n", out);
		}
		for (size_t i = 0; i < nf; i++) {
			fprintf(out, "{\"type\":\"flag\",\"kind\":\"%s\",\"detail\":",
				hs_tracer_flag_name(fl[i].kind));
			json_str(out, fl[i].detail);
			fputs("}\n", out);
		}
		return;
	}
	fprintf(out, "reads (%zu):\n", nr);
	for (size_t i = 0; i < nr; i++) {
		kinds_str(kinds, sizeof(kinds), rd[i].kinds, read_names, 5, ",", false);
		if (rd[i].stamp.absent)
			fprintf(out, "  %-12s %s (absent)\n", kinds, rd[i].path);
		else
			fprintf(out, "  %-12s %s (%s, %lld bytes)\n", kinds, rd[i].path,
				type_name(rd[i].stamp.mode), (long long)rd[i].stamp.size);
	}
	fprintf(out, "writes (%zu):\n", nw);
	for (size_t i = 0; i < nw; i++) {
		kinds_str(kinds, sizeof(kinds), wr[i].kinds, write_names, 6, ",", false);
		fprintf(out, "  %-12s %s\n", kinds, wr[i].path);
	}
	fprintf(out, "execs (%zu):\n", nx);
	for (size_t i = 0; i < nx; i++)
		fprintf(out, "  %s\n", ex[i].path);
	fprintf(out, "flags (%zu):\n", nf);
	for (size_t i = 0; i < nf; i++)
		fprintf(out, "  %-15s %s\n", hs_tracer_flag_name(fl[i].kind), fl[i].detail);
}
