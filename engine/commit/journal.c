/* The commit journal: the plan written out before anything changes, one line per step.
 *
 *   HSCOMMIT 1 TXID
 *   M ROOTLEN SRC DST UPPER|- DEV INO ODEV OINO COPY STRIP   put SRC at DST (over ODEV/OINO)
 *   W ROOTLEN SRC DST UPPER DEV INO ODEV OINO 1 0   write SRC into the file ODEV/OINO at DST
 *   R ROOTLEN DST TRASH DEV INO                     delete DST
 *   A ROOTLEN DST MODE UID GID AS ANS MS MNS N {NAME HEXVALUE}*   dir metadata
 *   F ROOTLEN DST                                   fix an entry of a subtree moved whole
 * (ROOTLEN: DST's first ROOTLEN bytes are the layer target.)
 *   I IDX DEV INO                           inode of the staged copy of step IDX
 *   SEAL                                    staging done: from here on, roll forward
 *
 * Strings are %XX-escaped (space, control bytes, '%', bytes >= 0x7f), so any file name fits
 * on one line. A journal without SEAL is rolled back (its staged copies removed); a sealed
 * one is rolled forward. */
#include "engine/commit/commit-internal.h"
#include "lib/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_esc(FILE *f, const char *s)
{
	fputc(' ', f);
	if (!s) {
		fputc('-', f);
		return;
	}
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c <= 0x20 || *c >= 0x7f || *c == '%')
			fprintf(f, "%%%02X", *c);
		else
			fputc(*c, f);
	}
}

static void put_hex(FILE *f, const char *v, size_t len)
{
	fputc(' ', f);
	if (len == 0)
		fputc('-', f);
	for (size_t i = 0; i < len; i++)
		fprintf(f, "%02x", (unsigned char)v[i]);
}

static int flush_buf(int fd, FILE *f, char **buf, size_t *len, bool sync, struct hs_error *err)
{
	int r = 0;

	if (fclose(f) == EOF)
		r = hs_error_errno(err, "journal: format");
	else if (hs_write_full(fd, *buf, *len) < 0 || (sync && fsync(fd) < 0))
		r = hs_error_errno(err, "journal: write");
	free(*buf);
	*buf = NULL;
	return r;
}

int journal_write_plan(int fd, const struct plan *p, struct hs_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return hs_error_errno(err, "journal");
	fprintf(f, "HSCOMMIT 1 %s\n", p->txid);
	for (size_t i = 0; i < p->n; i++) {
		const struct step *s = &p->steps[i];
		switch (s->kind) {
		case STEP_MV:
		case STEP_WRITE:
			fprintf(f, "%c %zu", s->kind == STEP_MV ? 'M' : 'W', s->rootlen);
			put_esc(f, s->src);
			put_esc(f, s->dst);
			put_esc(f, s->upper);
			fprintf(f, " %llu %llu %llu %llu %d %d\n", (unsigned long long)s->dev,
				(unsigned long long)s->ino, (unsigned long long)s->odev,
				(unsigned long long)s->oino, s->copy, s->strip);
			break;
		case STEP_RM:
			fprintf(f, "%c %zu", 'R', s->rootlen);
			put_esc(f, s->dst);
			put_esc(f, s->trash);
			fprintf(f, " %llu %llu\n", (unsigned long long)s->dev,
				(unsigned long long)s->ino);
			break;
		case STEP_META:
			fprintf(f, "%c %zu", 'A', s->rootlen);
			put_esc(f, s->dst);
			fprintf(f, " %o %u %u %lld %ld %lld %ld %zu", (unsigned)s->mode,
				(unsigned)s->uid, (unsigned)s->gid, (long long)s->atime.tv_sec,
				s->atime.tv_nsec, (long long)s->mtime.tv_sec, s->mtime.tv_nsec,
				s->nxattrs);
			for (size_t k = 0; k < s->nxattrs; k++) {
				put_esc(f, s->xattrs[k].name);
				put_hex(f, s->xattrs[k].value, s->xattrs[k].len);
			}
			fputc('\n', f);
			break;
		case STEP_FIX:
			fprintf(f, "%c %zu", 'F', s->rootlen);
			put_esc(f, s->dst);
			fputc('\n', f);
			break;
		}
	}
	return flush_buf(fd, f, &buf, &len, !(p->flags & HS_COMMIT_NOSYNC), err);
}

int journal_write_seal(int fd, const struct plan *p, struct hs_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return hs_error_errno(err, "journal");
	for (size_t i = 0; i < p->n; i++)
		if (step_staged(&p->steps[i]))
			fprintf(f, "I %zu %llu %llu\n", i, (unsigned long long)p->steps[i].dev,
				(unsigned long long)p->steps[i].ino);
	fputs("SEAL\n", f);
	return flush_buf(fd, f, &buf, &len, !(p->flags & HS_COMMIT_NOSYNC), err);
}

static int unhex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode one %XX-escaped token in place; "-" is NULL. Returns a malloc'd copy. */
static char *get_esc(char **cur, bool *ok)
{
	char *tok = strsep(cur, " ");
	char *out, *o;

	if (!tok || !*tok) {
		*ok = false;
		return NULL;
	}
	if (strcmp(tok, "-") == 0)
		return NULL;
	o = out = malloc(strlen(tok) + 1);
	if (!out) {
		*ok = false;
		return NULL;
	}
	for (char *c = tok; *c; c++) {
		if (*c == '%' && unhex(c[1]) >= 0 && unhex(c[2]) >= 0) {
			*o++ = (char)(unhex(c[1]) * 16 + unhex(c[2]));
			c += 2;
		} else {
			*o++ = *c;
		}
	}
	*o = '\0';
	return out;
}

static unsigned long long get_num(char **cur, int base, bool *ok)
{
	char *tok = strsep(cur, " "), *end;
	unsigned long long v;

	if (!tok || !*tok) {
		*ok = false;
		return 0;
	}
	errno = 0;
	v = strtoull(tok, &end, base);
	if (errno || *end)
		*ok = false;
	return v;
}

static long long get_snum(char **cur, bool *ok)
{
	char *tok = strsep(cur, " "), *end;
	long long v;

	if (!tok || !*tok) {
		*ok = false;
		return 0;
	}
	errno = 0;
	v = strtoll(tok, &end, 10);
	if (errno || *end)
		*ok = false;
	return v;
}

static char *get_hex(char **cur, size_t *len, bool *ok)
{
	char *tok = strsep(cur, " ");
	size_t n;
	char *out;

	*len = 0;
	if (!tok || !*tok) {
		*ok = false;
		return NULL;
	}
	if (strcmp(tok, "-") == 0)
		return calloc(1, 1);
	n = strlen(tok) / 2;
	out = malloc(n + 1);
	if (!out) {
		*ok = false;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		int hi = unhex(tok[2 * i]), lo = unhex(tok[2 * i + 1]);
		if (hi < 0 || lo < 0)
			*ok = false;
		out[i] = (char)(hi * 16 + lo);
	}
	*len = n;
	return out;
}

static int parse_line(struct plan *p, char *line, bool *sealed)
{
	char *cur = line + 1;
	bool ok = true;
	struct step *s;
	char kind = line[0];

	if (line[1] != ' ' && kind != 'S')
		return -1;
	if (kind != 'S')
		cur = line + 2;
	switch (kind) {
	case 'M':
	case 'W':
		if (!(s = plan_add(p, kind == 'M' ? STEP_MV : STEP_WRITE)))
			return -1;
		s->rootlen = get_num(&cur, 10, &ok);
		s->src = get_esc(&cur, &ok);
		s->dst = get_esc(&cur, &ok);
		s->upper = get_esc(&cur, &ok);
		s->dev = get_num(&cur, 10, &ok);
		s->ino = get_num(&cur, 10, &ok);
		s->odev = get_num(&cur, 10, &ok);
		s->oino = get_num(&cur, 10, &ok);
		s->copy = get_num(&cur, 10, &ok) != 0;
		s->strip = get_num(&cur, 10, &ok) != 0;
		/* a WRITE always has its staged copy */
		return ok && s->src && s->dst && (s->kind == STEP_MV || s->copy) ? 0 : -1;
	case 'R':
		if (!(s = plan_add(p, STEP_RM)))
			return -1;
		s->rootlen = get_num(&cur, 10, &ok);
		s->dst = get_esc(&cur, &ok);
		s->trash = get_esc(&cur, &ok);
		s->dev = get_num(&cur, 10, &ok);
		s->ino = get_num(&cur, 10, &ok);
		return ok && s->dst && s->trash ? 0 : -1;
	case 'A':
		if (!(s = plan_add(p, STEP_META)))
			return -1;
		s->rootlen = get_num(&cur, 10, &ok);
		s->dst = get_esc(&cur, &ok);
		s->mode = get_num(&cur, 8, &ok);
		s->uid = get_num(&cur, 10, &ok);
		s->gid = get_num(&cur, 10, &ok);
		s->atime.tv_sec = get_snum(&cur, &ok);
		s->atime.tv_nsec = get_snum(&cur, &ok);
		s->mtime.tv_sec = get_snum(&cur, &ok);
		s->mtime.tv_nsec = get_snum(&cur, &ok);
		{
			size_t nx = get_num(&cur, 10, &ok);
			if (!ok || nx > 65536)
				return -1;
			s->xattrs = calloc(nx ? nx : 1, sizeof(*s->xattrs));
			if (!s->xattrs)
				return -1;
			for (size_t k = 0; k < nx && ok; k++) {
				s->xattrs[k].name = get_esc(&cur, &ok);
				s->xattrs[k].value = get_hex(&cur, &s->xattrs[k].len, &ok);
				s->nxattrs = k + 1;
				if (!s->xattrs[k].name)
					ok = false;
			}
		}
		return ok && s->dst ? 0 : -1;
	case 'F':
		if (!(s = plan_add(p, STEP_FIX)))
			return -1;
		s->rootlen = get_num(&cur, 10, &ok);
		s->dst = get_esc(&cur, &ok);
		return ok && s->dst ? 0 : -1;
	case 'I': {
		size_t idx = get_num(&cur, 10, &ok);
		dev_t dev = get_num(&cur, 10, &ok);
		ino_t ino = get_num(&cur, 10, &ok);
		if (!ok || idx >= p->n ||
		    (p->steps[idx].kind != STEP_MV && p->steps[idx].kind != STEP_WRITE))
			return -1;
		p->steps[idx].dev = dev;
		p->steps[idx].ino = ino;
		return 0;
	}
	case 'S':
		if (strcmp(line, "SEAL") != 0)
			return -1;
		*sealed = true;
		return 0;
	default:
		return -1;
	}
}

int journal_read(int fd, struct plan *p, bool *sealed, struct hs_error *err)
{
	size_t len;
	_cleanup_free_ char *buf = hs_read_all(fd, &len);
	char *cur, *nl;
	size_t lineno = 1;

	*sealed = false;
	if (!buf)
		return hs_error_errno(err, "read journal");
	/* Killed before the plan was all written (it goes out in one write before anything
	 * else happens): nothing was staged or changed, there is nothing to undo. */
	nl = memchr(buf, '\n', len);
	if (!nl && len < 11 && strncmp(buf, "HSCOMMIT 1 ", len) == 0)
		return 0;
	if (!nl || strncmp(buf, "HSCOMMIT 1 ", 11) != 0)
		return hs_error_set(err, EINVAL, "journal: bad header");
	*nl = '\0';
	snprintf(p->txid, sizeof(p->txid), "%s", buf + 11);
	cur = nl + 1;
	/* A line without its newline was cut by the crash: it and what follows do not count. */
	while ((nl = memchr(cur, '\n', len - (size_t)(cur - buf)))) {
		*nl = '\0';
		lineno++;
		if (*sealed)
			return hs_error_set(err, EINVAL, "journal: bad line %zu", lineno);
		size_t before = p->n;
		if (parse_line(p, cur, sealed) < 0) {
			/* the half-read step goes (plan_release frees what it holds) */
			while (p->n > before)
				step_release(&p->steps[--p->n]);
			/* Torn plan: staging had not begun. Sealed journals are written whole. */
			if (!memmem(nl + 1, len - (size_t)(nl + 1 - buf), "\nSEAL\n", 6) &&
			    strncmp(nl + 1, "SEAL\n", 5) != 0)
				return 0;
			return hs_error_set(err, EINVAL, "journal: bad line %zu", lineno);
		}
		cur = nl + 1;
	}
	return 0;
}
