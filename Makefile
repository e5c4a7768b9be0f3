# berth - one GNU Makefile for everything.
#
#   make            build build/berth and build/berth-proxy
#   make test       build and run the whole test suite
#   make test SAN=1 the same under AddressSanitizer + UBSan (in build-san/)
#   make fuzz       build the fuzz harnesses and run each briefly
#   make check      install dependencies, then all of the above (CI runs this)
#
# Sources are found by folder, so a new file needs no Makefile edit:
# every .c under the library folders goes into libberth.a, proxy/ into
# libberthproxy.a, db/ into libberthdb.a; the programs' mains
# are cli/main.c, proxy/main.c and db/main.c. berth-db exists so that berth
# never loads libpq and libcurl (see db/command.h).

SAN ?=
ifeq ($(SAN),1)
B ?= build-san
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT = -O1 -g
else
B ?= build
SANFLAGS =
OPT = -O2 -g
endif

CC ?= cc
PKGS = yaml-0.1 libcjson libcurl openssl libpq
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) libnghttp2 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS ?= $(OPT)
WARN = -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wformat=2 -Wvla
override CFLAGS += -std=c11 -D_GNU_SOURCE $(WARN) $(SANFLAGS) -I. -Ilib $(PKG_CFLAGS) -MMD -MP
LDLIBS = $(PKG_LIBS) -lpthread -lm
# Each program links only what it uses: berth starts faster without libpq's
# and libcurl's dependency trees, and the sanitizers turn --as-needed off.
pkg_libs = $(shell pkg-config --libs $(1) 2>/dev/null) -lpthread -lm
BERTH_LIBS := $(call pkg_libs,yaml-0.1 libcjson)
DB_LIBS := $(call pkg_libs,yaml-0.1 libcjson libcurl openssl libpq)
# HTTP/2 (libnghttp2) is berth-proxy's alone.
PROXY_LIBS := $(call pkg_libs,libcjson openssl libnghttp2)
# The daemon links OpenSSL and nghttp2 statically when their archives are
# there (Debian's -dev packages ship them): a shared libcrypto costs every
# process ~400 KiB of relocated data and the pages its loading touches, so
# the idle daemon holds ~3.4 MiB instead of ~3.9. An OpenSSL update then
# needs a rebuild, as the container image does anyway. PROXY_STATIC_TLS=0:
# link them dynamically.
PROXY_STATIC_TLS ?= 1
TLS_ARCHIVES := $(addprefix $(shell pkg-config --variable=libdir openssl 2>/dev/null)/,libssl.a libcrypto.a libnghttp2.a)
ifeq ($(PROXY_STATIC_TLS) $(words $(wildcard $(TLS_ARCHIVES))),1 3)
PROXY_PROG_LIBS := $(call pkg_libs,libcjson) -Wl,-Bstatic -lssl -lcrypto -lnghttp2 -Wl,-Bdynamic -ldl
else
PROXY_PROG_LIBS := $(PROXY_LIBS)
endif
override LDFLAGS += $(SANFLAGS)

LIB_DIRS = lib config secrets commands remote cli
LIB_SRC := $(filter-out cli/main.c,$(wildcard $(addsuffix /*.c,$(LIB_DIRS))))
DB_SRC := $(filter-out db/main.c,$(wildcard db/*.c))
PROXY_SRC := $(filter-out proxy/main.c,$(wildcard proxy/*.c))
UNIT_SRC := $(wildcard tests/unit/test-*.c)
FUZZ_SRC := $(wildcard fuzz/fuzz-*.c)

LIB_OBJ := $(LIB_SRC:%.c=$(B)/obj/%.o)
PROXY_OBJ := $(PROXY_SRC:%.c=$(B)/obj/%.o)
DB_OBJ := $(DB_SRC:%.c=$(B)/obj/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
PROGRAMS = $(B)/berth $(B)/berth-db $(B)/berth-proxy $(B)/kamal

all: $(PROGRAMS)

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(B)/libberth.a: $(LIB_OBJ)
	@mkdir -p $(B)
	rm -f $@ && ar rcs $@ $^

$(B)/libberthproxy.a: $(PROXY_OBJ) $(B)/obj/lib/compat.o
	@mkdir -p $(B)
	rm -f $@ && ar rcs $@ $^

$(B)/libberthdb.a: $(DB_OBJ)
	@mkdir -p $(B)
	rm -f $@ && ar rcs $@ $^

$(B)/berth: $(B)/obj/cli/main.o $(B)/libberth.a
	$(CC) $(LDFLAGS) -o $@ $^ $(BERTH_LIBS)

$(B)/berth-db: $(B)/obj/db/main.o $(B)/libberthdb.a $(B)/libberth.a
	$(CC) $(LDFLAGS) -o $@ $^ $(DB_LIBS)

# Invoked as "kamal", berth behaves as kamal (help and messages name it).
$(B)/kamal: $(B)/berth
	ln -sf berth $@

$(B)/berth-proxy: $(B)/obj/proxy/main.o $(B)/libberthproxy.a $(B)/libberth.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PROXY_PROG_LIBS)

$(B)/tests/%: tests/unit/%.c tests/unit/unit.h $(B)/libberthproxy.a $(B)/libberthdb.a $(B)/libberth.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(B)/libberthproxy.a $(B)/libberthdb.a $(B)/libberth.a $(LDLIBS) $(PROXY_LIBS)

tests: $(PROGRAMS) $(UNIT_BIN)

test: tests
	BUILD_DIR=$(CURDIR)/$(B) sh tests/run.sh

# Fuzz harnesses need clang's libFuzzer; FUZZ_SECONDS bounds each run.
FUZZ_SECONDS ?= 20
FUZZ_CC = clang
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE -I. -Ilib $(PKG_CFLAGS)
# Harnesses drive library code only; the CLI layer stays out.
FUZZ_LIB_SRC := $(filter-out cli/%,$(LIB_SRC)) $(filter-out db/command.c,$(DB_SRC)) $(PROXY_SRC)
FUZZ_OBJ := $(FUZZ_LIB_SRC:%.c=build-fuzz/obj/%.o)
fuzz-build: $(FUZZ_SRC:fuzz/%.c=build-fuzz/%)
build-fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -MMD -MP -c -o $@ $<
build-fuzz/libfuzz.a: $(FUZZ_OBJ)
	rm -f $@ && ar rcs $@ $^
build-fuzz/%: fuzz/%.c build-fuzz/libfuzz.a
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< build-fuzz/libfuzz.a $(LDLIBS) $(PROXY_LIBS)
fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) sh fuzz/run.sh

deps:
	sh scripts/install-deps.sh

# Each suite records its counts; the summary adds them up as the last line.
# The three builds use every core first (the fuzz one alone took ~3 min
# serially); the suites then run one at a time, as their timing assumes.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
check: deps
	rm -f build/test-counts build-san/test-counts build-fuzz/test-counts
	-$(MAKE) -j$(JOBS) tests
	-$(MAKE) -j$(JOBS) tests SAN=1
	-$(MAKE) -j$(JOBS) fuzz-build
	-$(MAKE) test
	-$(MAKE) test SAN=1
	-$(MAKE) fuzz
	sh tests/summary.sh build/test-counts build-san/test-counts build-fuzz/test-counts

# bench/proxy's open-loop load generator (latency at a fixed rate).
$(B)/bench/ratelat: bench/proxy/ratelat.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<

bench: all $(B)/bench/ratelat
	sh bench/run.sh

clean:
	rm -rf build build-san build-fuzz

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

.PHONY: all tests test fuzz fuzz-build deps check bench clean format
.SECONDARY:

-include $(shell find $(B)/obj $(B)/tests -name '*.d' 2>/dev/null)

# Subsystems may add their own targets (e.g. proxy/proxy.mk: proxy-image).
-include $(wildcard */*.mk)
-include tests/lab/lab.mk

demo:
	sh scripts/demo.sh
demo-stop:
	sh scripts/demo.sh stop

PREFIX ?= /usr/local
install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 build/berth build/berth-db build/berth-proxy build/berth-proxy-acme $(DESTDIR)$(PREFIX)/bin/
.PHONY: demo demo-stop install
