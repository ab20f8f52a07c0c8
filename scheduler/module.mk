# scheduler sources: LIB_SRCS += scheduler/....c
