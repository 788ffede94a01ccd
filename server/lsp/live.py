"""Live image sizes in the language server (issue 5): the ``live`` feature.

While ``images.online`` is on (the default) and ``DOCKWISE_OFFLINE`` is not
set, the feature owns one :class:`dockwise.images.registry.LiveImages`
(``server.live_images``, None otherwise), plugged in front of the offline
table with :func:`dockwise.images.catalog.add_source`, so ``images.lookup`` —
DW001, DW010, hover, inlay hints — prefers a fresh live figure.

* Each new analysis of a document (the ``document_analysed`` hook) asks, in
  the background (deduplicated, negative-cached), for the base images of its
  stages that nothing knows yet; hover/inlay code may call
  ``server.live_images.request(ref, platform)`` too.
* When a lookup brings a new figure: open documents are re-linted
  (push: re-published; pull: ``workspace/diagnostic/refresh`` when the client
  supports it) and ``workspace/inlayHint/refresh`` (``workspace/codeLens/refresh``
  for clients without inlay hints, which get the sizes as code lenses) is sent
  to clients that support it — from the event loop, coalesced.
* ``images.online`` is followed live (the ``settings_changed`` hook, which
  also runs in ``initialize``): turning it off removes the source and stops
  lookups at once. The sync runs right after the current message, so the
  ``initialize`` answer is not delayed.

Creating ``LiveImages`` is cheap: nothing is sent before the first lookup,
in a worker thread. ``images.registries`` is followed live (the network
policy, README "Security"), and each analysis asks for a document's images
through ``request_document`` (the per-document caps, forgotten when the
document closes: the ``document_closed`` hook).
"""
from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from dockwise.lsp.hooks import Feature, SettingsChange
from dockwise.lsp.logs import log_failure

if TYPE_CHECKING:  # pragma: no cover
    from dockwise.lsp.core import DockwiseServer

log = logging.getLogger("dockwise")

REFRESH_DELAY_S = 0.1  # figures arriving together cause one refresh
# a document's base images asked for again within this time, unchanged and with no
# lookup ended meanwhile, are not looked at again (a keystroke in a RUN would otherwise
# walk every stage's image through the catalog and the network policy); after it,
# they are (a registry's back-off may have ended)
PREFETCH_REPEAT_S = 5.0


class LiveFeature(Feature):
    name = "live"

    def __init__(self, server: "DockwiseServer"):
        super().__init__(server)
        self.live_images: Any = None  # LiveImages while live lookups are on
        self._registries: tuple[str, ...] = ()  # the images.registries it follows
        self._refresh_pending = False
        self._prefetched: dict[str, tuple] = {}  # uri -> (images asked for, generation, when)

    # -- hooks ----------------------------------------------------------------------------

    def settings_changed(self, change: SettingsChange) -> None:
        loop = self.server.loop
        if loop is not None:  # after the current message (initialize answers first)
            loop.call_soon(self._safe_sync)

    def document_analysed(self, uri: str, state: Any) -> None:
        live, model = self.live_images, state.model
        if live is None or model is None:
            return
        wanted = tuple((st.base.resolved, _platform(self.server, st)) for st in _lookup_stages(model))
        now = time.monotonic()
        last = self._prefetched.get(uri)
        if last is not None and last[0] == wanted and last[1] == (id(live), live.generation) and now - last[2] < PREFETCH_REPEAT_S:
            return
        self._prefetched[uri] = (wanted, (id(live), live.generation), now)
        prefetch(self.server, live, model, uri)

    def document_closed(self, uri: str) -> None:
        self._prefetched.pop(uri, None)
        if self.live_images is not None:
            self.live_images.forget_document(uri)

    # -- the live source ------------------------------------------------------------------

    def _safe_sync(self) -> None:
        try:
            self.sync()
        except Exception as exc:
            log_failure("enabling/disabling live image lookups", exc)

    def sync(self) -> None:
        """Create or drop the live source to match ``images.online``/DOCKWISE_OFFLINE."""
        from dockwise.images.policy import offline_env

        server = self.server
        want = (bool(server.settings.images_online) and not offline_env()
                and server.loop is not None and server.initialized)
        live = self.live_images
        if not want and live is None:
            return  # nothing to do: the registry client is not even imported
        from dockwise.images import catalog as images
        from dockwise.images import registry

        listed = tuple(getattr(server.settings, "images_registries", ()) or ())
        if want and live is None:
            live = registry.LiveImages(on_update=self._on_update, registries=listed)
            images.add_source(live.as_size_source())
            self.live_images, self._registries = live, listed
            log.info("live image sizes on (cache %s)", live.disk.root)
        elif want and live is not None and self._registries != listed:
            live.set_registries(listed)  # images.registries changed
            self._registries = listed
        elif not want and live is not None:
            images.remove_source(live.as_size_source())
            live.close()
            self.live_images = None
            log.info("live image sizes off")

    def _on_update(self, ref: Any) -> None:
        """From a worker thread: schedule one refresh on the event loop."""
        loop = self.server.loop
        if loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(self._schedule_refresh)
        except RuntimeError:  # loop closed meanwhile
            pass

    def _schedule_refresh(self) -> None:
        loop = self.server.loop
        if self._refresh_pending or loop is None:
            return
        self._refresh_pending = True
        loop.call_later(REFRESH_DELAY_S, self._refresh)

    def _refresh(self) -> None:
        self._refresh_pending = False
        server = self.server
        try:
            if server.phase == "shutdown" or not server.can_log_to_client():
                return
            server.documents.invalidate_all()  # DW001 may change: re-lint every open document
            server.diagnostics.resync(server.diagnostics.mode)
            if server.caps.get("workspace.inlay_hint.refresh_support", False):
                server.workspace_inlay_hint_refresh(None)
            if (server.caps.get("workspace.code_lens.refresh_support", False)
                    and not server.caps.inlay_hints  # sizes are code lenses there
                    and types.TEXT_DOCUMENT_CODE_LENS in server.protocol.fm.features):
                server.workspace_code_lens_refresh(None)
        except Exception as exc:
            log_failure("refreshing after a live image size", exc)


def setup(server: "DockwiseServer") -> None:
    server.add_feature(LiveFeature(server))


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


def _lookup_stages(model: Any) -> list:
    """The stages whose base image a registry could be asked about."""
    return [st for st in model.stages
            if st.base is not None and not st.base.unresolved and st.parent is None
            and st.base.resolved.lower() != "scratch"]


def prefetch(server: "DockwiseServer", live: Any, model: Any, uri: str = "") -> None:
    """Ask ``live`` for the base images of ``model``'s stages that no source
    knows (within the network policy's per-document caps)."""
    if live is None or model is None:
        return
    from dockwise.images import catalog as images

    todo = []
    seen = set()  # stages FROM the same image ask once (a 100-stage file often names one base)
    for st in _lookup_stages(model):
        b = st.base
        plat = _platform(server, st)
        if (b.resolved, plat) in seen:
            continue
        seen.add((b.resolved, plat))
        if images.lookup(b, plat) is None:
            todo.append((b, plat))
    live.request_document(uri, todo)
