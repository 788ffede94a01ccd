"""Live image sizes in the language server (issue 5).

While ``images.online`` is on (the default) and ``DOCKWISE_OFFLINE`` is not
set, the server owns one :class:`dockwise.images.registry.LiveImages`, exposed as
``server.live_images`` (None otherwise) and plugged in front of the offline
table with :func:`dockwise.images.catalog.add_source`, so ``images.lookup`` — DW001,
DW010, hover, inlay hints — prefers a fresh live figure.

* Each new analysis of a document asks (in the background, deduplicated,
  negative-cached) for the base images of its stages that nothing knows yet;
  hover/inlay code may call ``server.live_images.request(ref, platform)`` too.
* When a lookup brings a new figure: open documents are re-linted
  (push: re-published; pull: ``workspace/diagnostic/refresh`` when the client
  supports it) and ``workspace/inlayHint/refresh`` (``workspace/codeLens/refresh``
  for clients without inlay hints, which get the sizes as code lenses) is sent
  to clients that support it — from the event loop, coalesced.
* ``images.online`` is followed live: turning it off removes the source and
  stops lookups at once.

pygls allows one handler per notification and ``initialized`` belongs to
:mod:`dockwise.lsp.server`, so this module hooks ``apply_settings`` instead
(it runs in ``initialize`` and on every settings change) and syncs right
after the current message, so the ``initialize`` answer is not delayed.
Creating ``LiveImages`` is cheap: nothing is sent before the first lookup,
in a worker thread. ``images.registries`` is followed live (the network
policy, README "Security"), and each analysis asks for a document's images
through ``request_document`` (the per-document caps).
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from lsprotocol import types

if TYPE_CHECKING:  # pragma: no cover
    from dockwise.lsp.server import DockwiseServer

log = logging.getLogger("dockwise")

REFRESH_DELAY_S = 0.1  # figures arriving together cause one refresh


def register(server: "DockwiseServer") -> None:
    server.live_images = None  # type: ignore[attr-defined]
    server._live_refresh_pending = False  # type: ignore[attr-defined]
    apply_settings = server.apply_settings
    analyse = server._analyse

    def apply_settings_and_sync(*args: Any, **kwargs: Any) -> bool:
        changed = apply_settings(*args, **kwargs)
        if server.loop is not None:  # after the current message (initialize answers first)
            server.loop.call_soon(_safe_sync, server)
        return changed

    def analyse_and_prefetch(uri: str, doc: Any, reuse: Any) -> Any:
        st = analyse(uri, doc, reuse)
        try:
            prefetch(server, st.model, uri)
        except Exception:
            log.exception("requesting live image sizes for %s failed", uri)
        return st

    server.apply_settings = apply_settings_and_sync  # type: ignore[method-assign]
    server._analyse = analyse_and_prefetch  # type: ignore[method-assign]


def _safe_sync(server: "DockwiseServer") -> None:
    try:
        sync(server)
    except Exception:
        log.exception("enabling/disabling live image lookups failed")


def sync(server: "DockwiseServer") -> None:
    """Create or drop the live source to match ``images.online``/DOCKWISE_OFFLINE."""
    from dockwise.images import catalog as images
    from dockwise.images import registry

    want = bool(server.settings.images_online) and not registry.offline_env() and server.loop is not None
    live = getattr(server, "live_images", None)
    listed = tuple(getattr(server.settings, "images_registries", ()) or ())
    if want and live is None:
        live = registry.LiveImages(on_update=lambda ref: _on_update(server, ref), registries=listed)
        images.add_source(live.as_size_source())
        server.live_images = live  # type: ignore[attr-defined]
        server._live_registries = listed  # type: ignore[attr-defined]
        log.info("live image sizes on (cache %s)", live.disk.root)
    elif want and live is not None and getattr(server, "_live_registries", ()) != listed:
        live.set_registries(listed)  # images.registries changed
        server._live_registries = listed  # type: ignore[attr-defined]
    elif not want and live is not None:
        images.remove_source(live.as_size_source())
        live.close()
        server.live_images = None  # type: ignore[attr-defined]
        log.info("live image sizes off")


def _platform(server: "DockwiseServer", stage: Any) -> str:
    if stage.platform and "$" not in stage.platform:
        return stage.platform
    if server.settings.images_platform:
        return server.settings.images_platform
    try:
        from dockwise.editor.hover import host_platform

        return host_platform()
    except Exception:
        from dockwise.images.catalog import DEFAULT_PLATFORM

        return DEFAULT_PLATFORM


def prefetch(server: "DockwiseServer", model: Any, uri: str = "") -> None:
    """Ask for the base images of ``model``'s stages that no source knows
    (within the network policy's per-document caps)."""
    live = getattr(server, "live_images", None)
    if live is None or model is None:
        return
    from dockwise.images import catalog as images

    todo = []
    for st in model.stages:
        b = st.base
        if b is None or b.unresolved or st.parent is not None or b.resolved.lower() == "scratch":
            continue
        plat = _platform(server, st)
        if images.lookup(b, plat) is None:
            todo.append((b, plat))
    live.request_document(uri, todo)


def _on_update(server: "DockwiseServer", ref: Any) -> None:
    """From a worker thread: schedule one refresh on the event loop."""
    loop = server.loop
    if loop is None or loop.is_closed():
        return
    try:
        loop.call_soon_threadsafe(_schedule_refresh, server)
    except RuntimeError:  # loop closed meanwhile
        pass


def _schedule_refresh(server: "DockwiseServer") -> None:
    if server._live_refresh_pending or server.loop is None:  # type: ignore[attr-defined]
        return
    server._live_refresh_pending = True  # type: ignore[attr-defined]
    server.loop.call_later(REFRESH_DELAY_S, _refresh, server)


def _refresh(server: "DockwiseServer") -> None:
    server._live_refresh_pending = False  # type: ignore[attr-defined]
    try:
        if getattr(server.protocol, "_shutdown", False) or server.protocol.writer is None:
            return
        server.generation += 1  # DW001 may change: re-lint every open document
        server.resync(server.mode)
        if server._cap("workspace.inlay_hint.refresh_support", False):
            server.workspace_inlay_hint_refresh(None)
        if (server._cap("workspace.code_lens.refresh_support", False)
                and server._cap("text_document.inlay_hint", None) is None  # sizes are code lenses there
                and types.TEXT_DOCUMENT_CODE_LENS in server.protocol.fm.features):
            server.workspace_code_lens_refresh(None)
    except Exception:
        log.exception("refreshing after a live image size failed")
