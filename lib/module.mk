LIB_SRCS += lib/error.c lib/util.c
