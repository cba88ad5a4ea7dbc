# Crampwatch — the two set-up commands are `make demo` and `make test` (see README.md).
SWIFT ?= swift
JOURNAL ?=
DEMO_NIGHT ?= Samples/night-a/night.cwcap

.PHONY: setup build demo test test-swift test-firmware clean

setup:
	@./scripts/setup-system.sh

build: setup
	$(SWIFT) build -c release --product crampwatch

# Replays a bundled night through the whole pipeline into the journal and prints its summary.
demo: build
	.build/release/crampwatch replay $(DEMO_NIGHT) $(if $(JOURNAL),--journal $(JOURNAL),)

# Every test: Swift (all modules, the real CLI, a real SQLite file) and the C firmware core.
test: setup test-firmware test-swift

test-swift:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

test-firmware:
	$(MAKE) -C Firmware test

clean:
	rm -rf .build
	$(MAKE) -C Firmware clean
