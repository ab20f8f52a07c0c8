/* engine/parse.c: the shell parser, rule by rule (XCU 2.3-2.10), the hard cases, bash
 * extensions, errors with line:col, and bad input. Every tree is also checked with
 * hs_ast_verify (ranges inside parents, siblings ordered, exact word parts). */
#include "hs_check.h"
#include "engine/ast.h"
#include "lib/error.h"

#include <stdint.h>
#include <string.h>

static struct hs_ast *cur;
static char errbuf[HS_ERROR_MSG_MAX];

static struct hs_ast *P(const char *src)
{
	struct hs_error err = HS_ERROR_INIT;

	hs_ast_free(cur);
	cur = hs_parse(src, strlen(src), "t", 0, &err);
	ck_assert_msg(cur, "parse failed: %s\nsource: %s", err.msg, src);
	ck_assert_msg(hs_ast_verify(cur, &err) == 0, "verify: %s\nsource: %s", err.msg, src);
	return cur;
}

/* Parse must fail; returns the message. */
static const char *E(const char *src)
{
	struct hs_error err = HS_ERROR_INIT;
	struct hs_ast *a = hs_parse(src, strlen(src), "t", 0, &err);

	ck_assert_msg(!a, "parse should fail: %s", src);
	snprintf(errbuf, sizeof(errbuf), "%s", err.msg);
	return errbuf;
}

struct find {
	enum hs_node_kind kind;
	int n;
	struct hs_node *found;
	int count;
};

static int find_enter(struct hs_node *n, struct hs_node *parent, void *ctx)
{
	struct find *f = ctx;
	(void)parent;
	if (n->kind == f->kind) {
		if (f->count++ == f->n && !f->found)
			f->found = n;
	}
	return HS_WALK_CONTINUE;
}

/* The nth node of kind (walk order), or NULL. */
static struct hs_node *F(enum hs_node_kind kind, int n)
{
	struct find f = {kind, n, NULL, 0};
	hs_ast_walk(&cur->root->base, find_enter, NULL, &f);
	ck_assert_msg(f.found, "no %s #%d", hs_node_kind_name(kind), n);
	return f.found;
}

static int COUNT(enum hs_node_kind kind)
{
	struct find f = {kind, -1, NULL, 0};
	hs_ast_walk(&cur->root->base, find_enter, NULL, &f);
	return f.count;
}

static char textbuf[4096];
static const char *T(const struct hs_node *n)
{
	size_t len = n->range.end - n->range.start;
	if (len >= sizeof(textbuf))
		len = sizeof(textbuf) - 1;
	memcpy(textbuf, cur->src + n->range.start, len);
	textbuf[len] = 0;
	return textbuf;
}

static int nlist(const struct hs_node *n)
{
	int k = 0;
	for (; n; n = n->next)
		k++;
	return k;
}

#define AS(type, n) ((struct type *)(n))

START_TEST(simple_command_parts_and_positions)
{
	P("a=1 b=\"x $y\" cmd arg >out 2>&1 <in\n  echo second");
	struct hs_node_simple *s = AS(hs_node_simple, F(HS_NODE_SIMPLE, 0));
	ck_assert_int_eq(nlist(s->assigns), 2);
	ck_assert_int_eq(nlist(s->words), 2);
	ck_assert_int_eq(nlist(s->redirs), 3);
	struct hs_node_assign *a = AS(hs_node_assign, s->assigns->next);
	ck_assert_int_eq((int)a->name_len, 1);
	ck_assert_int_eq(a->name[0], 'b');
	ck_assert_str_eq(T(a->value), "\"x $y\"");
	ck_assert_str_eq(T(&s->base), "a=1 b=\"x $y\" cmd arg >out 2>&1 <in");
	struct hs_node *second = F(HS_NODE_SIMPLE, 1);
	ck_assert_int_eq(second->range.line, 2);
	ck_assert_int_eq(second->range.col, 3);
	ck_assert_str_eq(T(second), "echo second");
	struct hs_node_redir *r = AS(hs_node_redir, s->redirs->next);
	ck_assert_int_eq(r->fd, 2);
	ck_assert_int_eq(r->op, HS_REDIR_DUP_OUT);
	ck_assert_str_eq(T(r->target), "1");
}
END_TEST

START_TEST(quoting_single_double_backslash)
{
	P("echo 'a \"b\" $c' \"d 'e' $f \\\" \\$g\" h\\ i \\'");
	struct hs_node_simple *s = AS(hs_node_simple, F(HS_NODE_SIMPLE, 0));
	ck_assert_int_eq(nlist(s->words), 5);
	ck_assert_int_eq(COUNT(HS_NODE_SQUOTE), 1);
	ck_assert_int_eq(COUNT(HS_NODE_DQUOTE), 1);
	/* only $f expands: $c is in single quotes, \$g is escaped */
	ck_assert_int_eq(COUNT(HS_NODE_PARAM), 1);
	ck_assert_str_eq(T(F(HS_NODE_PARAM, 0)), "$f");
	ck_assert(F(HS_NODE_PARAM, 0)->flags & HS_NODE_F_IN_DQUOTE);
	ck_assert_int_eq(COUNT(HS_NODE_ESCAPE), 4);
	ck_assert_str_eq(T(s->words->next->next->next), "h\\ i");
}
END_TEST

START_TEST(line_continuations)
{
	P("ec\\\nho a \\\n  b\necho \"x\\\ny\"");
	struct hs_node_simple *s = AS(hs_node_simple, F(HS_NODE_SIMPLE, 0));
	ck_assert_int_eq(nlist(s->words), 3);
	ck_assert_int_eq(nlist(AS(hs_node_word, s->words)->parts), 2);
	ck_assert_int_eq(COUNT(HS_NODE_SIMPLE), 2);
}
END_TEST

START_TEST(parameter_expansions_all_forms)
{
	P("echo $a ${b} ${c-d} ${e:-f} ${g=h} ${i:=j} ${k?l} ${m:?n} ${o+p} ${q:+r} ${#s} ${t%u} "
	  "${v%%w} ${x#y} ${z##A} $1 ${10} $@ $* $# $? $- $$ $! $0 ${#} ${#@}");
	static const struct {
		const char *name;
		enum hs_param_op op;
		int colon;
	} want[] = {
		{"a", HS_PARAM_PLAIN, 0},      {"b", HS_PARAM_PLAIN, 0},      {"c", HS_PARAM_DEFAULT, 0},
		{"e", HS_PARAM_DEFAULT, 1},    {"g", HS_PARAM_ASSIGN, 0},     {"i", HS_PARAM_ASSIGN, 1},
		{"k", HS_PARAM_ERROR, 0},      {"m", HS_PARAM_ERROR, 1},      {"o", HS_PARAM_ALT, 0},
		{"q", HS_PARAM_ALT, 1},	       {"s", HS_PARAM_LENGTH, 0},     {"t", HS_PARAM_DEL_SUFFIX, 0},
		{"v", HS_PARAM_DEL_SUFFIX, 0}, {"x", HS_PARAM_DEL_PREFIX, 0}, {"z", HS_PARAM_DEL_PREFIX, 0},
		{"1", HS_PARAM_PLAIN, 0},      {"10", HS_PARAM_PLAIN, 0},     {"@", HS_PARAM_PLAIN, 0},
		{"*", HS_PARAM_PLAIN, 0},      {"#", HS_PARAM_PLAIN, 0},      {"?", HS_PARAM_PLAIN, 0},
		{"-", HS_PARAM_PLAIN, 0},      {"$", HS_PARAM_PLAIN, 0},      {"!", HS_PARAM_PLAIN, 0},
		{"0", HS_PARAM_PLAIN, 0},      {"#", HS_PARAM_PLAIN, 0},      {"@", HS_PARAM_LENGTH, 0},
	};
	ck_assert_int_eq(COUNT(HS_NODE_PARAM), (int)(sizeof(want) / sizeof(want[0])));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct hs_node_param *p = AS(hs_node_param, F(HS_NODE_PARAM, (int)i));
		ck_assert_msg(p->name_len == strlen(want[i].name) &&
				      !memcmp(p->name, want[i].name, p->name_len),
			      "param %zu: name %.*s", i, (int)p->name_len, p->name);
		ck_assert_int_eq(p->op, want[i].op);
		ck_assert_int_eq(!!(p->pflags & HS_PARAM_F_COLON), want[i].colon);
		ck_assert(!(p->base.flags & HS_NODE_F_BASH));
	}
	ck_assert(AS(hs_node_param, F(HS_NODE_PARAM, 12))->pflags & HS_PARAM_F_LONGEST);
}
END_TEST

START_TEST(parameter_arg_nests_quotes_and_expansions)
{
	P("echo \"${a:-\"b $c\"}\" ${d:-${e:-$(f)}} ${g%\"}\"}");
	struct hs_node_param *a = AS(hs_node_param, F(HS_NODE_PARAM, 0));
	ck_assert_str_eq(T(&a->base), "${a:-\"b $c\"}");
	ck_assert_str_eq(T(a->arg), "\"b $c\"");
	ck_assert_int_eq(COUNT(HS_NODE_CMDSUB), 1);
	ck_assert_str_eq(T(F(HS_NODE_PARAM, 4)), "${g%\"}\"}");
}
END_TEST

START_TEST(command_substitution_nested_any_depth)
{
	P("x=$(echo $(echo \"$(echo ')' \"(\")\") ) `date`");
	ck_assert_int_eq(COUNT(HS_NODE_CMDSUB), 4);
	ck_assert_str_eq(T(F(HS_NODE_CMDSUB, 2)), "$(echo ')' \"(\")");
	/* case patterns with ) inside $( ) */
	P("y=$(case $z in a) echo 1;; (b|c) echo 2;; esac)");
	ck_assert_int_eq(COUNT(HS_NODE_CASE_ITEM), 2);
	ck_assert_str_eq(T(F(HS_NODE_CMDSUB, 0)), "$(case $z in a) echo 1;; (b|c) echo 2;; esac)");
}
END_TEST

START_TEST(backquotes_with_escaped_backquotes)
{
	P("echo `echo \\`echo inner\\` \\$x` \"`echo \\\"q\\\"`\"");
	ck_assert_int_eq(COUNT(HS_NODE_CMDSUB), 3);
	ck_assert_str_eq(T(F(HS_NODE_CMDSUB, 0)), "`echo \\`echo inner\\` \\$x`");
	ck_assert_str_eq(T(F(HS_NODE_CMDSUB, 1)), "\\`echo inner\\`");
	ck_assert(F(HS_NODE_CMDSUB, 1)->flags & HS_NODE_F_BACKQUOTE);
	/* \$x inside backquotes is an expansion of x */
	struct hs_node_param *x = AS(hs_node_param, F(HS_NODE_PARAM, 0));
	ck_assert_int_eq(x->name[0], 'x');
	ck_assert_str_eq(T(&x->base), "\\$x");
	/* inside "...", \" in backquotes is a plain quote */
	ck_assert_int_eq(COUNT(HS_NODE_DQUOTE), 2);
}
END_TEST

START_TEST(arithmetic_expansion)
{
	P("echo $((1 + $a * (b - 2))) $( (echo sub) ) $(( $(echo 3) ))");
	ck_assert_int_eq(COUNT(HS_NODE_ARITH), 2);
	ck_assert_str_eq(T(F(HS_NODE_ARITH, 0)), "$((1 + $a * (b - 2)))");
	ck_assert_str_eq(T(AS(hs_node_arith, F(HS_NODE_ARITH, 0))->expr), "1 + $a * (b - 2)");
	ck_assert_int_eq(COUNT(HS_NODE_SUBSHELL), 1);
	ck_assert_int_eq(COUNT(HS_NODE_CMDSUB), 2);
}
END_TEST

START_TEST(heredocs_basic_strip_quoted)
{
	P("cat <<EOF\nhello $name\n$(date)\nEOF\ncat <<-'END'\n\tno $expansion\n\tEND\necho after");
	struct hs_node_redir *r = AS(hs_node_redir, F(HS_NODE_REDIR, 0));
	ck_assert_int_eq(r->op, HS_REDIR_HEREDOC);
	ck_assert(!r->quoted);
	ck_assert_str_eq(T(r->heredoc), "hello $name\n$(date)\n");
	ck_assert(r->heredoc->flags & HS_NODE_F_HEREDOC);
	struct hs_node_redir *r2 = AS(hs_node_redir, F(HS_NODE_REDIR, 1));
	ck_assert(r2->quoted && r2->strip_tabs);
	ck_assert_int_eq((int)r2->delim_len, 3);
	ck_assert_str_eq(T(r2->heredoc), "\tno $expansion\n");
	/* $name and $(date) expand; $expansion is quoted */
	ck_assert_int_eq(COUNT(HS_NODE_PARAM), 1);
	ck_assert_int_eq(COUNT(HS_NODE_CMDSUB), 1);
	ck_assert_int_eq(COUNT(HS_NODE_SIMPLE), 4);
	ck_assert_int_eq(F(HS_NODE_SIMPLE, 3)->range.line, 8);
}
END_TEST

START_TEST(heredocs_several_per_line_and_in_cmdsub)
{
	P("cat <<A <<\"B\"; echo mid\na $x\nA\nb $y\nB\necho end");
	ck_assert_str_eq(T(AS(hs_node_redir, F(HS_NODE_REDIR, 0))->heredoc), "a $x\n");
	ck_assert_str_eq(T(AS(hs_node_redir, F(HS_NODE_REDIR, 1))->heredoc), "b $y\n");
	ck_assert_int_eq(COUNT(HS_NODE_PARAM), 1);
	ck_assert_int_eq(COUNT(HS_NODE_SIMPLE), 3);
	/* a here-doc inside $( ) whose body holds a ")" and nested quotes in $(...) */
	P("x=$(cat <<EOF\nparen ) here \"$(echo \"it's $v\")\"\nEOF\n)\necho $x");
	struct hs_node_redir *r = AS(hs_node_redir, F(HS_NODE_REDIR, 0));
	ck_assert_str_eq(T(r->heredoc), "paren ) here \"$(echo \"it's $v\")\"\n");
	ck_assert_int_eq(COUNT(HS_NODE_CMDSUB), 2);
	struct hs_node_param *v = AS(hs_node_param, F(HS_NODE_PARAM, 0));
	ck_assert_int_eq(v->name[0], 'v');
	ck_assert_int_eq(COUNT(HS_NODE_SIMPLE), 4);
}
END_TEST

START_TEST(heredoc_without_end_runs_to_eof)
{
	P("cat <<EOF\nline 1\nline 2");
	ck_assert_str_eq(T(AS(hs_node_redir, F(HS_NODE_REDIR, 0))->heredoc), "line 1\nline 2");
}
END_TEST

START_TEST(comments)
{
	P("# top\necho a # trailing ) ; |\necho b#c # x\n#end");
	ck_assert_int_eq(COUNT(HS_NODE_SIMPLE), 2);
	ck_assert_int_eq(nlist(AS(hs_node_simple, F(HS_NODE_SIMPLE, 1))->words), 2);
	ck_assert_str_eq(T(F(HS_NODE_SIMPLE, 1)), "echo b#c");
}
END_TEST

START_TEST(reserved_words_only_in_position)
{
	P("echo if then fi esac done {");
	ck_assert_int_eq(nlist(AS(hs_node_simple, F(HS_NODE_SIMPLE, 0))->words), 7);
	P("case x in x) echo esac;; esac");
	ck_assert_int_eq(COUNT(HS_NODE_CASE_ITEM), 1);
	ck_assert_str_eq(T(F(HS_NODE_SIMPLE, 0)), "echo esac");
	/* like dash and bash: an unparenthesised first pattern "esac" ends the case */
	ck_assert_str_eq(E("case esac in esac) echo;; esac"), "t:1:18: syntax error: \")\" unexpected");
	P("case esac in esac");
	ck_assert_int_eq(COUNT(HS_NODE_CASE_ITEM), 0);
	P("case x in (esac) echo;; esac");
	ck_assert_int_eq(COUNT(HS_NODE_CASE_ITEM), 1);
	P("\"if\" true");
	ck_assert_int_eq(COUNT(HS_NODE_IF), 0);
}
END_TEST

START_TEST(case_patterns_with_parens)
{
	P("case $x in\n(a|b) echo ab;;\n*\\)*) echo paren ;;\n\"(\"|')') echo q;;\n*) ;;\nesac");
	struct hs_node_case *c = AS(hs_node_case, F(HS_NODE_CASE, 0));
	ck_assert_int_eq(nlist(c->items), 4);
	struct hs_node_case_item *i0 = AS(hs_node_case_item, c->items);
	ck_assert_int_eq(nlist(i0->patterns), 2);
	ck_assert_int_eq(i0->term, HS_CASE_BREAK);
	ck_assert_str_eq(T(AS(hs_node_case_item, c->items->next)->patterns), "*\\)*");
	ck_assert_ptr_null(AS(hs_node_case_item, c->items->next->next->next)->body);
	P("case a in a) echo last_without_dsemi\nesac");
	ck_assert_int_eq(AS(hs_node_case_item, F(HS_NODE_CASE_ITEM, 0))->term, HS_CASE_NONE);
}
END_TEST

START_TEST(groups_and_brace_after_semicolon)
{
	P("{ echo a; }; { echo b\n}\n{ echo c;}>f");
	ck_assert_int_eq(COUNT(HS_NODE_GROUP), 3);
	struct hs_node_compound *g = AS(hs_node_compound, F(HS_NODE_GROUP, 2));
	ck_assert_int_eq(nlist(g->redirs), 1);
	ck_assert_str_eq(T(&g->base), "{ echo c;}>f");
	ck_assert_str_eq(E("{ echo a }"), "t:1:11: syntax error: end of file unexpected (expecting \"}\")");
}
END_TEST

START_TEST(pipelines_and_or_lists_background)
{
	P("! a | b |\n c && d || e & f; g");
	struct hs_node_andor *ao = AS(hs_node_andor, cur->root->body);
	ck_assert_int_eq(nlist(ao->pipelines), 3);
	ck_assert_int_eq(ao->sep, HS_SEP_AMP);
	struct hs_node_pipeline *p0 = AS(hs_node_pipeline, ao->pipelines);
	ck_assert(p0->bang);
	ck_assert_int_eq(nlist(p0->cmds), 3);
	ck_assert_int_eq(AS(hs_node_pipeline, ao->pipelines->next)->op, HS_ANDOR_AND);
	ck_assert_int_eq(AS(hs_node_pipeline, ao->pipelines->next->next)->op, HS_ANDOR_OR);
	ck_assert_str_eq(T(&ao->base), "! a | b |\n c && d || e");
	ck_assert_int_eq(nlist(cur->root->body), 3);
	ck_assert_int_eq(AS(hs_node_andor, cur->root->body->next)->sep, HS_SEP_SEMI);
}
END_TEST

START_TEST(compound_commands)
{
	P("if a; then b; elif c; then d; else e; fi\nwhile f; do g; done\nuntil h; do i; done\n"
	  "for j in k l; do m; done\nfor n; do o; done\nfor p do q; done\n(r; s) >o\n"
	  "fn() { t; }\nfn2 () (u)\n");
	struct hs_node_if *i = AS(hs_node_if, F(HS_NODE_IF, 0));
	ck_assert_ptr_nonnull(i->else_body);
	ck_assert(i->else_body->flags & HS_NODE_F_ELIF);
	ck_assert_str_eq(T(i->else_body), "elif c; then d; else e; fi");
	ck_assert_int_eq(COUNT(HS_NODE_WHILE), 1);
	ck_assert_int_eq(COUNT(HS_NODE_UNTIL), 1);
	struct hs_node_for *f = AS(hs_node_for, F(HS_NODE_FOR, 0));
	ck_assert(f->has_in);
	ck_assert_int_eq(nlist(f->words), 2);
	ck_assert(!AS(hs_node_for, F(HS_NODE_FOR, 1))->has_in);
	ck_assert(!AS(hs_node_for, F(HS_NODE_FOR, 2))->has_in);
	ck_assert_int_eq(nlist(AS(hs_node_compound, F(HS_NODE_SUBSHELL, 0))->redirs), 1);
	struct hs_node_funcdef *fd = AS(hs_node_funcdef, F(HS_NODE_FUNCDEF, 0));
	ck_assert_int_eq((int)fd->name_len, 2);
	ck_assert_int_eq(fd->body->kind, HS_NODE_GROUP);
	ck_assert_int_eq(AS(hs_node_funcdef, F(HS_NODE_FUNCDEF, 1))->body->kind, HS_NODE_SUBSHELL);
	ck_assert_int_eq(hs_node_has_bash(&cur->root->base), 0);
}
END_TEST

START_TEST(redirections_all_forms)
{
	P("cmd <a >b >>c >|d <>e 3<&0 4>&- 5<&6 <<<x &>f &>>g {fd}>h 10>i");
	static const enum hs_redir_op ops[] = {HS_REDIR_IN,	 HS_REDIR_OUT,	    HS_REDIR_APPEND,
					       HS_REDIR_CLOBBER, HS_REDIR_RDWR,	    HS_REDIR_DUP_IN,
					       HS_REDIR_DUP_OUT, HS_REDIR_DUP_IN,   HS_REDIR_HERESTR,
					       HS_REDIR_OUT_ERR, HS_REDIR_APPEND_ERR, HS_REDIR_OUT,
					       HS_REDIR_OUT};
	static const int fds[] = {-1, -1, -1, -1, -1, 3, 4, 5, -1, -1, -1, -1, 10};
	static const int bash[] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0};
	ck_assert_int_eq(COUNT(HS_NODE_REDIR), 13);
	for (int k = 0; k < 13; k++) {
		struct hs_node_redir *r = AS(hs_node_redir, F(HS_NODE_REDIR, k));
		ck_assert_int_eq(r->op, ops[k]);
		ck_assert_int_eq(r->fd, fds[k]);
		ck_assert_int_eq(!!(r->base.flags & HS_NODE_F_BASH), bash[k]);
	}
	struct hs_node_redir *v = AS(hs_node_redir, F(HS_NODE_REDIR, 11));
	ck_assert_int_eq((int)v->fd_var_len, 2);
	ck_assert_str_eq(T(&v->base), "{fd}>h");
}
END_TEST

START_TEST(assignments_and_declarations)
{
	P("export a=$(x) b c+=d; local e=1; FOO=bar env; echo f=g");
	struct hs_node_simple *s = AS(hs_node_simple, F(HS_NODE_SIMPLE, 0));
	ck_assert(s->base.flags & HS_NODE_F_DECL);
	ck_assert_int_eq(AS(hs_node_word, s->words->next)->assign_len, 2);
	ck_assert_int_eq(AS(hs_node_word, s->words->next->next->next)->assign_len, 3);
	/* simple #1 is the x inside $(x) */
	ck_assert(F(HS_NODE_SIMPLE, 2)->flags & HS_NODE_F_DECL);
	struct hs_node_simple *s3 = AS(hs_node_simple, F(HS_NODE_SIMPLE, 3));
	ck_assert_int_eq(nlist(s3->assigns), 1);
	ck_assert(!(s3->base.flags & HS_NODE_F_DECL));
	struct hs_node_simple *s4 = AS(hs_node_simple, F(HS_NODE_SIMPLE, 4));
	ck_assert_int_eq(nlist(s4->assigns), 0);
	ck_assert_int_eq(nlist(s4->words), 2);
	P("x+=1 y=");
	struct hs_node_assign *a = AS(hs_node_assign, F(HS_NODE_ASSIGN, 0));
	ck_assert(a->append);
	ck_assert_int_eq((int)a->name_len, 1);
	ck_assert_str_eq(T(AS(hs_node_assign, F(HS_NODE_ASSIGN, 1))->value), "");
}
END_TEST

START_TEST(bash_extensions_are_marked)
{
	static const struct {
		const char *src;
		enum hs_node_kind kind;
	} cases[] = {
		{"[[ $a < b && -n $c || ( x =~ ^(a|b)$ ) ]]", HS_NODE_DBRACKET},
		{"(( i++ ))", HS_NODE_ARITH_CMD},
		{"a=(1 \"2 3\" [4]=$x)", HS_NODE_ARRAY},
		{"function f { :; }", HS_NODE_FUNCDEF},
		{"function g() ( : )", HS_NODE_FUNCDEF},
		{"diff <(ls a) >(cat)", HS_NODE_PROCSUB},
		{"select x in a b; do break; done", HS_NODE_SELECT},
		{"coproc cat", HS_NODE_COPROC},
		{"coproc NAME { cat; }", HS_NODE_COPROC},
		{"for ((i = 0; i < 3; i++)); do echo $i; done", HS_NODE_ARITH_FOR},
		{"echo ${a/b/c} ", HS_NODE_PARAM},
		{"echo ${a^^}", HS_NODE_PARAM},
		{"echo ${a:1:2}", HS_NODE_PARAM},
		{"echo ${!a}", HS_NODE_PARAM},
		{"echo ${a[1]}", HS_NODE_PARAM},
		{"echo $'a\\'b'", HS_NODE_ANSIC},
		{"echo $\"loc $x\"", HS_NODE_LOCALE},
		{"case $x in @(a|b)) ;; esac", HS_NODE_EXTGLOB},
		{"a |& b", HS_NODE_PIPELINE},
		{"a[2]=x", HS_NODE_ASSIGN},
		{"echo ${(M)zsh}", HS_NODE_PARAM},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		P(cases[i].src);
		struct hs_node *n = F(cases[i].kind, 0);
		ck_assert_msg(n->flags & HS_NODE_F_BASH, "not marked bash: %s", cases[i].src);
		ck_assert(hs_node_has_bash(&cur->root->base));
	}
	P("[[ -f x ]] && echo yes");
	ck_assert_int_eq(nlist(AS(hs_node_bash_cmd, F(HS_NODE_DBRACKET, 0))->words), 2);
	P("((a)) ; ((b) )");
	ck_assert_int_eq(COUNT(HS_NODE_ARITH_CMD), 1);
	ck_assert_int_eq(COUNT(HS_NODE_SUBSHELL), 2);
	P("coproc NAME { cat; }");
	ck_assert_int_eq((int)AS(hs_node_coproc, F(HS_NODE_COPROC, 0))->name_len, 4);
}
END_TEST

START_TEST(posix_flag_keeps_double_paren_as_subshells)
{
	struct hs_error err = HS_ERROR_INIT;
	struct hs_ast *a = hs_parse("((cd x; make))", 14, "t", HS_PARSE_POSIX, &err);
	ck_assert_ptr_nonnull(a);
	hs_ast_free(cur);
	cur = a;
	ck_assert_int_eq(COUNT(HS_NODE_SUBSHELL), 2);
	ck_assert_int_eq(COUNT(HS_NODE_ARITH_CMD), 0);
}
END_TEST

START_TEST(errors_name_file_line_col)
{
	ck_assert_str_eq(E("fi"), "t:1:1: syntax error: \"fi\" unexpected");
	ck_assert_str_eq(E("echo a\nif true; then\n  echo b\n"),
			 "t:4:1: syntax error: end of file unexpected (expecting \"fi\")");
	ck_assert_str_eq(E("echo ok\necho 'abc"), "t:2:6: unterminated quoted string");
	ck_assert_str_eq(E("echo \"abc\n\n"), "t:1:6: unterminated quoted string");
	ck_assert_str_eq(E("echo $(ls"), "t:1:10: syntax error: end of file unexpected (expecting \")\")");
	ck_assert_str_eq(E("echo `ls"), "t:1:6: unterminated `...` command substitution");
	ck_assert_str_eq(E("a && ;"), "t:1:6: syntax error: \";\" unexpected");
	ck_assert_str_eq(E("while true; do done"), "t:1:16: syntax error: \"done\" unexpected (expecting command)");
	ck_assert_str_eq(E("echo ${a"), "t:1:6: bad substitution");
	ck_assert_str_eq(E("case a in a) x;; b) y; fi"), "t:1:24: syntax error: \"fi\" unexpected (expecting \";;\")");
	ck_assert_str_eq(E("echo >"), "t:1:7: syntax error: end of file unexpected (expecting word)");
	ck_assert_str_eq(E("f() echo"), "t:1:5: syntax error: function body must be a compound command");
	ck_assert_str_eq(E(")"), "t:1:1: syntax error: \")\" unexpected");
}
END_TEST

START_TEST(nul_byte_is_an_error)
{
	struct hs_error err = HS_ERROR_INIT;
	static const char src[] = "echo a\necho \0b\n";
	ck_assert_ptr_null(hs_parse(src, sizeof(src) - 1, "t", 0, &err));
	ck_assert_str_eq(err.msg, "t:2:6: NUL byte in script");
}
END_TEST

static char *repeat3(const char *open, int n, const char *mid, const char *close)
{
	size_t lo = strlen(open), lm = strlen(mid), lc = strlen(close);
	char *s = malloc(n * (lo + lc) + lm + 1), *q = s;
	for (int i = 0; i < n; i++, q += lo)
		memcpy(q, open, lo);
	memcpy(q, mid, lm);
	q += lm;
	for (int i = 0; i < n; i++, q += lc)
		memcpy(q, close, lc);
	*q = 0;
	return s;
}

START_TEST(deep_nesting_is_a_clean_error)
{
	static const char *const forms[][3] = {
		{"( ", "x", ")"},	   {"{ ", "x;", " }"},	      {"$(", "x", ")"},
		{"if x; then ", "x;", " fi"}, {"\"${a:-", "x", "}\""}, {"echo \"$(", "x", ")\""},
		{"while x; do ", "x;", " done"}, {"a=(", "x", ")"},
	};
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		struct hs_error err = HS_ERROR_INIT;
		char *deep = repeat3(forms[i][0], 10000, forms[i][1], forms[i][2]);
		struct hs_ast *a = hs_parse(deep, strlen(deep), "t", 0, &err);
		ck_assert_msg(!a, "10000 deep %s parsed", forms[i][0]);
		ck_assert_msg(strstr(err.msg, "nesting too deep"), "%s: %s", forms[i][0], err.msg);
		free(deep);
		/* well under the limit parses */
		deep = repeat3(forms[i][0], 200, forms[i][1], forms[i][2]);
		a = hs_parse(deep, strlen(deep), "t", 0, &err);
		ck_assert_msg(a, "200 deep %s: %s", forms[i][0], err.msg);
		ck_assert_int_eq(hs_ast_verify(a, &err), 0);
		hs_ast_free(a);
		free(deep);
	}
	/* 20000 parens after "((" balance: one arithmetic command, no recursion */
	char *deep = repeat3("((", 10000, "x", "))");
	P(deep);
	ck_assert_int_eq(COUNT(HS_NODE_ARITH_CMD), 1);
	free(deep);
}
END_TEST

static int count_cb(const struct hs_node *n, const char *src, void *ctx)
{
	(void)src;
	ck_assert_int_eq(n->kind, HS_NODE_ANDOR);
	(*(size_t *)ctx)++;
	return 0;
}

/* 100 MB of script: the streaming parse runs in bounded memory and linear time. */
START_TEST(hundred_megabytes_stream)
{
	static const char chunk[] = "echo \"$HOME\" 'x' | tr a-z A-Z > /dev/null; x=$((x + 1))\n"
				    "if [ -n \"$x\" ]; then cat <<EOF\nbody $x\nEOF\nfi\n";
	size_t cl = sizeof(chunk) - 1, n = 100 * 1024 * 1024 / cl, len = n * cl, count = 0;
	char *src = malloc(len);
	struct hs_error err = HS_ERROR_INIT;

	for (size_t i = 0; i < n; i++)
		memcpy(src + i * cl, chunk, cl);
	ck_assert_int_eq(hs_parse_each(src, len, "big", 0, count_cb, &count, &err), 0);
	ck_assert_uint_eq(count, 3 * n);
	/* an unterminated quote at the very end is found with its line */
	src[len - 2] = '\'';
	ck_assert_int_eq(hs_parse_each(src, len, "big", 0, count_cb, &count, &err), -1);
	ck_assert_msg(strstr(err.msg, "unterminated quoted string"), "%s", err.msg);
	free(src);
}
END_TEST

struct collect {
	char text[8][64];
	int n;
};

static int collect_cb(const struct hs_node *n, const char *src, void *ctx)
{
	struct collect *c = ctx;
	size_t len = n->range.end - n->range.start;
	if (c->n < 8)
		snprintf(c->text[c->n++], 64, "%.*s", (int)len, src + n->range.start);
	return 0;
}

START_TEST(stream_waits_for_heredoc_bodies)
{
	static const char src[] = "cat <<A; echo b\nbody\nA\necho c\n";
	struct collect c = {0};
	struct hs_error err = HS_ERROR_INIT;
	ck_assert_int_eq(hs_parse_each(src, sizeof(src) - 1, "t", 0, collect_cb, &c, &err), 0);
	ck_assert_int_eq(c.n, 3);
	ck_assert_str_eq(c.text[0], "cat <<A");
	ck_assert_str_eq(c.text[1], "echo b");
	ck_assert_str_eq(c.text[2], "echo c");
}
END_TEST

static int stop_cb(const struct hs_node *n, const char *src, void *ctx)
{
	(void)n;
	(void)src;
	return ++*(int *)ctx == 2 ? 7 : 0;
}

START_TEST(stream_callback_can_stop)
{
	struct hs_error err = HS_ERROR_INIT;
	int k = 0;
	ck_assert_int_eq(hs_parse_each("a\nb\nc\n", 6, "t", 0, stop_cb, &k, &err), 7);
	ck_assert_int_eq(k, 2);
}
END_TEST

START_TEST(walk_visits_in_source_order)
{
	P("a=1 cmd >f x 2>g y");
	struct hs_node_simple *s = AS(hs_node_simple, F(HS_NODE_SIMPLE, 0));
	(void)s;
	/* the assign, words and redirs come out interleaved by offset */
	ck_assert_str_eq(T(F(HS_NODE_WORD, 1)), "cmd");
	size_t last = 0;
	for (int i = 0; i < COUNT(HS_NODE_LIT); i++) {
		struct hs_node *l = F(HS_NODE_LIT, i);
		ck_assert_uint_ge(l->range.start, last);
		last = l->range.start;
	}
}
END_TEST

START_TEST(empty_and_blank_scripts)
{
	P("");
	ck_assert_ptr_null(cur->root->body);
	P("\n\n  # only a comment\n\t\n");
	ck_assert_ptr_null(cur->root->body);
	P("echo no newline at end");
	ck_assert_int_eq(COUNT(HS_NODE_SIMPLE), 1);
}
END_TEST

Suite *hs_test_suite(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = tcase_create("parse");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, simple_command_parts_and_positions);
	tcase_add_test(tc, quoting_single_double_backslash);
	tcase_add_test(tc, line_continuations);
	tcase_add_test(tc, parameter_expansions_all_forms);
	tcase_add_test(tc, parameter_arg_nests_quotes_and_expansions);
	tcase_add_test(tc, command_substitution_nested_any_depth);
	tcase_add_test(tc, backquotes_with_escaped_backquotes);
	tcase_add_test(tc, arithmetic_expansion);
	tcase_add_test(tc, heredocs_basic_strip_quoted);
	tcase_add_test(tc, heredocs_several_per_line_and_in_cmdsub);
	tcase_add_test(tc, heredoc_without_end_runs_to_eof);
	tcase_add_test(tc, comments);
	tcase_add_test(tc, reserved_words_only_in_position);
	tcase_add_test(tc, case_patterns_with_parens);
	tcase_add_test(tc, groups_and_brace_after_semicolon);
	tcase_add_test(tc, pipelines_and_or_lists_background);
	tcase_add_test(tc, compound_commands);
	tcase_add_test(tc, redirections_all_forms);
	tcase_add_test(tc, assignments_and_declarations);
	tcase_add_test(tc, bash_extensions_are_marked);
	tcase_add_test(tc, posix_flag_keeps_double_paren_as_subshells);
	tcase_add_test(tc, errors_name_file_line_col);
	tcase_add_test(tc, nul_byte_is_an_error);
	tcase_add_test(tc, deep_nesting_is_a_clean_error);
	tcase_add_test(tc, hundred_megabytes_stream);
	tcase_add_test(tc, stream_waits_for_heredoc_bodies);
	tcase_add_test(tc, stream_callback_can_stop);
	tcase_add_test(tc, walk_visits_in_source_order);
	tcase_add_test(tc, empty_and_blank_scripts);
	suite_add_tcase(s, tc);
	return s;
}

HS_CHECK_MAIN
