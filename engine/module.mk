# engine sources: LIB_SRCS += engine/....c
LIB_SRCS += engine/parse.c engine/ast.c
LIB_SRCS += engine/runtime_embed.c engine/analyze.c engine/rewrite.c
# runtime_embed.c pulls engine/runtime.sh in with .incbin, which -MMD does not see. (The
# rule below would otherwise become make's default goal.)
.DEFAULT_GOAL := all
$(BUILD)/engine/runtime_embed.o: engine/runtime.sh

# Fuzzing the parser with libFuzzer (clang, libclang-rt-14-dev): make fuzz-parse [FUZZ_TIME=600]
FUZZ_TIME ?= 600
FUZZ_CC ?= clang
FUZZ_SRCS := tests/fuzz/parse_fuzz.c engine/parse.c engine/ast.c lib/error.c

$(BUILD)/fuzz/parse_fuzz: $(FUZZ_SRCS) engine/ast.h engine/ast-internal.h
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	$(Q)$(FUZZ_CC) -std=gnu11 -D_GNU_SOURCE -I. -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -o $@ $(FUZZ_SRCS)

fuzz-parse: $(BUILD)/fuzz/parse_fuzz
	@mkdir -p tests/fuzz/out
	$(BUILD)/fuzz/parse_fuzz -max_total_time=$(FUZZ_TIME) -max_len=4096 -timeout=10 \
		-rss_limit_mb=2048 -artifact_prefix=tests/fuzz/out/ tests/fuzz/out tests/fuzz/corpus

.PHONY: fuzz-parse
