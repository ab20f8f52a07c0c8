# hs: speculative out-of-order executor for shell scripts.
# Plain make: `make`, `make test`, `make demo`, `make bench`, `make asan`, `make format`.

CC      ?= cc
PKGS    := libbsd-overlay mount libseccomp
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)

WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla \
           -Wimplicit-fallthrough -fno-common -Werror
CFLAGS  ?= -O2 -g
override CFLAGS += -std=gnu11 -D_GNU_SOURCE $(WARN) -I. $(PKG_CFLAGS) -MMD -MP
LDLIBS  += $(PKG_LIBS) -lpthread

BUILD   ?= build
Q       := $(if $(V),,@)

# Each module lists its sources in its own fragment.
LIB_SRCS :=
CLI_SRCS :=
include lib/module.mk engine/module.mk engine/commit/module.mk sandbox/module.mk tracer/module.mk scheduler/module.mk cli/module.mk

LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
# Helper programs used by tests (tracees, socket makers, ...): one file each.
HELPER_SRCS := $(wildcard tests/helpers/*.c)
HELPER_BINS := $(HELPER_SRCS:tests/helpers/%.c=$(BUILD)/tests/helpers/%)

all: hs

hs: $(BUILD)/hs
	$(Q)ln -sf $(BUILD)/hs hs

$(BUILD)/hs: $(CLI_OBJS) $(BUILD)/libhs.a
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libhs.a: $(LIB_OBJS)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/test_%: tests/unit/test_%.c tests/unit/hs_check.h $(BUILD)/libhs.a
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) $(CHECK_CFLAGS) -o $@ $< $(BUILD)/libhs.a $(CHECK_LIBS) $(LDLIBS)

# Test helpers may need special flags (static, -m32 asm, ...): tests/helpers/NAME.flags.
$(BUILD)/tests/helpers/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) -std=gnu11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror -o $@ $< \
		$(shell cat tests/helpers/$*.flags 2>/dev/null) -lpthread

deps:
	$(Q)tools/deps.sh

tests-build: hs $(UNIT_BINS) $(HELPER_BINS)

test: deps
	$(Q)$(MAKE) --no-print-directory tests-build
	$(Q)tests/run

demo: deps
	$(Q)$(MAKE) --no-print-directory hs
	$(Q)examples/demo.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory hs $(HELPER_BINS)
	$(Q)bench/run

# Random scripts through the differential runner: make fuzz-engine SEED=N COUNT=M.
SEED  ?= 1
COUNT ?= 200
fuzz-engine: hs $(HELPER_BINS)
	$(Q)tests/fuzz-engine.sh --seed $(SEED) --count $(COUNT)

asan:
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer" tests-build
	$(Q)HS_BUILD=build-asan tests/run

format:
	$(Q)clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	$(Q)rm -rf build build-asan hs

.PHONY: all hs deps tests-build test demo bench asan format clean fuzz-engine
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
