LIB_SRCS += sandbox/plan.c sandbox/sandbox.c sandbox/run.c
