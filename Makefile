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

.PHONY: all deps qemu ours check check-unit check-qtest check-guest check-boot \
        check-asan demo clean distclean help

all: qemu ours

help:
	@echo "make            build QEMU with nvme-pi, our tools and tests"
	@echo "make check      run every test; ends with 'N passed, N failed'"
	@echo "make demo       the main job: build, fetch a kernel, boot, report"
	@echo "make check-asan the qtests against an ASan+UBSan QEMU"
	@echo "make clean      remove build/ (the cache in $(CACHE_DIR) stays)"

$(CONFIG):
	./configure

# Installs missing Debian packages; cheap when nothing is missing.
deps: $(CONFIG)
	@scripts/install-deps --check >/dev/null || scripts/install-deps

qemu: deps
	@scripts/qemu-build

ours: deps
	@scripts/ours-build

check: all
	@scripts/check

demo: all
	@scripts/demo

check-asan: deps
	@./configure --enable-asan --qemu=$(QEMU_SERIES) --cache-dir=$(CACHE_DIR) >/dev/null
	@scripts/qemu-build && scripts/check --only qtest; rc=$$?; \
	 ./configure --qemu=$(QEMU_SERIES) --cache-dir=$(CACHE_DIR) >/dev/null; exit $$rc

clean:
	rm -rf build/ours build/qemu build/qemu-* build/check

distclean:
	rm -rf build
