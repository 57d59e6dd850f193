# covenant-shim: a static libc-only supervisor (PID 1) and a resolver linked with
# libcurl, OpenSSL (libssl, libcrypto) and jansson. Plain make; see README.md for the targets.
#
# Two ways to link the resolver:
#   make                 static: OpenSSL 3.5 and libcurl built once from Debian's source
#                        packages (scripts/build-openssl, scripts/build-curl: a TLS client's
#                        algorithms, HTTP and HTTPS only; cached in build/openssl and
#                        build/curl), jansson from Debian's static archive; both binaries are
#                        -static-pie.
#   make SYSTEM_LIBS=1   dynamic, against the system's shared libcurl, OpenSSL and jansson: for
#                        distribution packagers, and what ASan, valgrind and the fuzzers use
#                        (ASan cannot link statically).
# The supervisor is libc only. The static build compiles it against musl (Debian's
# musl-tools, through scripts/musl-specs): glibc's start-up probes the CPU's caches with
# dozens of CPUID instructions, each a trap to the hypervisor in a virtual machine such as
# Fargate's, which cost every start of PID 1 a quarter of a millisecond; musl probes nothing
# (README, "How the binaries are linked"). SYSTEM_LIBS=1 builds use $(CC) and glibc for both.

CC       ?= cc
BUILD    ?= build
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
PY       ?= /usr/bin/python3
SYSTEM_LIBS ?=
CURL_DIR ?= build/curl
OSSL_DIR ?= build/openssl

WARN      = -std=c11 -Wall -Wextra -Wpedantic -Wformat=2 -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wvla
HARDEN    = -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fstack-clash-protection -fPIE
OPT      ?= -O2 -g
WERROR   ?=
SAN      ?=
CPPFLAGS += -Iinclude -D_GNU_SOURCE -MMD -MP
CFLAGS   += $(OPT) $(WARN) $(WERROR) $(HARDEN) $(SAN)
LDHARDEN  = -Wl,-z,relro,-z,now
SUP_LINK ?= -static-pie

ifeq ($(SYSTEM_LIBS),)
MUSL_SPECS = $(BUILD)/musl.specs
SUP_CC   ?= $(CC) -specs=$(MUSL_SPECS)
# libjansson.a comes with libjansson-dev; -l: names the archive, so the unit tests (dynamic
# libc, for valgrind's sake) link the same code. OpenSSL's headers and archives are the ones
# built in $(OSSL_DIR), never the system's. glibc's getaddrinfo in a static binary has the
# files and dns NSS modules built in (glibc 2.34 and later): the linker's warning about it
# concerns other NSS modules only (README).
PKGS      = jansson
RES_LINK ?= -static-pie
CURL_LIB  = $(CURL_DIR)/prefix/lib/libcurl.a
OSSL_LIBS = $(OSSL_DIR)/prefix/lib/libssl.a $(OSSL_DIR)/prefix/lib/libcrypto.a
CURL_DEP  = $(CURL_DIR)/stamp
OSSL_DEP  = $(OSSL_DIR)/stamp
RES_CFLAGS = -I$(OSSL_DIR)/prefix/include -I$(CURL_DIR)/prefix/include \
             -DSHIM_LINKAGE='"static"'
RES_LIBS  = $(CURL_LIB) $(OSSL_LIBS) -l:libjansson.a -pthread
else
SUP_CC   ?= $(CC)
PKGS      = libcurl libssl libcrypto jansson
RES_LINK ?= -pie
CURL_DEP  =
OSSL_DEP  =
RES_CFLAGS = -DSHIM_LINKAGE='"shared"'
RES_LIBS  = $(PKG_LIBS)
endif

# The resolver's libraries, for every goal but those that compile nothing. A missing -dev
# package stops the build here, after pkg-config's own message naming it.
NO_PKG_GOALS = clean distclean format
ifneq ($(filter-out $(NO_PKG_GOALS),$(or $(MAKECMDGOALS),all)),)
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
ifneq ($(.SHELLSTATUS),0)
$(error pkg-config found no $(PKGS) (see its message above): install pkg-config and \
libjansson-dev (and libssl-dev, libcurl4-openssl-dev for SYSTEM_LIBS=1), e.g. with \
scripts/install-deps --build)
endif
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))
ifneq ($(.SHELLSTATUS),0)
$(error pkg-config --libs $(PKGS) failed (see its message above))
endif
PKG_CFLAGS += $(RES_CFLAGS)
endif

# The supervisor's sources: libc only, so they must never include a libcurl/jansson header.
SUP_SRCS  = shim/main.c shim/opts.c shim/supervise.c shim/refresh.c shim/log.c shim/err.c shim/clock.c shim/wipe.c shim/env.c \
            shim/valuefrom.c shim/sanitize.c shim/region.c shim/array.c \
            shim/signame.c shim/exec.c
MAIN_SRCS = shim/main.c shim/resolve_main.c
LIB_SRCS  = $(filter-out $(MAIN_SRCS),$(wildcard shim/*.c))
RES_SRCS  = shim/resolve_main.c $(filter-out shim/supervise.c,$(LIB_SRCS))

obj = $(patsubst shim/%.c,$(BUILD)/obj/%.o,$(1))
# The supervisor's objects, compiled by $(SUP_CC); the same sources compiled by $(CC) go into
# the resolver and the unit tests.
SUP_OBJS  = $(patsubst shim/%.c,$(BUILD)/obj-sup/%.o,$(SUP_SRCS))
LIB_OBJS  = $(call obj,$(LIB_SRCS))
RES_OBJS  = $(call obj,$(RES_SRCS))

UNIT_TESTS = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
HELPERS    = $(patsubst tests/helpers/%.c,$(BUILD)/helpers/%,$(wildcard tests/helpers/*.c))

BINS = $(BUILD)/covenant-shim $(BUILD)/covenant-shim-resolve

.PHONY: all check unit integration install asan valgrind valgrind-run analyze fuzz fuzz-run demo \
        bench clean distclean format
all: $(BINS)

$(BUILD)/obj/%.o: shim/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/obj-sup/%.o: shim/%.c $(MUSL_SPECS)
	@mkdir -p $(@D)
	$(SUP_CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# gcc specs for musl that know -static-pie (Debian's musl-gcc does not).
$(BUILD)/musl.specs: scripts/musl-specs
	@mkdir -p $(@D)
	scripts/musl-specs >$@.tmp && mv $@.tmp $@

# Only the resolver's own modules see the third-party headers.
RES_ONLY_OBJS = $(sort $(filter-out $(call obj,$(SUP_SRCS)),$(LIB_OBJS) $(RES_OBJS)))
$(RES_ONLY_OBJS): CPPFLAGS += $(PKG_CFLAGS)
$(RES_ONLY_OBJS): | $(CURL_DEP)
# Compiled again when OpenSSL is built again (its headers may have changed).
$(RES_ONLY_OBJS): $(OSSL_DEP)
# The version report names the Debian sources that libcurl and OpenSSL were built from (read
# when the recipe runs, after the stamps exist).
ifneq ($(CURL_DEP),)
$(BUILD)/obj/version.o: $(CURL_DEP)
$(BUILD)/obj/version.o: CPPFLAGS += -DSHIM_CURL_SOURCE='"Debian $(shell cat $(CURL_DEP))"' \
	-DSHIM_OPENSSL_SOURCE='"Debian $(shell cat $(OSSL_DIR)/stamp)"'
endif

# Once: fetch Debian's openssl and curl sources and build libssl.a, libcrypto.a and libcurl.a
# (about a minute each on two cores). libcurl is rebuilt when OpenSSL is.
$(OSSL_DIR)/stamp: scripts/build-openssl
	scripts/build-openssl $(OSSL_DIR)

$(CURL_DIR)/stamp: scripts/build-curl $(OSSL_DIR)/stamp
	scripts/build-curl $(CURL_DIR) $(OSSL_DIR)/prefix

$(BUILD)/covenant-shim: $(SUP_OBJS)
	$(SUP_CC) $(CFLAGS) $(SUP_LINK) $(LDHARDEN) -o $@ $(SUP_OBJS)

$(BUILD)/covenant-shim-resolve: $(RES_OBJS) $(CURL_DEP)
	$(CC) $(CFLAGS) $(RES_LINK) $(LDHARDEN) -o $@ $(RES_OBJS) $(RES_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJS) $(CURL_DEP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) -Itests/unit $(CFLAGS) -pie $(LDHARDEN) -o $@ \
		$(filter %.c %.o,$^) $(RES_LIBS)

$(BUILD)/helpers/%: tests/helpers/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -pie $(LDHARDEN) -o $@ $<

unit: $(UNIT_TESTS)
integration: all $(HELPERS)

# The README's test command: unit tests, then the integration suite, one closing line. The
# tests are told how each binary was linked (the static-binary tests check it).
check: all $(UNIT_TESTS) $(HELPERS)
	BUILD=$(BUILD) PY=$(PY) SHIM_SUP_LINK=$(SUP_LINK) SHIM_RES_LINK=$(RES_LINK) tests/run

# Sanitizer build in its own tree, dynamic throughout: ASan and UBSan cannot link statically,
# so the resolver uses the system's shared libraries there (SYSTEM_LIBS=1).
asan:
	$(MAKE) BUILD=build/asan SYSTEM_LIBS=1 SUP_LINK=-pie OPT="-O1 -g -fno-omit-frame-pointer" \
		SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" check

# Every unit-test binary under valgrind (no invalid access, no definite leak), then whole
# resolutions by the resolver (tests/valgrind-resolve: against the AWS emulator and from the
# store), built against the system's shared libraries in build/shared, where valgrind knows its
# way (in a static binary it reports false errors inside glibc).
valgrind:
	$(MAKE) BUILD=build/shared SYSTEM_LIBS=1 valgrind-run

valgrind-run: $(UNIT_TESTS) $(BUILD)/covenant-shim-resolve
	@for t in $(UNIT_TESTS); do \
		valgrind -q --leak-check=full --errors-for-leak-kinds=definite \
			--error-exitcode=1 $$t >/dev/null || { echo "valgrind: $$t failed"; exit 1; }; \
		echo "valgrind: $${t##*/} clean"; \
	done
	BUILD=$(BUILD) PY=$(PY) tests/valgrind-resolve

# Static analysis, every finding an error: cppcheck over all sources at once; clang-tidy
# (.clang-tidy) and gcc -fanalyzer one file at a time with the flags that file is built with
# (the resolver's own modules with the libcurl, OpenSSL and jansson headers). A stamp in
# build/analyze records each clean file, so a second run redoes only what changed (all of it:
# about 80 s on one core, 45 s with -j2).
ANALYZE_DIR   = $(BUILD)/analyze
ANALYZE_SRCS  = $(wildcard shim/*.c)
ANALYZE_DEPS  = $(wildcard include/*.h) Makefile
ANALYZE_CPP   = $(filter-out -MMD -MP,$(CPPFLAGS))
analyze_flags = $(ANALYZE_CPP) $(if $(filter $(1),$(SUP_SRCS)),,$(PKG_CFLAGS)) $(CFLAGS)
CPPCHECK_FLAGS = --enable=warning,performance,portability --inline-suppr --error-exitcode=1 \
                 --std=c11 -q -Iinclude -D_GNU_SOURCE
# gcc 12's leak checker loses a pointer stored through another pointer (into a caller's
# struct, or an array that array_grow moved): its 14 leak reports here (audit, awsjson,
# mapping, opts, plan, resolve, sm) were all of that kind, none a leak. Leaks stay covered by
# clang-analyzer's unix.Malloc and by valgrind (make valgrind).
FANALYZER_FLAGS = -fanalyzer -Wno-analyzer-malloc-leak -Werror
ANALYZE_STAMPS = $(ANALYZE_DIR)/cppcheck.ok \
                 $(patsubst shim/%.c,$(ANALYZE_DIR)/%.tidy.ok,$(ANALYZE_SRCS)) \
                 $(patsubst shim/%.c,$(ANALYZE_DIR)/%.gcc.ok,$(ANALYZE_SRCS))

analyze: $(ANALYZE_STAMPS)
	@echo "analyze: cppcheck, clang-tidy and gcc -fanalyzer clean over $(words $(ANALYZE_SRCS)) files"

$(ANALYZE_DIR)/cppcheck.ok: $(ANALYZE_SRCS) $(ANALYZE_DEPS)
	@mkdir -p $(@D)
	cppcheck $(CPPCHECK_FLAGS) $(ANALYZE_SRCS)
	@touch $@

$(ANALYZE_DIR)/%.tidy.ok: shim/%.c $(ANALYZE_DEPS) .clang-tidy | $(CURL_DEP)
	@mkdir -p $(@D)
	clang-tidy -quiet $< -- $(call analyze_flags,$<) 2>$(@:.ok=.log) || \
		{ cat $(@:.ok=.log); exit 1; }
	@touch $@

$(ANALYZE_DIR)/%.gcc.ok: shim/%.c $(ANALYZE_DEPS) | $(CURL_DEP)
	@mkdir -p $(@D)
	gcc $(call analyze_flags,$<) $(FANALYZER_FLAGS) -c -o /dev/null $<
	@touch $@

# libFuzzer targets: every parser, each run FUZZ_SECONDS against a corpus kept in build/.
FUZZ_SECONDS ?= 20
FUZZ_TARGETS = $(patsubst tests/fuzz/%.c,build/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
build/fuzz/%: tests/fuzz/%.c $(LIB_SRCS)
	@mkdir -p $(@D)
	clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-Iinclude -D_GNU_SOURCE $(PKG_CFLAGS) -o $@ $< $(LIB_SRCS) $(PKG_LIBS)

fuzz:
	$(MAKE) SYSTEM_LIBS=1 fuzz-run

fuzz-run: $(FUZZ_TARGETS)
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p build/fuzz/corpus/$${t##*/}; \
		echo "fuzz: $${t##*/} for $(FUZZ_SECONDS)s"; \
		$$t -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=build/fuzz/ build/fuzz/corpus/$${t##*/} \
			>build/fuzz/$${t##*/}.log 2>&1 || { tail -n 40 build/fuzz/$${t##*/}.log; exit 1; }; \
		tail -n 1 build/fuzz/$${t##*/}.log; \
	done

# The README's demo: the example worker resolved offline and against the AWS emulator.
demo: all
	BUILD=$(BUILD) scripts/demo

bench: all $(HELPERS) $(BUILD)/go-entrypoint
	BUILD=$(BUILD) bench/run

# The fleet section alone (also part of make bench): 120 tasks at once, SSM at 20 TPS.
.PHONY: bench-fleet
bench-fleet: all
	BUILD=$(BUILD) bench/fleet.sh

# The Go peer of bench/resolve.sh: Debian's Go and AWS SDK for Go in GOPATH mode, static.
$(BUILD)/go-entrypoint: bench/go-entrypoint/main.go
	@mkdir -p $(@D)
	GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS= CGO_ENABLED=0 \
		GOCACHE=$(abspath $(BUILD))/go-cache go build -trimpath -o $@ $<

install: all
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 -s $(BINS) $(DESTDIR)$(BINDIR)/
	install -d $(DESTDIR)$(MANDIR)/man1
	install -m 0644 docs/covenant-shim.1 $(DESTDIR)$(MANDIR)/man1/

format:
	clang-format -i shim/*.c include/*.h tests/unit/*.c tests/unit/*.h tests/helpers/*.c

# clean keeps OpenSSL and libcurl built from Debian's sources (build/openssl, build/curl);
# distclean removes them too.
clean:
	find build -mindepth 1 -maxdepth 1 ! -path $(CURL_DIR) ! -path $(OSSL_DIR) \
		-exec rm -rf {} + 2>/dev/null || true

distclean:
	rm -rf build

-include $(wildcard $(BUILD)/obj/*.d $(BUILD)/obj-sup/*.d $(BUILD)/tests/*.d $(BUILD)/helpers/*.d)
