# SPDX-License-Identifier: MIT
# Thin wrapper over Meson + Ninja. `make demo` and `make check` work on a
# fresh Debian 12 machine: they install what they need first.
BUILD ?= build
ASAN_BUILD ?= build-asan
MESON_OPTS ?= -Dwerror=true

.PHONY: all deps build demo check check-fast install clean bench format

all: build

deps:
	@scripts/deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_OPTS) --buildtype=debugoptimized

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

demo: build
	$(BUILD)/examples/zcaio-demo

# Every test, plain build and ASan+UBSan build; ends with "N passed, N failed, N skipped".
check: deps
	@scripts/check.sh $(BUILD) $(ASAN_BUILD)

# The plain build only (quicker while developing).
check-fast: build
	@scripts/check.sh $(BUILD)

bench: build
	bench/run.sh $(BUILD)
	bench/run-msgzc.sh $(BUILD)

install: build
	meson install -C $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
