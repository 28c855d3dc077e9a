"""Plain-text and Markdown tables for the terminal and for result files."""

from __future__ import annotations

import math
from collections.abc import Sequence


def format_value(value: object, digits: int = 4) -> str:
    """Floats to ``digits`` decimals, NaN as "n/a", everything else as ``str``."""
    if isinstance(value, float):
        return "n/a" if math.isnan(value) else f"{value:.{digits}f}"
    return str(value)


def text_table(headers: Sequence[str], rows: Sequence[Sequence[object]], digits: int = 4) -> str:
    """An aligned table: text left-aligned, numbers right-aligned."""
    cells = [[format_value(value, digits) for value in row] for row in rows]
    widths = [max(len(header), *(len(row[i]) for row in cells)) if cells else len(header) for i, header in enumerate(headers)]
    numeric = [all(isinstance(row[i], (int, float)) for row in rows) if rows else False for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            value.rjust(width) if is_number else value.ljust(width)
            for value, width, is_number in zip(values, widths, numeric)
        ).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(list(headers)), rule, *(line(row) for row in cells)])


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]], digits: int = 4) -> str:
    """A GitHub-flavoured Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(format_value(value, digits) for value in row) + " |" for row in rows]
    return "\n".join(lines)
