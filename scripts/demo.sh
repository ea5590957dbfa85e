#!/bin/sh
# The README's first command: build, install into ./_install, run the demo from C and Python.
set -eu
cd "$(dirname "$0")/.."
. scripts/common.sh
ensure_tools cc:gcc pkg-config:pkg-config

prefix="$PWD/_install"
say "building libnoob_core and installing it into $prefix"
PREFIX="$prefix" scripts/install.sh install

say "C demo, compiled with pkg-config against the installed library"
mkdir -p _build
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
# shellcheck disable=SC2046
cc -std=c11 -O2 -Wall -Wextra -Werror examples-c/demo.c -o _build/demo \
    $(pkg-config --cflags --libs noob_core) -Wl,-rpath,"$(pkg-config --variable=libdir noob_core)"
./_build/demo

say "Python demo (pip install ./python-cffi into .venv)"
make_venv .venv
.venv/bin/pip install -q ./python-cffi
.venv/bin/python python-cffi/examples/demo.py
say "demo done: library in $prefix, Python package in .venv"
