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

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
from build_ffi import TARGET_DIR, soname  # noqa: E402

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


def linked_extension(name: str, source: str) -> Extension:
    """A CPython extension that calls the library directly, as `_native` does.

    For hot calls whose cost through cffi (GIL released and retaken, one cdata
    per argument) exceeds the library's own work: these hold the GIL, which also
    serialises Python threads on a handle that is not thread-safe.
    """
    return Extension(
        name,
        [source],
        include_dirs=[str(REPO / "include")],
        library_dirs=[str(TARGET_DIR / "release")],
        libraries=["noob_core"],
        extra_link_args=["-Wl,-rpath,$ORIGIN"],
        extra_compile_args=["-O2"],
    )


setup(
    version=VERSION,
    cffi_modules=["build_ffi.py:ffibuilder"],
    # The serializer's Python walk: one CPython-API call per blob (see _wire.c).
    ext_modules=[
        Extension("noob_core._wire", ["noob_core/_wire.c"], extra_compile_args=["-O2"]),
        # The event store's single get and FastEvent builder, linked to the library (see _events.c).
        linked_extension("noob_core._events", "noob_core/_events.c"),
    ],
    cmdclass={"build_ext": BuildWithCargo},
    zip_safe=False,
)
