/* Node finder: kinds, variables read (nested), flags, control-flow place, loop decisions. */
#include "hs_check.h"

#include "engine/analyze.h"
#include "engine/ast.h"
#include "lib/error.h"

#include <string.h>

struct parsed {
	struct hs_ast *ast;
	struct hs_analysis *a;
};

static struct parsed analyze(const char *src)
{
	struct hs_error err = HS_ERROR_INIT;
	struct parsed p = {0};
	p.ast = hs_parse(src, strlen(src), "t.sh", HS_PARSE_POSIX, &err);
	ck_assert_msg(p.ast != NULL, "parse: %s", err.msg);
	p.a = hs_analyze(p.ast, &err);
	ck_assert_msg(p.a != NULL, "analyze: %s", err.msg);
	return p;
}

static void done(struct parsed *p)
{
	hs_analysis_free(p->a);
	hs_ast_free(p->ast);
}

/* The first entry whose text starts with prefix. */
static const struct hs_cmd *find(const struct parsed *p, const char *prefix)
{
	for (size_t i = 0; i < p->a->n; i++) {
		const struct hs_cmd *c = &p->a->cmds[i];
		if (c->range.end - c->range.start >= strlen(prefix) &&
		    memcmp(p->a->src + c->range.start, prefix, strlen(prefix)) == 0)
			return c;
	}
	ck_abort_msg("no command starting with %s", prefix);
	return NULL;
}

/* The first entry whose text is exactly text. */
static const struct hs_cmd *exact(const struct parsed *p, const char *text)
{
	for (size_t i = 0; i < p->a->n; i++) {
		const struct hs_cmd *c = &p->a->cmds[i];
		if (c->range.end - c->range.start == strlen(text) &&
		    memcmp(p->a->src + c->range.start, text, strlen(text)) == 0)
			return c;
	}
	ck_abort_msg("no command %s", text);
	return NULL;
}

/* The vars of c joined by spaces. */
static const char *vars(const struct hs_cmd *c)
{
	static char buf[512];
	buf[0] = '\0';
	for (size_t i = 0; i < c->n_vars; i++) {
		if (i)
			strcat(buf, " ");
		strcat(buf, c->vars[i]);
	}
	return buf;
}

static int is_node(const struct hs_cmd *c)
{
	return (c->flags & HS_CMD_F_SPECULATE) != 0;
}

START_TEST(kinds_of_simple_and_compound_commands)
{
	struct parsed p = analyze("ls -l\necho hi\ncd /\nx=1\ny=$(date)\nf() { :; }\nf\n"
				  "ls | wc -l\n$cmd x\nfor i in a; do :; done\nwhile :; do :; done\n"
				  "if :; then :; fi\ncase a in a) :;; esac\n( : )\n{ :; }\n"
				  "command ls\ncommand -v ls\nexport A=1\n");
	ck_assert_int_eq(find(&p, "ls -l")->kind, HS_CMD_EXTERNAL);
	ck_assert_int_eq(find(&p, "echo")->kind, HS_CMD_BUILTIN);
	ck_assert_int_eq(find(&p, "cd")->kind, HS_CMD_STATE);
	ck_assert_int_eq(find(&p, "x=1")->kind, HS_CMD_ASSIGN);
	ck_assert_int_eq(find(&p, "y=")->kind, HS_CMD_ASSIGN_SUBST);
	ck_assert_int_eq(find(&p, "f()")->kind, HS_CMD_FUNCDEF);
	ck_assert_int_eq(exact(&p, "f")->kind, HS_CMD_CALL);
	ck_assert_int_eq(find(&p, "ls |")->kind, HS_CMD_PIPELINE);
	ck_assert_int_eq(find(&p, "$cmd")->kind, HS_CMD_DYNAMIC);
	ck_assert_int_eq(find(&p, "for")->kind, HS_CMD_FOR);
	ck_assert_int_eq(find(&p, "while")->kind, HS_CMD_WHILE);
	ck_assert_int_eq(find(&p, "if")->kind, HS_CMD_IF);
	ck_assert_int_eq(find(&p, "case")->kind, HS_CMD_CASE);
	ck_assert_int_eq(find(&p, "( :")->kind, HS_CMD_SUBSHELL);
	ck_assert_int_eq(find(&p, "{ :")->kind, HS_CMD_GROUP);
	ck_assert_int_eq(find(&p, "command ls")->kind, HS_CMD_EXTERNAL);
	ck_assert_int_eq(find(&p, "command -v")->kind, HS_CMD_BUILTIN);
	ck_assert_int_eq(find(&p, "export")->kind, HS_CMD_STATE);
	/* Nodes: externals, pipelines and x=$(...), nothing else. */
	ck_assert(is_node(find(&p, "ls -l")));
	ck_assert(is_node(find(&p, "ls |")));
	ck_assert(is_node(find(&p, "y=")));
	ck_assert(!is_node(find(&p, "echo")));
	ck_assert(!is_node(find(&p, "cd")));
	ck_assert(!is_node(exact(&p, "f")));
	ck_assert(!is_node(find(&p, "$cmd")));
	ck_assert(!is_node(find(&p, "for")));
	done(&p);
}
END_TEST

START_TEST(ids_are_source_order_and_dense)
{
	struct parsed p = analyze("a; b | c\nif d; then e; else f; fi\ng &\n");
	for (size_t i = 0; i < p.a->n; i++) {
		ck_assert_uint_eq(p.a->cmds[i].id, i + 1);
		if (i)
			ck_assert_uint_ge(p.a->cmds[i].range.start, p.a->cmds[i - 1].range.start);
	}
	ck_assert_uint_eq(p.a->n, 7);
	done(&p);
}
END_TEST

START_TEST(vars_read_in_words_params_cmdsub_arith_heredoc)
{
	struct parsed p = analyze("ls $a ${b:-$c} \"$(echo $d)\" $((e + f * 0x1F)) <<EOF\n$g\nEOF\n");
	const struct hs_cmd *c = find(&p, "ls");
	ck_assert_str_eq(vars(c), "IFS a b c d e f g");
	ck_assert(is_node(c));
	done(&p);
}
END_TEST

START_TEST(vars_read_through_called_functions)
{
	struct parsed p = analyze("h() { echo \"$inner $1\"; k; }\nk() { echo $deep; h; }\n"
				  "ls $(h) | grep $top\n");
	const struct hs_cmd *c = find(&p, "ls");
	ck_assert_str_eq(vars(c), "IFS deep inner top");
	ck_assert_uint_eq(c->n_calls, 2);
	/* $1 inside h is h's argument, not the caller's. */
	ck_assert(!(c->flags & HS_CMD_F_READS_POSITIONAL));
	done(&p);
}
END_TEST

START_TEST(special_parameters_block_wrapping)
{
	struct parsed p = analyze("ls $?\nls $$\nls $!\nls \"$@\"\nls $#\nls $0\n"
				  "f() { echo $?; }\nls $(f)\nls ${x=1}\nls $((y += 1))\n$cmd x | sort\n");
	ck_assert(!is_node(find(&p, "ls $?")));
	ck_assert(find(&p, "ls $?")->flags & HS_CMD_F_READS_STATUS);
	ck_assert(!is_node(find(&p, "ls $$")));
	ck_assert(!is_node(find(&p, "ls $!")));
	ck_assert(is_node(find(&p, "ls \"$@\"")));
	ck_assert(find(&p, "ls \"$@\"")->flags & HS_CMD_F_READS_POSITIONAL);
	ck_assert(find(&p, "ls $#")->flags & HS_CMD_F_READS_POSITIONAL);
	ck_assert(!(find(&p, "ls $0")->flags & HS_CMD_F_READS_POSITIONAL));
	ck_assert(!is_node(find(&p, "ls $(f)")));
	ck_assert(!is_node(find(&p, "$cmd x | sort")));
	ck_assert(find(&p, "$cmd x | sort")->flags & HS_CMD_F_READS_UNKNOWN);
	ck_assert(!is_node(find(&p, "ls ${x")));
	ck_assert(!is_node(find(&p, "ls $((y")));
	done(&p);
}
END_TEST

/* What only the shell itself can answer: still nodes (run with fd 9 closed), never
 * speculated. */
START_TEST(commands_looking_at_the_shell_process)
{
	struct parsed p = analyze("f() { :; }\ntype f | head -n 1\ncommand -v f | cat\n"
				  "ls /proc/self/fd | sort\nsh -c 'ls /dev/fd' | sort\n"
				  "command ls | sort\nls /proc/cpuinfo | sort\ng() { type ls; }\n"
				  "g | cat\n");
	const char *shell[] = {"type f", "command -v", "ls /proc/self", "sh -c", "g | cat"};
	for (size_t i = 0; i < sizeof(shell) / sizeof(*shell); i++) {
		const struct hs_cmd *c = find(&p, shell[i]);
		ck_assert_msg(c->flags & HS_CMD_F_READS_SHELL, "%s: no reads_shell", shell[i]);
	}
	ck_assert(is_node(find(&p, "type f")));
	ck_assert(is_node(find(&p, "ls /proc/self")));
	ck_assert(!(find(&p, "command ls")->flags & HS_CMD_F_READS_SHELL));
	ck_assert(!(find(&p, "ls /proc/cpuinfo")->flags & HS_CMD_F_READS_SHELL));
	done(&p);
}
END_TEST

START_TEST(subshells_background_and_pipelines_elements_are_not_nodes)
{
	struct parsed p = analyze("( ls )\nls &\nx=$(ls)\nls | while read l; do cat; done\n"
				  "{ ls; } > out\n");
	const struct hs_cmd *in_sub = exact(&p, "ls");
	ck_assert(!is_node(in_sub));
	ck_assert(in_sub->flags & HS_CMD_F_SUBSHELL);
	ck_assert(!is_node(hs_analysis_cmd(p.a, 3)));
	ck_assert(hs_analysis_cmd(p.a, 3)->flags & HS_CMD_F_BACKGROUND);
	ck_assert(is_node(find(&p, "ls |")));
	ck_assert(is_node(hs_analysis_cmd(p.a, 7)));
	/* The pipeline's elements are not entries of their own. */
	for (size_t i = 0; i < p.a->n; i++)
		ck_assert(strncmp(p.a->src + p.a->cmds[i].range.start, "cat", 3) != 0);
	done(&p);
}
END_TEST

START_TEST(control_flow_place)
{
	struct parsed p = analyze("for i in a b; do\n"
				  "  if grep x f; then ls; else cat f; fi\n"
				  "done\n"
				  "case $v in a) wc;; b) sort;; esac\n"
				  "while test -f x; do rm x; done\n"
				  "f() { tr a b; }\n");
	const struct hs_cmd *loop = find(&p, "for");
	const struct hs_cmd *iff = find(&p, "if");
	ck_assert_uint_eq(iff->parent, loop->id);
	ck_assert_uint_eq(iff->loop, loop->id);
	ck_assert_int_eq(iff->role, HS_ROLE_BODY);
	ck_assert_int_eq(find(&p, "grep")->role, HS_ROLE_COND);
	ck_assert_int_eq(find(&p, "ls")->role, HS_ROLE_THEN);
	ck_assert_int_eq(find(&p, "cat")->role, HS_ROLE_ELSE);
	ck_assert_uint_eq(find(&p, "cat")->loop, loop->id);
	ck_assert_uint_eq(loop->end_id, find(&p, "cat")->id);
	ck_assert_int_eq(find(&p, "wc")->role, HS_ROLE_ARM);
	ck_assert_uint_eq(find(&p, "wc")->arm, 0);
	ck_assert_uint_eq(find(&p, "sort")->arm, 1);
	ck_assert_int_eq(find(&p, "test")->role, HS_ROLE_COND);
	ck_assert_uint_eq(find(&p, "rm")->loop, find(&p, "while")->id);
	ck_assert_uint_eq(find(&p, "tr")->func, find(&p, "f()")->id);
	ck_assert(find(&p, "tr")->flags & HS_CMD_F_IN_FUNCTION);
	ck_assert_uint_eq(find(&p, "ls")->loop, loop->id);
	ck_assert_uint_eq(loop->n_words, 2);
	ck_assert_str_eq(loop->words[1], "b");
	done(&p);
}
END_TEST

START_TEST(loop_announcement_decisions)
{
	struct parsed p = analyze("for a in x $(ls) *.c; do :; done\n"
				  "for b in *.c $(ls); do :; done\n"
				  "for c in ${y:=1}; do :; done\n"
				  "for d in x; do echo $?; done\n"
				  "for e in ${z:-$(ls)}; do :; done\n"
				  "for f in \"`ls`\"; do :; done\n"
				  "ls | for g in x; do :; done\n"
				  "for h; do :; done\n"
				  "true && for k in x; do :; done\n"
				  "for l in a \"b\n c\"; do :; done\n");
	ck_assert(find(&p, "for a")->flags & HS_CMD_F_ANNOUNCED);
	ck_assert(!(find(&p, "for b")->flags & HS_CMD_F_ANNOUNCED));
	ck_assert(!(find(&p, "for c")->flags & HS_CMD_F_ANNOUNCED));
	ck_assert(!(find(&p, "for d")->flags & HS_CMD_F_ANNOUNCED));
	ck_assert(!(find(&p, "for e")->flags & HS_CMD_F_ANNOUNCED));
	ck_assert(!(find(&p, "for f")->flags & HS_CMD_F_ANNOUNCED));
	ck_assert(!(find(&p, "ls |")->flags & HS_CMD_F_ANNOUNCED));
	ck_assert(find(&p, "for h")->flags & HS_CMD_F_ANNOUNCED);
	ck_assert(find(&p, "for h")->flags & HS_CMD_F_READS_POSITIONAL);
	ck_assert(!(find(&p, "for k")->flags & HS_CMD_F_ANNOUNCED));
	ck_assert(!(find(&p, "for l")->flags & HS_CMD_F_ANNOUNCED));
	done(&p);
}
END_TEST

START_TEST(redirections_and_stdin)
{
	struct parsed p = analyze("cat < in > out 2>&1\ncat\ngrep x <<EOF\nbody\nEOF\n"
				  "sort >&3\nread v\nread w < f\n");
	const struct hs_cmd *c = find(&p, "cat <");
	ck_assert_uint_eq(c->n_redirs, 3);
	ck_assert_int_eq(c->redirs[0].fd, 0);
	ck_assert_str_eq(c->redirs[0].target, "in");
	ck_assert_int_eq(c->redirs[1].fd, 1);
	ck_assert_int_eq(c->redirs[2].fd, 2);
	ck_assert_int_eq(c->redirs[2].op, HS_REDIR_DUP_OUT);
	ck_assert(!(c->flags & HS_CMD_F_READS_STDIN));
	ck_assert(exact(&p, "cat")->flags & HS_CMD_F_READS_STDIN);
	const struct hs_cmd *g = find(&p, "grep");
	ck_assert(!(g->flags & HS_CMD_F_READS_STDIN));
	ck_assert_str_eq(g->redirs[0].target, "EOF");
	ck_assert(!is_node(find(&p, "sort")));
	ck_assert(find(&p, "sort")->flags & HS_CMD_F_FD_ABOVE_2);
	ck_assert(find(&p, "read v")->flags & HS_CMD_F_READS_STDIN);
	ck_assert(!(find(&p, "read w")->flags & HS_CMD_F_READS_STDIN));
	ck_assert_str_eq(find(&p, "read v")->assigns[0], "v");
	done(&p);
	p = analyze("A=1 ls\nB=2\nC=3 :\nD=$(ls)\n");
	ck_assert_uint_eq(find(&p, "A=1")->n_assigns, 0);
	ck_assert_str_eq(find(&p, "B=2")->assigns[0], "B");
	ck_assert_str_eq(find(&p, "C=3")->assigns[0], "C");
	ck_assert_str_eq(find(&p, "D=")->assigns[0], "D");
	done(&p);
}
END_TEST

START_TEST(negated_and_andor_pipelines)
{
	struct parsed p = analyze("! grep x f && ls || wc\n");
	const struct hs_cmd *g = find(&p, "grep");
	ck_assert(g->flags & HS_CMD_F_NEGATED);
	ck_assert(is_node(g));
	ck_assert_int_eq(find(&p, "ls")->andor_op, HS_ANDOR_AND);
	ck_assert_int_eq(find(&p, "wc")->andor_op, HS_ANDOR_OR);
	done(&p);
}
END_TEST

START_TEST(json_table_has_every_command)
{
	struct parsed p = analyze("for i in a; do ls \"$i\"; done\n");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_int_eq(hs_analysis_json(p.a, f), 0);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "\"id\":1,\"kind\":\"for\""));
	ck_assert_ptr_nonnull(strstr(buf, "\"id\":2,\"kind\":\"external\",\"node\":true"));
	ck_assert_ptr_nonnull(strstr(buf, "\"vars\":[\"IFS\",\"i\"]"));
	ck_assert_ptr_nonnull(strstr(buf, "\"text\":\"ls \\\"$i\\\"\""));
	ck_assert_ptr_nonnull(strstr(buf, "\"announced\""));
	free(buf);
	done(&p);
}
END_TEST

Suite *hs_test_suite(void)
{
	Suite *s = suite_create("analyze");
	TCase *tc = tcase_create("analyze");
	tcase_add_test(tc, kinds_of_simple_and_compound_commands);
	tcase_add_test(tc, ids_are_source_order_and_dense);
	tcase_add_test(tc, vars_read_in_words_params_cmdsub_arith_heredoc);
	tcase_add_test(tc, vars_read_through_called_functions);
	tcase_add_test(tc, special_parameters_block_wrapping);
	tcase_add_test(tc, subshells_background_and_pipelines_elements_are_not_nodes);
	tcase_add_test(tc, control_flow_place);
	tcase_add_test(tc, loop_announcement_decisions);
	tcase_add_test(tc, redirections_and_stdin);
	tcase_add_test(tc, commands_looking_at_the_shell_process);
	tcase_add_test(tc, negated_and_andor_pipelines);
	tcase_add_test(tc, json_table_has_every_command);
	suite_add_tcase(s, tc);
	return s;
}

HS_CHECK_MAIN
