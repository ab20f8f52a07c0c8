# tracer sources: LIB_SRCS += tracer/....c
