# Fuzzing and fuzz-input replay (docs/testing.md). GNU make; run through the top Makefile, which
# passes the variables below (`make fuzz`, and `make check` for the replays), not by hand.
#
#   fuzz         builds every target of FUZZ_TARGETS with clang and libFuzzer into FUZZ_DIR, runs
#                each for FUZZ_SECONDS (seed corpus tests/fuzz/corpus/<target>/, new inputs kept
#                in FUZZ_DIR/corpus/<target>/), and fails on any crash, leak, timeout or UB report
#                (the input is left in FUZZ_DIR/crashes/).
#   fuzz-build   only the build.
#   replay       builds FUZZ_DIR/replay/replay_<target> with the project's own compiler and libraries
#                (the normal build, or the sanitizer build) for make check.
#
# The code under test is compiled again here, by clang with -fsanitize=fuzzer-no-link (coverage
# feedback) plus ASan and UBSan, from FUZZ_SOURCES: the normal build's libraries are gcc's and
# carry no coverage instrumentation.

srcdir ?= .
FUZZ_TARGETS ?=
FUZZ_SECONDS ?= 10
FUZZ_DIR ?= fuzz
FUZZ_CC ?= clang
# the flags the normal build compiles with: -I and -D (includes MPI's and HDF5's)
FUZZ_CPPFLAGS ?=
FUZZ_LIBS ?=
# MPI's own flags as its compiler wrapper reports them (Open MPI; empty for others)
MPICC ?= mpicc
FUZZ_MPI_CFLAGS := $(shell $(MPICC) --showme:compile 2>/dev/null)
FUZZ_MPI_LIBS := $(shell $(MPICC) --showme:link 2>/dev/null)
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS ?= -g -O1 -fno-omit-frame-pointer -std=c11 -Wall -Wextra -Wno-unused-parameter -fopenmp-simd
# per input: a run longer than this is a hang (a finding); memory over rss_limit is too
FUZZ_TIMEOUT ?= 10
FUZZ_RSS_MB ?= 2048
# libFuzzer options for every run (e.g. FUZZ_OPTIONS=-jobs=2)
FUZZ_OPTIONS ?=

FUZZ_OBJS = $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(filter %.c,$(FUZZ_SOURCES)))
FUZZ_BINS = $(addprefix $(FUZZ_DIR)/fuzz_,$(FUZZ_TARGETS))
HARNESS_DIR = $(srcdir)/tests/fuzz
FUZZ_ALL_CPPFLAGS = $(FUZZ_CPPFLAGS) $(FUZZ_MPI_CFLAGS) -I$(HARNESS_DIR) \
	-DFUZZ_FIXTURES='"$(abspath $(srcdir))/tests/fixtures"'

.PHONY: fuzz fuzz-build fuzz-clean-logs replay
.SECONDARY:
.DELETE_ON_ERROR:

fuzz-build: $(FUZZ_BINS)

# outcomes of an earlier `make fuzz` must not stand for this one's
fuzz-clean-logs:
	rm -f $(FUZZ_DIR)/log/*.rc

$(FUZZ_DIR)/obj/%.o: $(srcdir)/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_ALL_CPPFLAGS) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_DIR)/libcode.a: $(FUZZ_OBJS)
	rm -f $@
	ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: $(HARNESS_DIR)/fuzz_%.c $(HARNESS_DIR)/fuzz.h $(FUZZ_DIR)/libcode.a
	$(FUZZ_CC) $(FUZZ_ALL_CPPFLAGS) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer $< \
	    $(FUZZ_DIR)/libcode.a $(FUZZ_LIBS) $(FUZZ_MPI_LIBS) -o $@

-include $(FUZZ_OBJS:.o=.d)

# One run per target; its outcome goes to FUZZ_DIR/log/<target>.rc so that every target runs
# (in parallel under make -j) and the report below sums them up.
# Sanitizer options: abort on the first report (libFuzzer then keeps the input), leaks checked
# after every input that allocated more than it freed; suppressions as in make check.
FUZZ_ENV = ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:allocator_may_return_null=1:detect_stack_use_after_return=1$${ASAN_OPTIONS:+:$$ASAN_OPTIONS} \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1$${UBSAN_OPTIONS:+:$$UBSAN_OPTIONS} \
	LSAN_OPTIONS=suppressions=$(srcdir)/tests/sanitizers/lsan.supp:print_suppressions=0 \
	TITANS_FIXTURES=$(srcdir)/tests/fixtures OPENBLAS_NUM_THREADS=1

$(FUZZ_DIR)/log/%.rc: $(FUZZ_DIR)/fuzz_% FORCE
	@rm -f $@; mkdir -p $(FUZZ_DIR)/log $(FUZZ_DIR)/corpus/$* $(FUZZ_DIR)/crashes
	@echo "fuzz: $* for $(FUZZ_SECONDS) s (log: $(FUZZ_DIR)/log/$*.log)"
	@$(FUZZ_ENV) ./$< -max_total_time=$(FUZZ_SECONDS) -timeout=$(FUZZ_TIMEOUT) \
	    -rss_limit_mb=$(FUZZ_RSS_MB) -artifact_prefix=$(FUZZ_DIR)/crashes/$*- -print_final_stats=1 \
	    $(FUZZ_OPTIONS) $(FUZZ_DIR)/corpus/$* $(HARNESS_DIR)/corpus/$* > $(FUZZ_DIR)/log/$*.log 2>&1; \
	    echo $$? > $@

fuzz: $(addprefix $(FUZZ_DIR)/log/,$(addsuffix .rc,$(FUZZ_TARGETS)))
	@bad=0; for t in $(FUZZ_TARGETS); do \
	    rc=`cat $(FUZZ_DIR)/log/$$t.rc 2>/dev/null || echo "none: it did not run"`; \
	    runs=`sed -n 's/^stat::number_of_executed_units: *//p' $(FUZZ_DIR)/log/$$t.log`; \
	    cov=`grep -E '^#[0-9]+' $(FUZZ_DIR)/log/$$t.log | tail -1 | sed -n 's/.* cov: \([0-9]*\).*/\1/p'`; \
	    if [ "$$rc" = 0 ]; then echo "fuzz: $$t: ok ($${runs:-?} inputs, $${cov:-?} coverage points)"; \
	    else bad=1; echo "fuzz: $$t: FAILED (exit $$rc); the input is in $(FUZZ_DIR)/crashes/:"; \
	      ls $(FUZZ_DIR)/crashes/$$t-* 2>/dev/null | sed 's/^/  /'; \
	      grep -E -A30 '^==[0-9]+==(ERROR|WARNING)|runtime error|fuzz invariant|ERROR: libFuzzer' $(FUZZ_DIR)/log/$$t.log | head -60; fi; \
	done; exit $$bad

FORCE:

# ---- replays through the normal build ----------------------------------------------------
# CC, REPLAY_CFLAGS (AM_CFLAGS and CFLAGS) and LDFLAGS are the build's; REPLAY_LIBS its libraries.
REPLAY_DIR = $(FUZZ_DIR)/replay
REPLAY_BINS = $(addprefix $(REPLAY_DIR)/replay_,$(FUZZ_TARGETS))
REPLAY_CFLAGS ?= $(CFLAGS)
REPLAY_LIBS ?=
REPLAY_DEPS ?=

replay: $(REPLAY_BINS)

$(REPLAY_DIR)/replay_%: $(HARNESS_DIR)/fuzz_%.c $(HARNESS_DIR)/replay.c $(HARNESS_DIR)/fuzz.h $(REPLAY_DEPS)
	@mkdir -p $(@D)
	$(CC) $(FUZZ_CPPFLAGS) -I$(HARNESS_DIR) -DFUZZ_FIXTURES='"$(abspath $(srcdir))/tests/fixtures"' \
	    $(REPLAY_CFLAGS) $(LDFLAGS) $< $(HARNESS_DIR)/replay.c $(REPLAY_LIBS) -o $@
