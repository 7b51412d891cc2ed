"""What the commands print: lines on stdout/stderr, tables, a progress bar, errors."""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Sequence
from typing import Any


def _out(*lines: str) -> None:
    for line in lines:
        print(line)


def _err(*lines: str) -> None:
    for line in lines:
        print(line, file=sys.stderr)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows padded to equal display width (CJK characters take two columns)."""
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths, strict=True))

    return [line(c).rstrip() for c in (header, ["-" * w for w in widths], *rows)]


class _Progress:
    """A one-line progress bar on stderr (redrawn in place when stderr is a terminal)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.tty = sys.stderr.isatty()
        self.last = -1

    def __call__(self, done: int, total: int) -> None:
        percent = 100 if not total else done * 100 // total
        if percent == self.last and done != total:
            return
        self.last = percent
        bar = "█" * (percent // 5) + "·" * (20 - percent // 5)
        line = f"{self.label} [{bar}] {done}/{total}"
        if self.tty:
            sys.stderr.write("\r" + line + ("\n" if done >= total else ""))
        elif done >= total or percent % 10 == 0:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()


def _print_error(exc: Any) -> None:
    _err(f"✗ {exc.message}")
    for name, messages in (exc.fields or {}).items():
        for message in messages:
            _err(f"  - {message}" if name == "__all__" else f"  - {name}: {message}")
