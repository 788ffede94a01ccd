"""A module imported on first use: the server's start-up path imports no lsprotocol.

``types = lazy_module("lsprotocol.types")`` behaves as the module for every
attribute read; the import happens at the first one. Modules on the path from
``dockwise serve`` to the first published diagnostics (see
:mod:`dockwise.lsp.boot`) use it, so that importing them does not cost the
~250 ms of defining lsprotocol's ~570 classes. Type checkers see the real
module (``if TYPE_CHECKING: from lsprotocol import types``).
"""
from __future__ import annotations

import importlib
from typing import Any


class LazyModule:
    __slots__ = ("_name", "_module")

    def __init__(self, name: str):
        self._name = name
        self._module: Any = None

    def __getattr__(self, attr: str) -> Any:
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
        return getattr(module, attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}{' (imported)' if self._module is not None else ''}>"


def lazy_module(name: str) -> Any:
    return LazyModule(name)
