/* hs parse: placeholder until the module lands; says so and fails. */
#include "cli/commands.h"
#include "lib/util.h"

int cmd_parse(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	hs_warn("parse: not available in this build");
	return 2;
}
