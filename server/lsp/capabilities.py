"""What the client said it can do (``InitializeParams.capabilities``), by dotted path."""
from __future__ import annotations

from typing import Any, Callable

from pygls.capabilities import get_capability


class ClientCapabilities:
    """``caps.get("text_document.hover.content_format")`` and the few
    capabilities the server's components ask for by name. Before
    ``initialize`` every capability is absent."""

    def __init__(self, source: Callable[[], Any]):
        self._source = source

    def get(self, path: str, default: Any = None) -> Any:
        try:
            return get_capability(self._source(), path, default)
        except Exception:  # before initialize, or a client's odd capability object
            return default

    @property
    def pulls(self) -> bool:
        return self.get("text_document.diagnostic") is not None

    @property
    def configuration(self) -> bool:
        return bool(self.get("workspace.configuration", False))

    @property
    def diagnostic_refresh(self) -> bool:
        return bool(self.get("workspace.diagnostics.refresh_support", False))

    @property
    def related_information(self) -> bool:
        return bool(
            self.get("text_document.publish_diagnostics.related_information", False)
            or self.get("text_document.diagnostic.related_information", False)
        )

    @property
    def watches_files(self) -> bool:
        return bool(self.get("workspace.did_change_watched_files.dynamic_registration", False))

    @property
    def inlay_hints(self) -> bool:
        return self.get("text_document.inlay_hint", None) is not None
