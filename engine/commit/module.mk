LIB_SRCS += engine/commit/plan.c engine/commit/journal.c engine/commit/apply.c
