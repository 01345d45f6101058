# vmail - build, install and test vmailctl.
#
#   make                 build build/vmailctl
#   make install         install into $(DESTDIR)$(PREFIX) (default /usr/local)
#   make test            cmocka unit tests, plain and under ASan+UBSan
#   make fuzz            build the libFuzzer targets (clang) and run each
#                        for FUZZ_SECONDS
#   make lint            tests/lint/layers: no #include in src/ points up
#                        a layer (vmailctl.c > commands > setup > core >
#                        store > lib)
#   make e2e             end-to-end tests on throwaway Debian roots (root)
#   make clean
#
# The full test command, as the README gives it, is "sudo tests/run".

PREFIX    ?= /usr/local
SBINDIR   ?= $(PREFIX)/sbin
DATADIR   ?= $(PREFIX)/share/vmail
MANDIR    ?= $(PREFIX)/share/man
VERSION   ?= 0.1.0

CC        ?= cc
PKGS      := sqlite3 openssl libcrypt inih json-c libacl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS)) -lresolv

WARN      := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
             -Wmissing-prototypes -Wno-unused-parameter
CFLAGS    ?= -O2 -g
CPPFLAGS  += -D_GNU_SOURCE -DVMAIL_VERSION='"$(VERSION)"' \
             -DVMAIL_DATADIR='"$(DATADIR)"' -Isrc
ALL_CFLAGS = -std=c17 $(WARN) $(PKG_CFLAGS) $(CFLAGS) -MMD -MP

SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
             -fno-sanitize-recover=all

LIB_SRC   := $(wildcard src/lib/*.c) $(wildcard src/store/*.c) $(wildcard src/core/*.c) \
             $(wildcard src/setup/*.c) \
             $(wildcard src/commands/*.c)
MAIN_SRC  := src/vmailctl.c
TEST_SRC  := $(wildcard tests/unit/test_*.c)
FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)

# build/      normal objects      build/asan/  sanitizer objects
OBJ       := $(LIB_SRC:%.c=build/%.o)
ASAN_OBJ  := $(LIB_SRC:%.c=build/asan/%.o)
TESTS     := $(TEST_SRC:tests/unit/%.c=build/tests/%)
ASAN_TESTS:= $(TEST_SRC:tests/unit/%.c=build/asan/tests/%)
FUZZERS   := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)

.PHONY: all install test unit unit-asan fuzz lint e2e clean
all: build/vmailctl

build/vmailctl: $(OBJ) build/src/vmailctl.o
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

build/asan/vmailctl: $(ASAN_OBJ) build/asan/src/vmailctl.o
	$(CC) $(SAN_FLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

build/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

build/asan/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(SAN_FLAGS) -c -o $@ $<

build/tests/%: tests/unit/%.c $(OBJ)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $(filter %.c %.o,$^) $(PKG_LIBS) $(shell pkg-config --libs cmocka)

build/asan/tests/%: tests/unit/%.c $(ASAN_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(SAN_FLAGS) -o $@ $(filter %.c %.o,$^) $(PKG_LIBS) $(shell pkg-config --libs cmocka)

# The ASan binary is built too: tests/cli/run drives it.
test: unit unit-asan build/asan/vmailctl
unit: $(TESTS)
	@set -e; for t in $(TESTS); do echo "== $$t"; VMAIL_TEMPLATES=templates $$t; done
unit-asan: $(ASAN_TESTS)
	@set -e; for t in $(ASAN_TESTS); do echo "== $$t"; VMAIL_TEMPLATES=templates $$t; done

# libFuzzer targets: clang only; each target links the library sources.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 20
FUZZ_FLAGS   := -g -O1 -fsanitize=fuzzer,address,undefined -std=c17 \
                $(CPPFLAGS) $(PKG_CFLAGS)
FUZZ_OBJ     := $(LIB_SRC:%.c=build/fuzz/obj/%.o)
.SECONDARY: $(FUZZ_OBJ)
build/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -c -o $@ $<
build/fuzz/%: tests/fuzz/%.c $(FUZZ_OBJ)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^ $(PKG_LIBS)
# Each fuzzer's full output goes to build/fuzz/NAME.log; a crash fails
# the target and shows the end of that log.
fuzz: $(FUZZERS)
	@set -e; for f in $(FUZZERS); do n=$$(basename $$f); \
	  echo "== $$f ($(FUZZ_SECONDS)s)"; mkdir -p build/fuzz/corpus/$$n; \
	  if $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 \
	      build/fuzz/corpus/$$n >build/fuzz/$$n.log 2>&1; then \
	    tail -n 1 build/fuzz/$$n.log; \
	  else tail -n 40 build/fuzz/$$n.log; echo "$$n FAILED"; exit 1; fi; done

lint:
	tests/lint/layers

e2e: build/vmailctl
	tests/e2e/run

install: build/vmailctl
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8
	install -C -m 0755 build/vmailctl $(DESTDIR)$(SBINDIR)/vmailctl
	install -C -m 0644 man/vmailctl.8 $(DESTDIR)$(MANDIR)/man8/vmailctl.8
	cd templates && find . -type d -exec install -d $(DESTDIR)$(DATADIR)/templates/{} \;
	cd templates && find . -type f -exec install -C -m 0644 {} $(DESTDIR)$(DATADIR)/templates/{} \;

clean:
	rm -rf build

-include $(OBJ:.o=.d) $(ASAN_OBJ:.o=.d) $(TESTS:=.d) $(ASAN_TESTS:=.d)
