# engine sources: LIB_SRCS += engine/....c
LIB_SRCS += engine/parse.c engine/ast.c
LIB_SRCS += engine/runtime_embed.c engine/analyze.c engine/rewrite.c
# runtime_embed.c pulls engine/runtime.sh in with .incbin, which -MMD does not see. (The
# rule below would otherwise become make's default goal.)
.DEFAULT_GOAL := all
$(BUILD)/engine/runtime_embed.o: engine/runtime.sh
