# Plain entry points; the work is done by cargo and scripts/*.sh.
PREFIX ?= /usr/local
export PREFIX DESTDIR

.PHONY: all build header install uninstall demo test bench

all: build

build:
	cargo build --release --lib

header:  ## regenerate include/noob_core.h from the sources
	NOOB_WRITE_HEADER=1 cargo build --lib

install:  ## PREFIX=/usr/local, DESTDIR honoured
	scripts/install.sh install

uninstall:
	scripts/install.sh uninstall

demo:  ## build, install into ./_install, run the C and Python demo
	scripts/demo.sh

test:  ## every check and test (what CI runs)
	scripts/test-all.sh

bench:
	cargo bench --bench buffer_pool
