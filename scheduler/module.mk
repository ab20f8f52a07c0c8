# scheduler sources: LIB_SRCS += scheduler/....c
LIB_SRCS += scheduler/proto.c scheduler/state.c scheduler/report.c scheduler/loop.c \
	scheduler/spec.c scheduler/runner.c scheduler/deps.c
