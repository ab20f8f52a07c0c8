# engine sources: LIB_SRCS += engine/....c
