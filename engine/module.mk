# engine sources: LIB_SRCS += engine/....c
LIB_SRCS += engine/parse.c engine/ast.c
