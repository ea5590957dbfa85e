"""Package-level behaviour: version, error mapping, the cdef generator."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import noob_core
from noob_core import exceptions
from noob_core._native import ffi, lib

REPO = Path(__file__).resolve().parents[2]
HEADER = REPO / "include" / "noob_core.h"


def test_version_matches_library_header_and_cargo():
    cargo = tomllib.loads((REPO / "Cargo.toml").read_text())["package"]["version"]
    assert noob_core.__version__ == cargo
    assert noob_core.__version__ == ffi.string(lib.noob_version()).decode()
    major, minor, patch = map(int, cargo.split("."))
    assert lib.NOOB_VERSION_NUMBER == major * 1_000_000 + minor * 1_000 + patch
    assert lib.noob_version_number() == lib.NOOB_VERSION_NUMBER


def test_version_mismatch_is_an_import_error(tmp_path):
    # Load the package with a library that reports another version number.
    package_dir = Path(noob_core.__file__).parent
    native_file = next(package_dir.glob("_native*.so"))
    script = f"""
import importlib.util, sys, types
spec = importlib.util.spec_from_file_location("noob_core._native", {str(native_file)!r})
real = importlib.util.module_from_spec(spec)
spec.loader.exec_module(real)
class FakeLib:
    def __getattr__(self, name):
        return getattr(real.lib, name)
    def noob_version_number(self):
        return real.lib.NOOB_VERSION_NUMBER + 1
fake = types.ModuleType("noob_core._native")
fake.ffi, fake.lib = real.ffi, FakeLib()
sys.modules["noob_core._native"] = fake
sys.path.insert(0, {str(package_dir.parent)!r})
try:
    import noob_core
except ImportError as error:
    print("ImportError:", error)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert "ImportError:" in out.stdout and "reinstall" in out.stdout


def error_codes() -> dict[str, int]:
    return {name: getattr(lib, name) for name in dir(lib) if name.startswith("NOOB_ERR_")}


# noob-core raises a plain ValueError for an invalid epoch value, and noob catches it as
# such: the one code deliberately outside the NoobCoreError tree.
PLAIN_VALUE_ERROR_CODES = {"NOOB_ERR_EPOCH_VALUE"}


def test_every_error_code_has_its_own_exception_class():
    codes = error_codes()
    assert len(codes) >= 10
    for name in PLAIN_VALUE_ERROR_CODES:
        error = exceptions.error_for(codes.pop(name))
        assert type(error) is ValueError and error.code == lib.NOOB_ERR_EPOCH_VALUE
    for name, code in codes.items():
        error = exceptions.error_for(code)
        assert type(error) is not exceptions.NoobCoreError, f"{name} has no specific class"
        assert isinstance(error, exceptions.NoobCoreError)
        assert error.code == code
    classes = [type(exceptions.error_for(code)) for code in codes.values()]
    assert len(set(classes)) == len(classes), "two codes share a class"


def test_unknown_code_gives_the_root_class_with_a_message():
    error = exceptions.error_for(99_999)
    assert type(error) is exceptions.NoobCoreError
    assert str(error)


def test_check_carries_the_detail_message():
    with pytest.raises(exceptions.InvalidArgumentError, match="buffer_size 0 is invalid") as info:
        noob_core.BufferPool(buffer_size=0)
    assert info.value.code == lib.NOOB_ERR_INVALID_ARGUMENT
    assert isinstance(info.value, ValueError)


def test_cdef_is_generated_from_the_header():
    sys.path.insert(0, str(REPO / "python-cffi"))
    from make_cdef import cdef_from_header

    cdef = cdef_from_header(HEADER.read_text())
    declared = set(re.findall(r"\b(noob_\w+)\s*\(", cdef))
    in_header = set(re.findall(r"^[^ *#/].*?\b(noob_\w+)\s*\(", HEADER.read_text(), re.M))
    assert declared == in_header
    for name in declared:
        assert hasattr(lib, name), name
    assert "__cplusplus" not in cdef and "#include" not in cdef


def test_cdef_preprocessor_handles_conditionals():
    sys.path.insert(0, str(REPO / "python-cffi"))
    from make_cdef import cdef_from_header

    text = """
#ifndef GUARD
#define GUARD
#define ANSWER 42
#define TEXT "no"
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
int cxx_only;
#elif __STDC_VERSION__ >= 201112L
int c11;
#else
int old;
#endif
#ifdef __cplusplus
extern "C" {
#endif
/* comment */ int f(void); // trailing
#endif
"""
    assert cdef_from_header(text).split("\n") == ["#define ANSWER 42", "int c11;", "  int f(void);", ""]
