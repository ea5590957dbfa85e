"""Builds libnoob_core with cargo and the compiled cffi extension against it.

The shared library is bundled inside the package next to the extension, which
finds it through an ``$ORIGIN`` rpath: the wheel then carries the exact library
it was compiled against and needs nothing installed system-wide.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.sdist import sdist

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from build_ffi import LINK_TO_LIBRARY, REPO, TARGET_DIR, soname  # noqa: E402

# What `cargo build --lib` needs from the crate, copied into a source distribution so that it
# builds on its own (benches/ only because Cargo.toml declares bench targets).
CRATE_FILES = ["Cargo.toml", "Cargo.lock", "build.rs", "cbindgen.toml", "include/noob_core.h"]
CRATE_DIRS = ["src", "benches"]

VERSION = tomllib.loads((REPO / "Cargo.toml").read_text())["package"]["version"]


class BuildWithCargo(build_ext):
    """Runs ``cargo build --release`` first, then bundles the library with the extension."""

    def run(self) -> None:
        cargo = shutil.which("cargo") or str(Path.home() / ".cargo" / "bin" / "cargo")
        subprocess.run([cargo, "build", "--release", "--lib"], cwd=REPO, check=True)
        super().run()
        built = TARGET_DIR / "release" / "libnoob_core.so"
        destinations = [Path(self.build_lib) / "noob_core"]
        if self.inplace:
            destinations.append(HERE / "noob_core")
        for folder in destinations:
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copy2(built, folder / soname(VERSION))


class SdistWithCrate(sdist):
    """A source distribution that builds alone: it carries the Rust crate it compiles."""

    def make_release_tree(self, base_dir: str, files: list[str]) -> None:
        super().make_release_tree(base_dir, files)
        base = Path(base_dir)
        for name in CRATE_FILES:
            (base / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, base / name)
        for name in CRATE_DIRS:
            shutil.copytree(REPO / name, base / name, dirs_exist_ok=True)


def linked_extension(name: str, source: str) -> Extension:
    """A CPython extension that calls the library directly, as `_native` does.

    For hot calls whose cost through cffi (GIL released and retaken, one cdata
    per argument) exceeds the library's own work: these hold the GIL, which also
    serialises Python threads on a handle that is not thread-safe.
    """
    return Extension(name, [source], extra_compile_args=["-O2"], **LINK_TO_LIBRARY)


setup(
    version=VERSION,
    cffi_modules=["build_ffi.py:ffibuilder"],
    # The serializer's Python walk: one CPython-API call per blob (see _wire.c).
    ext_modules=[
        Extension("noob_core._wire", ["noob_core/_wire.c"], extra_compile_args=["-O2"]),
        # The event store's single get and FastEvent builder, linked to the library (see _events.c).
        linked_extension("noob_core._events", "noob_core/_events.c"),
        linked_extension("noob_core._noob", "noob_core/_noob.c"),  # Epoch, Scheduler hot calls
        linked_extension("noob_core._sched", "noob_core/_sched.c"),  # FastScheduler's drive (see _sched.c)
    ],
    cmdclass={"build_ext": BuildWithCargo, "sdist": SdistWithCrate},
    zip_safe=False,
)
