# commit sources: LIB_SRCS += engine/commit/....c
