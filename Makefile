# tinyinit: a minimal init for containers.
GO      ?= go
PREFIX  ?= /sbin/tinyinit
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

# asyncpreemptoff: the Go runtime otherwise preempts its own goroutines with
# SIGURG, which pid 1 catches to forward; turned off, every SIGURG tinyinit
# sees came from outside and goes to the app (see README, "Go at pid 1").
LDFLAGS := -s -w -X main.version=$(VERSION) -X runtime.godebugDefault=asyncpreemptoff=1
export CGO_ENABLED := 0

# What the integration tests need on a fresh Debian machine.
APT_PACKAGES := runc busybox-static tini dumb-init catatonit util-linux libcap2-bin gcc libc6-dev musl-tools

# The preload library is loaded into every dynamically linked app, glibc or
# musl: -nostdlib leaves it without a libc dependency (its few imports
# resolve against the app's libc), and without stack-protector or fortify
# calls, which only glibc provides (see hostname/preload/fqdn.c).
PRELOAD_FLAGS := -Os -fPIC -shared -nostdlib -fno-stack-protector \
	-fno-tree-loop-distribute-patterns -U_FORTIFY_SOURCE -Wall -Wextra -Werror \
	-s -Wl,-z,noseparate-code -Wl,--build-id=none

.PHONY: demo build preload install test unit integration oci deps lint clean bench

build: bin/tinyinit

# A first look: tinyinit as pid 1 of a new pid namespace, an app that leaves
# an orphan behind and exits 3; -v shows each step.
demo: build
	unshare --pid --fork --mount-proc ./bin/tinyinit -v -- sh -c \
	  'echo "app: pid $$$$, parent $$PPID"; ls -l /proc/1/exe; sleep 30 & exit 3'; echo "exit code $$?"

bin/tinyinit: $(shell find cmd reaper signals shim hostname -name '*.go' -not -name '*_test.go') license.go LICENSE go.mod go.sum
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $@ ./cmd/tinyinit

preload: bin/libtinyinit-fqdn.so

bin/libtinyinit-fqdn.so: hostname/preload/fqdn.c
	@mkdir -p bin
	$(CC) $(PRELOAD_FLAGS) -o $@ $<

# The library goes beside the binary, where tinyinit looks for it first.
install: build preload
	install -D -m 0755 bin/tinyinit $(DESTDIR)$(PREFIX)
	install -D -m 0644 bin/libtinyinit-fqdn.so $(DESTDIR)$(dir $(PREFIX))libtinyinit-fqdn.so

deps:
	@./.ci/deps.sh $(APT_PACKAGES)

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet ./...
	$(shell $(GO) env GOPATH)/bin/staticcheck ./...

# Coverage, printed at the end of "make test": the unit tests' (go test
# -cover), and pid 1's, measured by running integration tests against a
# coverage build of tinyinit (Go's GOCOVERDIR integration coverage). The
# release binary above stays the one every suite tests; the coverage build
# is an extra. Its counters are atomic, as under -race, so the two sets
# merge into a third figure. The directory is writable by all, without the
# sticky bit: a test runs tinyinit as nobody, whose coverage build replaces
# the metadata file root's runs wrote.
COVER     := $(CURDIR)/bin/cover
COVERPKGS := ./cmd/...,./reaper/...,./signals/...,./shim/...,./hostname/...
# Which integration tests the coverage build runs: all of ./integration
# (pid 1 in a pid namespace: the tree, reaping, exits, signals, stops,
# commands, hostname, terminals) but the storms, the 10,000 round trips and
# the 10,000 fast exits,
# which repeat paths already covered and would double the suite's time.
# The runc and compat suites run the release binary only: their containers
# and peers see a clean environment without GOCOVERDIR.
COVER_SKIP := TestOrphanStorm|TestSignalRoundTrips|TestFastExitsNeverHang

bin/tinyinit-cover: bin/tinyinit
	$(GO) build -trimpath -cover -covermode=atomic -coverpkg=$(COVERPKGS) \
	  -ldflags '-X main.version=$(VERSION)-cover -X runtime.godebugDefault=asyncpreemptoff=1' -o $@ ./cmd/tinyinit

# The integration packages run one after another (-p 1): the runc suite's
# zombie factory samples a container every 100 ms, and beside the pid-1
# suite's 10,000 fast exits on two cores it measured the scheduler's backlog
# (a zombie waiting 2.3 s for a CPU) rather than tinyinit's reaping.
test: deps build preload lint bin/tinyinit-cover
	rm -rf $(COVER) && mkdir -p $(COVER)/unit $(COVER)/pid1 && chmod 0777 $(COVER)/pid1
	CGO_ENABLED=1 $(GO) test -race -count=1 -cover ./reaper/... ./signals/... ./shim/... ./hostname/... ./cmd/... ./bench/... -args -test.gocoverdir=$(COVER)/unit
	TINYINIT_BIN=$(CURDIR)/bin/tinyinit $(GO) test -p 1 -count=1 -timeout 30m ./integration/...
	GOCOVERDIR=$(COVER)/pid1 TINYINIT_BIN=$(CURDIR)/bin/tinyinit-cover $(GO) test -count=1 -timeout 20m -skip '$(COVER_SKIP)' ./integration/
	@./.ci/coverage.sh $(COVER)/unit $(COVER)/pid1

# The runc suite alone (it also runs in "make test").
oci: deps build preload
	TINYINIT_BIN=$(CURDIR)/bin/tinyinit $(GO) test -count=1 -timeout 10m -v ./integration/oci/

# The benchmark: tinyinit against tini, dumb-init and catatonit (installed
# by deps), as root. Writes bench/results.md and bench/results.svg;
# BENCH_QUICK=1 takes far fewer samples.
BENCH_SOURCES := $(shell find bench -name '*.go' -not -name '*_test.go')

bench: deps build bin/bench bin/benchapp
	./bin/bench -tinyinit bin/tinyinit -app bin/benchapp -out bench

bin/bench bin/benchapp: $(BENCH_SOURCES) go.mod go.sum
	$(GO) build -trimpath -o $@ ./bench/cmd/$(notdir $@)

# Reference programs for the lean experiments (bench/LEAN.md), stripped
# like tinyinit so that sizes compare.
bin/goinit bin/rawshim bin/gosignal: $(BENCH_SOURCES) go.mod go.sum
	$(GO) build -trimpath -ldflags '-s -w' -o $@ ./bench/lean/$(notdir $@)

clean:
	rm -rf bin
