"""Progress bars for long work (tqdm on stderr, hidden when stderr is not a terminal)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")


def progress_bar(description: str) -> Callable[[Iterable[T], int], Iterable[T]]:
    """A wrapper ``(iterable, total) -> iterable`` that shows a bar labelled ``description``."""

    def wrap(iterable: Iterable[T], total: int) -> Iterable[T]:
        from tqdm import tqdm

        return tqdm(iterable, total=total, desc=description, unit="img", disable=None, leave=False)

    return wrap
