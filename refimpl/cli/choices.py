"""argparse ``choices`` read from the module that owns them, on first use.

Registering a sub-command must not import the code behind it (``mcref`` starts in well under
a second: docs/architecture.md, "Start-up"). A :class:`LazyChoices` names the module and the
tuple; argparse reads it only when the option is given or help is printed. Give the option a
``metavar``: argparse formats the choices of an option without one while registering it.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Sequence
from typing import overload


class LazyChoices(Sequence[str]):
    """The strings of ``module.name`` (a tuple of str), then ``extra``, imported on first use."""

    def __init__(self, module: str, name: str, extra: Sequence[str] = ()) -> None:
        self._module = module
        self._name = name
        self._extra = tuple(extra)
        self._values: tuple[str, ...] | None = None

    def _load(self) -> tuple[str, ...]:
        if self._values is None:
            values = getattr(importlib.import_module(self._module), self._name)
            self._values = (*(str(v) for v in values), *self._extra)
        return self._values

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return self._load()[index]

    def __len__(self) -> int:
        return len(self._load())

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __contains__(self, value: object) -> bool:
        return value in self._load()

    def __repr__(self) -> str:
        return f"LazyChoices({self._module}.{self._name})"
