CLI_SRCS += cli/hs.c cli/sandbox.c cli/trace.c cli/parse.c cli/preprocess.c cli/run.c
