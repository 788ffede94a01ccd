"""Code actions: quick fixes from Diagnostic.data, refactorings, source.fixAll.dockwise (with codeAction/resolve).

Handlers are thin: the document's cached analysis comes from
``DockwiseServer.get_state`` (one model per document version); the work is
done by engine-side modules that import nothing from pygls or lsprotocol.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .lsp_server import DockwiseServer


def register(server: "DockwiseServer") -> None:
    """Register this module's handlers on ``server`` (nothing yet)."""
