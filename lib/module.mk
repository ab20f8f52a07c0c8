LIB_SRCS += lib/error.c lib/util.c lib/state.c
