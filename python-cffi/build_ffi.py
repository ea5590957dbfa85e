"""The cffi builder: API mode, out of line, against the generated header.

Used by setup.py (``cffi_modules``); the cdef comes from the header through
``make_cdef.py``, never by hand.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from cffi import FFI

HERE = Path(__file__).resolve().parent
# The Rust crate: the repository around this folder, or in a source distribution (which
# carries a copy of it, see setup.py) this folder itself.
REPO = HERE if (HERE / "Cargo.toml").is_file() else HERE.parent
HEADER = REPO / "include" / "noob_core.h"
TARGET_DIR = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target")).resolve()

sys.path.insert(0, str(HERE))
from make_cdef import cdef_from_header  # noqa: E402


def soname(version: str) -> str:
    """The library's SONAME, as build.rs sets it."""
    major, minor, _ = version.split(".", 2)
    return f"libnoob_core.so.0.{minor}" if major == "0" else f"libnoob_core.so.{major}"


# How every compiled module of the package links the library: against the cargo build,
# loading the copy bundled next to it at run time (setup.py's linked extensions use it too).
LINK_TO_LIBRARY = dict(
    include_dirs=[str(HEADER.parent)],
    library_dirs=[str(TARGET_DIR / "release")],
    libraries=["noob_core"],
    extra_link_args=["-Wl,-rpath,$ORIGIN"],
)

ffibuilder = FFI()
ffibuilder.cdef(cdef_from_header(HEADER.read_text()))
# Not from the header: the one Python function the library calls back, a
# `noob_node_callback` for noob_graph_run (defined in noob_core/scheduler.py with
# @ffi.def_extern()). cffi generates its C entry point, which takes the GIL.
ffibuilder.cdef('extern "Python" uint32_t _noob_py_node_callback(void *, uint32_t);')
ffibuilder.set_source("noob_core._native", '#include "noob_core.h"', **LINK_TO_LIBRARY)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
