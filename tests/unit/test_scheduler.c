/* scheduler: runtime protocol parsing, shell-state comparison, export -p parsing, stamps. */
#include "hs_check.h"
#include "lib/util.h"
#include "scheduler/sched-internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Build a message from fields (each NUL-terminated) into buf; returns its length. */
static size_t fields(char *buf, const char *const *f, size_t n)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(f[i]) + 1;
		memcpy(buf + len, f[i], l);
		len += l;
	}
	return len;
}

START_TEST(proto_node_message_parses_every_field)
{
	/* node N STATUS PWD OPTS K NPOS (SET VALUE)*K POS*NPOS EXPORTS UMASK */
	const char *f[] = {"node", "17", "3", "/tmp/d", "eu", "2", "2", "1", "va\nl", "", "",
			   "a b", "", "export HOME='/root'\n", "0022\n"};
	char buf[512];
	size_t len = fields(buf, f, sizeof(f) / sizeof(f[0]));
	struct hs_msg m;
	struct hs_error err = HS_ERROR_INIT;

	ck_assert_int_eq(hs_msg_parse(buf, len, &m, &err), (ssize_t)len);
	ck_assert_int_eq(m.kind, HS_MSG_NODE);
	ck_assert_uint_eq(m.id, 17);
	ck_assert_int_eq(m.status, 3);
	ck_assert_str_eq(m.st.pwd, "/tmp/d");
	ck_assert_str_eq(m.st.opts, "eu");
	ck_assert_uint_eq(m.st.npos, 2);
	ck_assert_str_eq(m.st.pos[0], "a b");
	ck_assert_str_eq(m.st.pos[1], "");
	ck_assert_uint_eq(m.st.nvars, 2);
	ck_assert_str_eq(m.st.vars[0].value, "va\nl");
	ck_assert(m.st.vars[0].set);
	ck_assert(!m.st.vars[1].set);
	ck_assert_str_eq(m.st.exports, "export HOME='/root'\n");
	ck_assert_str_eq(m.st.umask, "0022\n");
	hs_msg_release(&m);
}
END_TEST

START_TEST(proto_incomplete_message_waits_for_more)
{
	const char *f[] = {"node", "1", "0", "/", "", "1", "1", "1", "v", "p", "export A='1'",
			   "0022\n"};
	char buf[256];
	size_t len = fields(buf, f, sizeof(f) / sizeof(f[0]));
	struct hs_msg m;
	struct hs_error err = HS_ERROR_INIT;

	for (size_t cut = 0; cut < len; cut++)
		ck_assert_int_eq(hs_msg_parse(buf, cut, &m, &err), 0);
	ck_assert_int_eq(hs_msg_parse(buf, len, &m, &err), (ssize_t)len);
	ck_assert_str_eq(m.st.pos[0], "p");
	hs_msg_release(&m);
}
END_TEST

START_TEST(proto_hello_for_iter_back_to_back)
{
	const char *f[] = {"hello", "2", "4242", "for", "2", "3", "a", "b c", "", "iter", "2", "b c"};
	char buf[256];
	size_t len = fields(buf, f, sizeof(f) / sizeof(f[0])), off = 0;
	struct hs_msg m;
	struct hs_error err = HS_ERROR_INIT;
	ssize_t n;

	n = hs_msg_parse(buf, len, &m, &err);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(m.kind, HS_MSG_HELLO);
	ck_assert_int_eq(m.pid, 4242);
	hs_msg_release(&m);
	off += (size_t)n;
	n = hs_msg_parse(buf + off, len - off, &m, &err);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(m.kind, HS_MSG_FOR);
	ck_assert_uint_eq(m.id, 2);
	ck_assert_uint_eq(m.nwords, 3);
	ck_assert_str_eq(m.words[1], "b c");
	ck_assert_str_eq(m.words[2], "");
	hs_msg_release(&m);
	off += (size_t)n;
	n = hs_msg_parse(buf + off, len - off, &m, &err);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(m.kind, HS_MSG_ITER);
	ck_assert_str_eq(m.value, "b c");
	ck_assert_uint_eq(off + (size_t)n, len);
	hs_msg_release(&m);
}
END_TEST

START_TEST(proto_malformed_messages_are_errors)
{
	struct hs_msg m;
	struct hs_error err = HS_ERROR_INIT;

	ck_assert_int_eq(hs_msg_parse("bogus\0" "1\0", 8, &m, &err), -1);
	ck_assert_int_eq(hs_msg_parse("node\0x\0", 7, &m, &err), -1);
	ck_assert_int_eq(hs_msg_parse("node\0" "1\0" "0\0/\0\0" "-1\0", 15, &m, &err), -1);
	ck_assert_int_eq(hs_msg_parse("node\0" "1\0" "0\0/\0\0" "1\0" "0\0" "2\0v\0", 22, &m,
				      &err),
			 -1);
	ck_assert_int_eq(hs_msg_parse("hello\0" "2\0" "0\0", 10, &m, &err), -1);
}
END_TEST

START_TEST(exports_dash_and_bash_formats_parse)
{
	struct hs_error err = HS_ERROR_INIT;
	char **env = hs_exports_to_envp("export A='it'\"'\"'s'\nexport B='x\ny'\nexport C\n"
					"export D=''\n",
					&err);

	ck_assert_ptr_nonnull(env);
	ck_assert_str_eq(env[0], "A=it's");
	ck_assert_str_eq(env[1], "B=x\ny");
	ck_assert_str_eq(env[2], "D=");
	ck_assert_ptr_null(env[3]);
	hs_strv_free(env);
	env = hs_exports_to_envp("declare -x A=\"a\\\"b\\$c\\\\d\"\ndeclare -x B=$'x\\ny\\047'\n"
				 "declare -x OLDPWD\n",
				 &err);
	ck_assert_ptr_nonnull(env);
	ck_assert_str_eq(env[0], "A=a\"b$c\\d");
	ck_assert_str_eq(env[1], "B=x\ny'");
	ck_assert_ptr_null(env[2]);
	hs_strv_free(env);
	ck_assert_ptr_null(hs_exports_to_envp("garbage\n", &err));
}
END_TEST

/* Round trip through the real dash: what it prints is what we parse back. */
START_TEST(exports_round_trip_through_dash)
{
	char out[] = "/tmp/hs-test-exp-XXXXXX";
	int fd = mkstemp(out);
	char cmd[256];
	struct hs_error err = HS_ERROR_INIT;

	ck_assert_int_ge(fd, 0);
	snprintf(cmd, sizeof(cmd),
		 "env -i 'Q=a'\"'\"'b\"c$d\\e' 'N=1\n2' dash -c 'export -p' > %s", out);
	ck_assert_int_eq(system(cmd), 0);
	char *text = hs_read_all(fd, NULL);
	char **env = hs_exports_to_envp(text, &err);
	ck_assert_ptr_nonnull(env);
	int seen = 0;
	for (char **e = env; *e; e++) {
		if (strcmp(*e, "Q=a'b\"c$d\\e") == 0 || strcmp(*e, "N=1\n2") == 0)
			seen++;
	}
	ck_assert_int_eq(seen, 2);
	hs_strv_free(env);
	free(text);
	close(fd);
	unlink(out);
}
END_TEST

static void state(struct hs_shstate *st, const char *pwd, const char *x)
{
	memset(st, 0, sizeof(*st));
	st->pwd = strdup(pwd);
	st->exports = strdup("export A='1'\n");
	st->pos = calloc(2, sizeof(char *));
	st->pos[st->npos++] = strdup("arg");
	if (x)
		hs_shstate_setvar(st, "x", x);
}

START_TEST(state_match_compares_what_the_node_reads)
{
	struct hs_shstate p, r;
	const char *reads[] = {"x"};
	struct hs_sched_node node = {.id = 1, .reads = reads, .nreads = 1};
	const char *why = NULL;

	state(&p, "/d", "1");
	state(&r, "/d", "1");
	ck_assert(hs_shstate_matches(&p, &r, &node, &why));
	hs_shstate_setvar(&r, "x", "2");
	ck_assert(!hs_shstate_matches(&p, &r, &node, &why));
	ck_assert_str_eq(why, "variables");
	hs_shstate_setvar(&r, "x", NULL);
	ck_assert(!hs_shstate_matches(&p, &r, &node, &why));
	hs_shstate_setvar(&r, "x", "1");
	free(r.pwd);
	r.pwd = strdup("/e");
	ck_assert(!hs_shstate_matches(&p, &r, &node, &why));
	ck_assert_str_eq(why, "cwd");
	free(r.pwd);
	r.pwd = strdup("/d");
	free(r.pos[0]);
	r.pos[0] = strdup("other");
	ck_assert(!hs_shstate_matches(&p, &r, &node, &why));
	ck_assert_str_eq(why, "positional parameters");
	free(r.pos[0]);
	r.pos[0] = strdup("arg");
	free(r.exports);
	r.exports = strdup("export A='2'\n");
	ck_assert(!hs_shstate_matches(&p, &r, &node, &why));
	ck_assert_str_eq(why, "environment");
	hs_shstate_release(&p);
	hs_shstate_release(&r);
}
END_TEST

START_TEST(state_unknown_variable_predicted_unset)
{
	struct hs_shstate p, r;
	const char *reads[] = {"y"};
	struct hs_sched_node node = {.id = 1, .reads = reads, .nreads = 1};

	state(&p, "/d", NULL);
	state(&r, "/d", NULL);
	hs_shstate_setvar(&r, "y", NULL);
	ck_assert(hs_shstate_matches(&p, &r, &node, NULL));
	hs_shstate_setvar(&r, "y", "");
	ck_assert(!hs_shstate_matches(&p, &r, &node, NULL));
	hs_shstate_setvar(&r, "IFS", " ");
	hs_shstate_setvar(&r, "y", NULL);
	ck_assert(!hs_shstate_matches(&p, &r, &node, NULL));
	hs_shstate_release(&p);
	hs_shstate_release(&r);
}
END_TEST

START_TEST(stamp_sees_create_write_replace_remove)
{
	char dir[] = "/var/tmp/hs-stamp-XXXXXX";
	char path[64], tmp[80];
	struct hs_stamp a, b;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	snprintf(tmp, sizeof(tmp), "%s/g", dir);
	hs_stamp_take(path, false, &a);
	ck_assert(!a.exists);
	int fd = open(path, O_CREAT | O_WRONLY, 0644);
	ck_assert_int_ge(fd, 0);
	hs_stamp_take(path, false, &b);
	ck_assert(!hs_stamp_equal(&a, &b)); /* absent -> present */
	hs_stamp_take(path, false, &a);
	ck_assert(hs_stamp_equal(&a, &b));
	ck_assert_int_eq(write(fd, "x", 1), 1);
	close(fd);
	hs_stamp_take(path, false, &b);
	ck_assert(!hs_stamp_equal(&a, &b)); /* written */
	/* Same size, rewritten at once: multigrain timestamps or the inode tell. */
	hs_stamp_take(path, false, &a);
	fd = open(tmp, O_CREAT | O_WRONLY, 0644);
	ck_assert_int_eq(write(fd, "y", 1), 1);
	close(fd);
	ck_assert_int_eq(rename(tmp, path), 0);
	hs_stamp_take(path, false, &b);
	ck_assert(!hs_stamp_equal(&a, &b)); /* replaced */
	ck_assert_int_eq(unlink(path), 0);
	hs_stamp_take(path, false, &a);
	ck_assert(!hs_stamp_equal(&a, &b)); /* removed */
	rmdir(dir);
}
END_TEST

START_TEST(shquote_round_trips_through_dash)
{
	const char *orig = "a'b \"c\" $d\n";
	char *q = hs_shquote(orig);
	char cmd[256];

	ck_assert_str_eq(q, "'a'\\''b \"c\" $d\n'");
	setenv("HS_EXP", orig, 1);
	snprintf(cmd, sizeof(cmd), "dash -c '[ \"$(printf %%s \"$1\"; echo .)\" = \"$HS_EXP.\" ]' x %s",
		 q);
	ck_assert_int_eq(system(cmd), 0);
	free(q);
}
END_TEST

/* deps of the texts, in program order: dep_on[i] for node ids 1..n. */
static void text_deps(const char *const *texts, size_t n, unsigned *dep_on)
{
	struct hs_sched_node nodes[16];
	const struct hs_sched_node *order[16];

	ck_assert_uint_le(n, 16);
	memset(nodes, 0, sizeof(nodes));
	for (size_t i = 0; i < n; i++) {
		nodes[i].id = (unsigned)i + 1;
		nodes[i].text = texts[i];
		nodes[i].loop = -1;
		order[i] = &nodes[i];
	}
	memset(dep_on, 0, (n + 1) * sizeof(*dep_on));
	hs_sched_text_deps(order, n, dep_on);
}

START_TEST(text_deps_follow_literal_redirection_targets)
{
	const char *t[] = {
		"sort -n s0 > s1",                   /* 1 */
		"awk '{print $2}' s1 > s2",          /* 2: reads s1 (1) */
		"sort s2 >s3 2>/dev/null",           /* 3: reads s2 (2) */
		"cat s1 s3",                         /* 4: s1 (1) and s3 (3): several */
		"echo x > s3",                       /* 5: a blind write reads nothing */
		"echo y >> s3",                      /* 6: an append reads s3 (5) */
		"wc -l < s3",                        /* 7: s3 written by 6 last */
		"cat s1x s10 's2' $s1 s1/x >&2",     /* 8: no same word */
		"grep a \"$f\" > \"out/$f\"",        /* 9: a target with an expansion */
		"cat out/",                          /* 10 */
		"echo s1>/dev/null",                 /* 11: s1 again: reads it (1) */
		"cmp -s out/$f \"ref/$f\"",          /* 12: the same text: reads it (9) */
	};
	unsigned dep[13];

	text_deps(t, 12, dep);
	ck_assert_uint_eq(dep[1], 0);
	ck_assert_uint_eq(dep[2], 1);
	ck_assert_uint_eq(dep[3], 2);
	ck_assert_uint_eq(dep[4], HS_DEP_ANY);
	ck_assert_uint_eq(dep[5], 0);
	ck_assert_uint_eq(dep[6], 5);
	ck_assert_uint_eq(dep[7], 6);
	ck_assert_uint_eq(dep[8], 0);
	ck_assert_uint_eq(dep[9], 0);
	ck_assert_uint_eq(dep[10], 0);
	ck_assert_uint_eq(dep[11], 1);
	ck_assert_uint_eq(dep[12], 9);
}
END_TEST

START_TEST(text_deps_in_a_loop_count_the_node_itself)
{
	struct hs_sched_node nodes[3] = {
		{.id = 4, .text = "head -c $i data | cksum >> sums.txt", .loop = 2},
		{.id = 5, .text = "sort x > y", .loop = 2}, /* a blind write, each time */
		{.id = 6, .text = "cat sums.txt y", .loop = -1},
	};
	const struct hs_sched_node *order[3] = {&nodes[0], &nodes[1], &nodes[2]};
	unsigned dep[7] = {0};

	hs_sched_text_deps(order, 3, dep);
	ck_assert_uint_eq(dep[4], 4);
	ck_assert_uint_eq(dep[5], 0);
	ck_assert_uint_eq(dep[6], HS_DEP_ANY);
}
END_TEST

Suite *hs_test_suite(void)
{
	Suite *s = suite_create("scheduler");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, proto_node_message_parses_every_field);
	tcase_add_test(tc, proto_incomplete_message_waits_for_more);
	tcase_add_test(tc, proto_hello_for_iter_back_to_back);
	tcase_add_test(tc, proto_malformed_messages_are_errors);
	tcase_add_test(tc, exports_dash_and_bash_formats_parse);
	tcase_add_test(tc, exports_round_trip_through_dash);
	tcase_add_test(tc, state_match_compares_what_the_node_reads);
	tcase_add_test(tc, state_unknown_variable_predicted_unset);
	tcase_add_test(tc, stamp_sees_create_write_replace_remove);
	tcase_add_test(tc, shquote_round_trips_through_dash);
	tcase_add_test(tc, text_deps_follow_literal_redirection_targets);
	tcase_add_test(tc, text_deps_in_a_loop_count_the_node_itself);
	suite_add_tcase(s, tc);
	return s;
}

HS_CHECK_MAIN
