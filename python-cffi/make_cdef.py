"""Turn ``include/noob_core.h`` into the declarations cffi's ``cdef`` accepts.

The header is the single source of truth: this script evaluates its
preprocessor conditionals as a C11 compiler would (``__cplusplus`` undefined,
``__STDC_VERSION__ == 201112L``), drops comments, includes and guards, and
keeps integer ``#define`` constants.  Nothing is written by hand.

    python make_cdef.py ../include/noob_core.h      # prints the cdef text
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

_C11 = {"__STDC_VERSION__": "201112"}
_INT_DEFINE = re.compile(r"#define\s+(\w+)\s+(-?\d+)[uUlL]*\s*$")


def _strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def _evaluate(condition: str, defined: set[str]) -> bool:
    expr = re.sub(r"defined\s*\(\s*(\w+)\s*\)", lambda m: "1" if m.group(1) in defined else "0", condition)
    expr = re.sub(r"\b(\d+)[uUlL]+\b", r"\1", expr)
    for name, value in _C11.items():
        expr = expr.replace(name, value)
    expr = expr.replace("||", " or ").replace("&&", " and ")
    expr = re.sub(r"!(?!=)", " not ", expr)
    if re.search(r"[A-Za-z_]\w*", expr.replace("or", "").replace("and", "").replace("not", "")):
        raise ValueError(f"cannot evaluate preprocessor condition: {condition!r}")
    return bool(eval(expr, {"__builtins__": {}}))  # only digits and operators remain


def cdef_from_header(header: str) -> str:
    """The cdef text for a cbindgen-generated header."""
    defined: set[str] = set()
    active = [True]  # one entry per open conditional: is its current branch kept?
    taken = [True]  # has any branch of that conditional been kept?
    out: list[str] = []
    for line in _strip_comments(header).splitlines():
        stripped = line.strip()
        directive = re.match(r"#\s*(\w+)\s*(.*)", stripped)
        if not directive:
            if all(active) and stripped:
                out.append(line.rstrip())
            continue
        keyword, rest = directive.groups()
        if keyword in ("if", "ifdef", "ifndef"):
            if keyword == "ifdef":
                keep = rest.strip() in defined
            elif keyword == "ifndef":
                keep = rest.strip() not in defined
            else:
                keep = _evaluate(rest, defined)
            active.append(keep)
            taken.append(keep)
        elif keyword == "elif":
            keep = not taken[-1] and _evaluate(rest, defined)
            active[-1] = keep
            taken[-1] = taken[-1] or keep
        elif keyword == "else":
            active[-1] = not taken[-1]
            taken[-1] = True
        elif keyword == "endif":
            active.pop()
            taken.pop()
        elif keyword == "define" and all(active):
            constant = _INT_DEFINE.match(stripped)
            if constant:
                out.append(f"#define {constant.group(1)} {constant.group(2)}")
            else:
                defined.add(rest.split()[0])
        # include, pragma, and string or empty defines have no place in a cdef
    if len(active) != 1:
        raise ValueError("unbalanced #if/#endif in header")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    source = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent.parent / "include" / "noob_core.h")
    sys.stdout.write(cdef_from_header(source.read_text()))
