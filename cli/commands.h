/* Subcommand entry points: each takes the argv after "hs" (argv[0] is the subcommand name)
 * and returns the process exit status. One file per subcommand under cli/. */
#ifndef HS_CLI_COMMANDS_H
#define HS_CLI_COMMANDS_H

int cmd_sandbox(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_parse(int argc, char **argv);
int cmd_preprocess(int argc, char **argv);
/* Run a script (sh-compatible front end): argv is hs's whole argv. */
int cmd_run(int argc, char **argv);

#endif
