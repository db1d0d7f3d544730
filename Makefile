# nvme-pi top-level Makefile.  `make` builds everything, `make check`
# runs every test, `make demo` is the main job.  The real work is in
# scripts/; this file only orders it.  Run ./configure first to choose
# a QEMU (it is run with defaults if you have not).

CONFIG := build/config.mak
-include $(CONFIG)

SRCDIR ?= $(CURDIR)
BUILDDIR ?= $(CURDIR)/build
export SRCDIR BUILDDIR QEMU_SERIES QEMU_SUITE QEMU_SRC_USER CACHE_DIR PREFIX DEBUG ASAN
export NVME_PI_CACHE := $(CACHE_DIR)

.PHONY: all install deps qemu ours check \
        check-asan check-qemu-all demo clean distclean help fuzz fuzz-long

all: qemu ours

help:
	@echo "make            build QEMU with nvme-pi, our tools and tests"
	@echo "make check      run every test; ends with 'N passed, N failed'"
	@echo "make demo       the main job: build, fetch a kernel, boot, report"
	@echo "make check-asan the qtests against an ASan+UBSan QEMU"
	@echo "make check-qemu-all the qtests on every QEMU series (10.0 7.2 10.2 11.1)"
	@echo "make fuzz       libFuzzer (generic-fuzz) on nvme-pi, FUZZ_SECONDS per configuration"
	@echo "make fuzz-long  the long run: our nvme-cmd target, FUZZ_RUNS executions per configuration"
	@echo "make install    install QEMU (as nvme-pi-qemu-system-x86_64) and tools under PREFIX"
	@echo "make clean      remove build/ (the cache in $(CACHE_DIR) stays)"

$(CONFIG):
	./configure

# Installs missing Debian packages; cheap when nothing is missing.
deps: $(CONFIG)
	@scripts/install-deps --check >/dev/null || scripts/install-deps

# make check also compiles the device against these QEMU series, so the
# compat.h promise (builds with -Werror on 7.2 and 10.0) is tested: our
# library alone, in a qtest-only tree of each (configure and QEMU's
# generated headers, not QEMU itself).  The qtests on them are make
# check-qemu-all's: a whole QEMU each, minutes a fresh machine's make
# check has not got (docs/building.md).
CHECK_BUILD_QEMU ?= $(filter-out $(QEMU_SERIES),7.2 10.0)

qemu: deps
	@scripts/qemu-build

ours: deps
	@scripts/ours-build

# The kernel make check's series suite builds (check.config: no XFS,
# btrfs, md; SERIES_KERNEL=build:debian:7.2 for the whole storage-test
# kernel).  Read by scripts/check-run and scripts/check.
SERIES_KERNEL ?= build:debian:7.2,config=$(SRCDIR)/configs/check.config
export SERIES_KERNEL

# Our code first: with pit built, scripts/check-run starts the series
# suite's kernel build in the background (nice 10) while QEMU builds and
# the other suites run (docs/building.md).
check: ours
	@CHECK_BUILD_QEMU="$(CHECK_BUILD_QEMU)" scripts/check-run \
	    $(MAKE) --no-print-directory qemu

demo: all
	@scripts/demo

# The qtests against an ASan + UBSan build of the same QEMU, built next to
# the normal one (its own cache directory, build/qemu-<series>-asan).
check-asan: deps
	@CONFIGURED_ASAN=$(ASAN) CONFIGURED_DEBUG=$(DEBUG) ASAN=yes scripts/qemu-build
	@QEMU_DIR=$(BUILDDIR)/qemu-$(QEMU_SERIES)-asan scripts/check --only qtest

# The qtests on every QEMU series we support, each built first for the
# qtests alone, which run on the qtest accelerator: without TCG
# (QTEST_ONLY, build/qemu-<series>-qtest).  Not in make check: a QEMU
# build is minutes on a fresh machine, 10.2 took 21 minutes at a load of
# 7 here (docs/building.md).  A series that does not build fails its line; one
# whose source the mirror does not serve (qemu-build exits 3) is a skip
# that says so; the others still run.
CHECK_ALL_QEMU ?= 10.0 7.2 10.2 11.1
check-qemu-all: qemu
	@for s in $(filter-out $(QEMU_SERIES),$(CHECK_ALL_QEMU)); do QTEST_ONLY=yes scripts/qemu-build $$s; rc=$$?; \
	    if [ $$rc -eq 3 ]; then echo "check-qemu-all: QEMU $$s: no source to build (see above)"; \
	    elif [ $$rc -ne 0 ]; then echo "check-qemu-all: QEMU $$s did not build (see above)"; fi; done
	@CHECK_ALSO_QEMU="$(filter-out $(QEMU_SERIES),$(CHECK_ALL_QEMU))" scripts/check --only qtest
# QEMU's generic-fuzz target on nvme-pi (clang-14, ASan, UBSan, libFuzzer,
# a fuzz tree of its own in the cache), FUZZ_SECONDS per configuration of
# fuzz/configs, FUZZ_JOBS configurations at once (default: one per CPU);
# FUZZ_ARGS go to scripts/fuzz-run (--baseline, --keep, ...).
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= $(shell nproc)
fuzz: deps
	@scripts/fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) scripts/fuzz-run $(FUZZ_ARGS)
# The long run (docs/reliability.md): our own nvme-cmd target (the
# controller stays up between inputs, so executions are fast), FUZZ_RUNS
# executions per configuration (six: 10.2 M in all), at most
# FUZZ_LONG_SECONDS each.
FUZZ_RUNS ?= 1700000
FUZZ_LONG_SECONDS ?= 7200
fuzz-long: deps
	@scripts/fuzz-build
	@FUZZ_JOBS=$(FUZZ_JOBS) scripts/fuzz-run --target nvme-cmd --runs $(FUZZ_RUNS) \
	    --seconds $(FUZZ_LONG_SECONDS) $(FUZZ_ARGS)

# Installs the QEMU binary under a name of its own (it is not a full QEMU:
# x86_64 only, our device list) and our tools, when they have been built.
install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 build/qemu/qemu-system-x86_64 $(DESTDIR)$(PREFIX)/bin/nvme-pi-qemu-system-x86_64
	@for f in build/ours/harness/pit build/ours/guest/dio-torture/dio-torture; do \
	    if [ -x $$f ]; then echo "install $$f"; install -m 755 $$f $(DESTDIR)$(PREFIX)/bin/; fi; \
	done

clean:
	rm -rf build/ours build/qemu build/qemu-* build/check

distclean:
	rm -rf build
