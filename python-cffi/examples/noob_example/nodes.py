"""Node functions of the example tube ``tube.yaml`` (plain functions and generators, the way
noob turns them into nodes: generators are stateful sources, ``Name`` names a signal).
No ``from __future__ import annotations``: noob reads the signal names from the live
annotations."""

from collections.abc import Generator
from itertools import count
from typing import Annotated, Any

from noob import Name
from noob.event import MetaSignal

WORDS = ("kiwi", "fig", "plum")


def counter(start: int = 0) -> Generator[Annotated[int, Name("index")], None, None]:
    """0, 1, 2, ... one number per epoch."""
    yield from count(start)


def letters() -> Generator[Annotated[str, Name("letter")], None, None]:
    """a, b, c, ... z, a, ..."""
    while True:
        for code in range(ord("a"), ord("z") + 1):
            yield chr(code)


def every_third() -> Generator[Annotated[str, Name("word")], None, None]:
    """A word in epochs 0, 3, 6, ... (cycling through WORDS); NoEvent in the others."""
    for turn in count():
        if turn % 3 == 0:
            yield WORDS[(turn // 3) % len(WORDS)]
        else:
            yield MetaSignal.NoEvent


def double(value: int) -> int:
    return 2 * value


def quarter(numerator: int, denominator: int = 4) -> Annotated[float, Name("ratio")]:
    return numerator / denominator


def shout(text: str) -> str:
    return text.upper() + "!"


def join(parts: list[str]) -> str:
    return "-".join(parts)


def pick(first: Any | None = None, second: Any | None = None) -> dict:
    """Every input optional: reports which ones arrived."""
    return {name: value for name, value in (("first", first), ("second", second)) if value is not None}
