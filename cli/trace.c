/* hs trace: placeholder until the module lands; says so and fails. */
#include "cli/commands.h"
#include "lib/util.h"

int cmd_trace(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	hs_warn("trace: not available in this build");
	return 2;
}
