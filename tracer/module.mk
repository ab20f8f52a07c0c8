# tracer: seccomp filter, user-notification and ptrace backends, path resolution, records.
LIB_SRCS += tracer/filter.c tracer/record.c tracer/resolve.c tracer/event.c tracer/notif.c \
	    tracer/ptrace.c tracer/tracer.c
