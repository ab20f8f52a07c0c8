# sandbox sources: LIB_SRCS += sandbox/....c
