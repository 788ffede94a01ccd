"""Hover (images, instructions, flags, variables, stages) and inlay hints / code lenses for image sizes.

Handlers are thin: the document's cached analysis comes from
``server.documents.state`` (one model per document version); the work is
done by :mod:`dockwise.editor.hover`, which imports nothing from pygls or lsprotocol.
Positions go through the document's :class:`PositionConverter` (UTF-16 or
UTF-8, whatever was negotiated).

* ``textDocument/hover``: Markdown (plain text for a client without Markdown)
  with the range of the hovered token.
* ``textDocument/inlayHint``: the compressed size at the end of each FROM
  line; none when the setting ``images.inlayHints`` is false.
* ``textDocument/codeLens``: the same label above each FROM line, only for
  clients that do not advertise inlay hints (VS Code before 1.67's LSP client,
  Neovim 0.7); a title-only lens (empty command id) that clients show as text.

Sizes come from ``images.lookup()`` on every request, so figures a live
source (``server.live_images``, when present) has fetched meanwhile appear on
the next hover or inlay-hint refresh. Unknown images are handed to
``server.live_images.request(ref, platform)`` when ``images.online`` is on;
nothing here waits for the network. A change of ``images.inlayHints`` or
``images.platform`` asks the client to refresh hints and lenses (the
``settings_changed`` hook).
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from dockwise.lsp.hooks import Feature, SettingsChange

if TYPE_CHECKING:  # pragma: no cover
    from dockwise.lsp.core import DockwiseServer

log = logging.getLogger("dockwise")


def _live(ls: "DockwiseServer") -> Any:
    """A ``(ref, platform)`` callable that starts a background lookup (see
    :func:`dockwise.editor.hover.hover`), or None when there is no live source or
    ``images.online`` is off."""
    live = getattr(ls, "live_images", None)
    if live is None or not getattr(ls.settings, "images_online", True):
        return None
    request = getattr(live, "request", None)
    if not callable(request):
        return None

    def start(ref, platform):
        if request(ref, platform):
            return True
        cached = getattr(live, "cached", None)
        res = cached(ref, platform) if callable(cached) else None
        status = getattr(res, "status", "ok")
        if res is not None and status != "ok":  # a recent failure the cache remembers
            err = getattr(res, "error", "")
            return f"registry {getattr(res, 'registry', '') or '?'}: {status.replace('_', ' ')}" + (f" ({err})" if err else "")
        return False

    return start


def _markdown_ok(ls: "DockwiseServer") -> bool:
    fmts = ls.caps.get("text_document.hover.content_format", None)
    return not fmts or types.MarkupKind.Markdown in fmts


def _hints(ls: "DockwiseServer", uri: str, start_line: int = 0, end_line: int | None = None):
    """(converter, size hints) for the open document, or None."""
    if not getattr(ls.settings, "images_inlayHints", True):
        return None
    st = ls.documents.analysed_model(uri)
    if st is None:
        return None
    from dockwise.editor.hover import size_hints

    hints = size_hints(st.model, start_line=start_line, end_line=end_line,
                       platform=ls.settings.images_platform, live=_live(ls))
    return st.converter, hints


def refresh_sizes(ls: "DockwiseServer") -> None:
    """Ask the client to re-request inlay hints and code lenses, when it supports refresh."""
    if ls.caps.get("workspace.inlay_hint.refresh_support", False):
        ls.workspace_inlay_hint_refresh(None)
    if ls.caps.get("workspace.code_lens.refresh_support", False) and not ls.caps.inlay_hints:
        ls.workspace_code_lens_refresh(None)


def on_hover(ls: "DockwiseServer", params: types.HoverParams) -> types.Hover | None:
    st = ls.documents.analysed_model(params.text_document.uri)
    if st is None:
        return None
    from dockwise.editor.hover import hover

    conv = st.converter
    res = hover(st.model, conv.pos(params.position), platform=ls.settings.images_platform, live=_live(ls))
    if res is None:
        return None
    kind = types.MarkupKind.Markdown if _markdown_ok(ls) else types.MarkupKind.PlainText
    return types.Hover(contents=types.MarkupContent(kind=kind, value=res.markdown), range=conv.range(res.span))


def on_inlay_hint(ls: "DockwiseServer", params: types.InlayHintParams) -> list[types.InlayHint]:
    got = _hints(ls, params.text_document.uri, params.range.start.line, params.range.end.line)
    if got is None:
        return []
    conv, hints = got
    return [
        types.InlayHint(position=conv.position(h.pos), label=h.label, tooltip=h.tooltip, padding_left=True)
        for h in hints
    ]


def on_code_lens(ls: "DockwiseServer", params: types.CodeLensParams) -> list[types.CodeLens]:
    if ls.caps.inlay_hints:
        return []  # the sizes are shown as inlay hints
    got = _hints(ls, params.text_document.uri)
    if got is None:
        return []
    conv, hints = got
    return [types.CodeLens(range=conv.range(h.line_span), command=types.Command(title=h.label, command=""))
            for h in hints]


class HoverFeature(Feature):
    name = "hover"

    def register(self) -> None:
        self.server.handler(types.TEXT_DOCUMENT_HOVER)(on_hover)
        self.server.handler(types.TEXT_DOCUMENT_INLAY_HINT, types.InlayHintOptions(resolve_provider=False))(
            on_inlay_hint)
        self.server.handler(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=False))(
            on_code_lens)

    def settings_changed(self, change: SettingsChange) -> None:
        """Size hints and lenses depend on ``images.inlayHints`` and ``images.platform``."""
        if change.resync and self.server.initialized and change.changed("images_inlayHints", "images_platform"):
            refresh_sizes(self.server)


def setup(server: "DockwiseServer") -> None:
    server.add_feature(HoverFeature(server))
