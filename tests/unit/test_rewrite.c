/* Rewriter: exact emitted forms, line numbers kept, bytes outside nodes unchanged, refusals. */
#include "hs_check.h"

#include "engine/rewrite.h"
#include "lib/error.h"

#include <stdlib.h>
#include <string.h>

static struct hs_rewrite *rewrite(const char *src)
{
	struct hs_error err = HS_ERROR_INIT;
	struct hs_rewrite *rw = hs_rewrite_script(src, strlen(src), "t.sh", 0, &err);
	ck_assert_msg(rw != NULL, "rewrite: %s", err.msg);
	return rw;
}

/* The rewritten text without the prelude. */
static const char *body(const struct hs_rewrite *rw)
{
	const char *p = hs_runtime_prelude();
	ck_assert_msg(strncmp(rw->text, p, strlen(p)) == 0, "prelude missing");
	return rw->text + strlen(p);
}

static size_t lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

START_TEST(prelude_is_one_line_ending_in_a_separator)
{
	const char *p = hs_runtime_prelude();
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_null(strchr(p, '\n'));
	ck_assert_int_eq(p[strlen(p) - 2], ';');
	ck_assert_ptr_nonnull(strstr(hs_runtime_source(), "__hs_node()"));
}
END_TEST

START_TEST(node_wrapped_with_vars_and_positional)
{
	struct hs_rewrite *rw = rewrite("x=1\nls $x \"$1\"\n");
	ck_assert_ptr_null(rw->refused);
	ck_assert_str_eq(body(rw), "x=1\nif __hs_node 2 2 \"${IFS+1}\" \"${IFS-}\" \"${x+1}\" "
				   "\"${x-}\" \"$@\"; then __hs_ret; else { ls $x \"$1\"; } 9>&-; "
				   "fi\n");
	ck_assert_uint_eq(rw->n_nodes, 1);
	hs_rewrite_free(rw);
}
END_TEST

START_TEST(bang_stays_outside_and_andor_split)
{
	struct hs_rewrite *rw = rewrite("! grep a f && wc f\n");
	ck_assert_str_eq(body(rw), "! if __hs_node 1 1 \"${IFS+1}\" \"${IFS-}\"; then __hs_ret; "
				   "else { grep a f; } 9>&-; fi && if __hs_node 2 1 \"${IFS+1}\" "
				   "\"${IFS-}\"; then __hs_ret; else { wc f; } 9>&-; fi\n");
	hs_rewrite_free(rw);
}
END_TEST

START_TEST(heredoc_body_stays_after_the_line)
{
	struct hs_rewrite *rw = rewrite("cat <<EOF; echo x\n$y\nEOF\n");
	ck_assert_str_eq(body(rw), "if __hs_node 1 2 \"${IFS+1}\" \"${IFS-}\" \"${y+1}\" "
				   "\"${y-}\"; then __hs_ret; else { cat <<EOF; } 9>&-; fi; echo x\n"
				   "$y\nEOF\n");
	hs_rewrite_free(rw);
}
END_TEST

START_TEST(for_loop_announced_with_hoisted_substitution)
{
	struct hs_rewrite *rw = rewrite("for f in a \"$(ls)\" $(echo b)c; do :; done\n");
	ck_assert_str_eq(body(rw),
			 "if __hs_l1_1=$(ls); then :; fi; if __hs_l1_2=$(echo b); then :; fi; "
			 "__hs_for 1 a \"${__hs_l1_1}\" ${__hs_l1_2}c; "
			 "for f in a \"${__hs_l1_1}\" ${__hs_l1_2}c; do __hs_iter 1 \"${f-}\"; :; "
			 "done\n");
	ck_assert_uint_eq(rw->n_loops, 1);
	hs_rewrite_free(rw);
}
END_TEST

START_TEST(for_without_in_announces_positional)
{
	struct hs_rewrite *rw = rewrite("for a\ndo\n  cat \"$a\"\ndone\n");
	ck_assert_str_eq(body(rw), "__hs_for 1 \"$@\"; for a\ndo\n  __hs_iter 1 \"${a-}\"; "
				   "if __hs_node 2 2 \"${IFS+1}\" \"${IFS-}\" \"${a+1}\" \"${a-}\"; "
				   "then __hs_ret; else { cat \"$a\"; } 9>&-; fi\ndone\n");
	hs_rewrite_free(rw);
}
END_TEST

START_TEST(lines_and_other_bytes_are_kept)
{
	const char *src = "#!/bin/sh\n# comment $x\nif true; then\n\tls   -l  # trailing\nfi\n"
			  "case $v in a) sort f;; esac\nf() {\n  grep -q x \\\n   y\n}\n";
	struct hs_rewrite *rw = rewrite(src);
	const char *b = body(rw);
	ck_assert_uint_eq(lines(b), lines(src));
	/* Removing the wrappers gives back the original (in a function body: __hs_fnode). */
	char *copy = strdup(b), *o = copy;
	for (const char *p = b; *p;) {
		const char *w = strstr(p, "if __hs_");
		if (!w) {
			strcpy(o, p);
			break;
		}
		memcpy(o, p, (size_t)(w - p));
		o += w - p;
		p = strstr(w, "else { ") + 7;
		const char *end = strstr(p, "; } 9>&-; fi");
		memcpy(o, p, (size_t)(end - p));
		o += end - p;
		p = end + strlen("; } 9>&-; fi");
		*o = '\0';
	}
	ck_assert_str_eq(copy, src);
	free(copy);
	ck_assert_uint_eq(rw->n_nodes, 3);
	ck_assert_ptr_nonnull(strstr(b, "f() {\n  if __hs_fnode 7 "));
	hs_rewrite_free(rw);
}
END_TEST

static void expect_refused(const char *src, const char *why_part)
{
	struct hs_rewrite *rw = rewrite(src);
	ck_assert_msg(rw->refused != NULL, "not refused: %s", src);
	ck_assert_msg(strstr(rw->refused, why_part) != NULL, "%s: reason '%s'", src, rw->refused);
	ck_assert_uint_eq(rw->len, strlen(src));
	ck_assert_str_eq(rw->text, src);
	hs_rewrite_free(rw);
}

START_TEST(unsafe_scripts_run_unchanged)
{
	expect_refused("ls\necho $-\n", "$-");
	expect_refused("exec 9>file\nls\n", "fd 9");
	expect_refused("ls >&9\n", "fd 9");
	expect_refused("ls >&$fd\n", "computed fd");
	expect_refused("set -x\nls\n", "set -x");
	expect_refused("set -eux\nls\n", "set -x");
	expect_refused("set -o xtrace\nls\n", "set -x");
	expect_refused("set\n", "no arguments");
	expect_refused("echo 'ls' >> \"$0\"\n", "own file");
	expect_refused("set $opts\n", "computed options");
	expect_refused("set -e -o xtrace\n", "set -x");
	expect_refused("alias l=ls\nl\n", "aliases");
	expect_refused("echo $LINENO\n", "LINENO");
	expect_refused("[[ -f x ]] && ls\n", "bash");
	expect_refused("__hs_node=1\n", "__hs");
	expect_refused("printf() { :; }\nls\n", "builtin");
	expect_refused("trap 'echo' DEBUG\nls\n", "DEBUG");
	expect_refused("if true; then\nls\n", "parse error");
	expect_refused("ls 'unterminated\n", "parse error");
	/* set -v prints the lines as dash reads them: from the file, not a -c string. */
	expect_refused("set -v\nls\n", "set -v");
	expect_refused("set -ev\nls\n", "set -v");
	expect_refused("set -o verbose\nls\n", "set -v");
	expect_refused("ls; set +o verbose\n", "set -v");
}
END_TEST

/* dash reads the script file as it runs: a script that writes into its own file (the same
 * inode) must run as itself, not as a -c string (the rewriter's file name here: t.sh). */
START_TEST(writes_to_own_file_run_unchanged)
{
	expect_refused("ls\necho 'ls' >> \"$0\"\n", "own file");
	expect_refused("exec 3>>$0\n", "own file");
	expect_refused("echo ls | tee -a \"$0\" >/dev/null\n", "own file");
	expect_refused("echo ls | env tee \"${0}\"\n", "own file");
	expect_refused("printf 'ls\\n' | dd of=\"$0\" conv=notrunc\n", "own file");
	expect_refused("cp new.sh \"$0\"\n", "own file");
	expect_refused("truncate -s 0 $0\n", "own file");
	expect_refused("self=$0\nls\necho ls >> \"$self\"\n", "own file");
	expect_refused("me=\"$(readlink -f \"$0\")\"\ncat x | tee -a \"$me\"\n", "own file");
	expect_refused("echo ls >> t.sh\n", "own file");
	expect_refused("echo ls >> \"$dir/t.sh\"\n", "own file");
	expect_refused("cat x > ./t.sh\n", "own file");

	const char *ok[] = {"cat \"$0\" | wc -l\n",
			    "cp \"$0\" backup.sh\n",
			    "grep -c x \"$0\" > count\n",
			    "dir=$(dirname \"$0\")\nls > \"$dir/out\"\n",
			    "echo x > my-t.sh\n",
			    "echo x > t.sh.log\n",
			    "sed -i s/a/b/ \"$0\"\n",
			    "echo ${#0} > len\n"};
	for (size_t i = 0; i < sizeof(ok) / sizeof(*ok); i++) {
		struct hs_rewrite *rw = rewrite(ok[i]);
		ck_assert_msg(rw->refused == NULL, "%s refused: %s", ok[i], rw->refused);
		hs_rewrite_free(rw);
	}
	/* -c has no file of its own. */
	struct hs_error err = HS_ERROR_INIT;
	const char *src = "echo ls >> t.sh\n";
	struct hs_rewrite *rw = hs_rewrite_script(src, strlen(src), "-c", 0, &err);
	ck_assert_ptr_nonnull(rw);
	ck_assert_ptr_null(rw->refused);
	hs_rewrite_free(rw);
}
END_TEST

START_TEST(set_with_positional_words_is_fine)
{
	const char *ok[] = {"set -- $x\nls\n", "set fnord $(ls)\nls\n", "set -e -- -x\nls\n",
			    "set -e\nls\n", "set +e x -v\nls\n"};
	for (size_t i = 0; i < sizeof(ok) / sizeof(*ok); i++) {
		struct hs_rewrite *rw = rewrite(ok[i]);
		ck_assert_msg(rw->refused == NULL, "%s refused: %s", ok[i], rw->refused);
		hs_rewrite_free(rw);
	}
}
END_TEST

START_TEST(oversize_script_runs_unchanged_unless_asked)
{
	size_t n = HS_REWRITE_MAX_SIZE + 100;
	char *src = malloc(n + 1);
	for (size_t i = 0; i < n; i += 5)
		memcpy(src + i, "ls x\n", 5);
	src[n] = '\0';
	struct hs_error err = HS_ERROR_INIT;
	struct hs_rewrite *rw = hs_rewrite_script(src, n, "big.sh", 0, &err);
	ck_assert_ptr_nonnull(rw);
	ck_assert_ptr_nonnull(rw->refused);
	ck_assert_uint_eq(rw->len, n);
	hs_rewrite_free(rw);
	rw = hs_rewrite_script(src, n, "big.sh", HS_REWRITE_ANY_SIZE, &err);
	ck_assert_ptr_null(rw->refused);
	ck_assert_uint_eq(rw->n_nodes, n / 5);
	hs_rewrite_free(rw);
	free(src);
}
END_TEST

Suite *hs_test_suite(void)
{
	Suite *s = suite_create("rewrite");
	TCase *tc = tcase_create("rewrite");
	tcase_add_test(tc, prelude_is_one_line_ending_in_a_separator);
	tcase_add_test(tc, node_wrapped_with_vars_and_positional);
	tcase_add_test(tc, bang_stays_outside_and_andor_split);
	tcase_add_test(tc, heredoc_body_stays_after_the_line);
	tcase_add_test(tc, for_loop_announced_with_hoisted_substitution);
	tcase_add_test(tc, for_without_in_announces_positional);
	tcase_add_test(tc, lines_and_other_bytes_are_kept);
	tcase_add_test(tc, unsafe_scripts_run_unchanged);
	tcase_add_test(tc, writes_to_own_file_run_unchanged);
	tcase_add_test(tc, set_with_positional_words_is_fine);
	tcase_add_test(tc, oversize_script_runs_unchanged_unless_asked);
	suite_add_tcase(s, tc);
	return s;
}

HS_CHECK_MAIN
