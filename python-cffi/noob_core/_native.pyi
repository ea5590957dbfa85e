# The compiled cffi module: `ffi` and `lib` mirror include/noob_core.h.
from typing import Any

ffi: Any
lib: Any
