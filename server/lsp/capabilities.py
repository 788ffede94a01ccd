"""What the client said it can do (``InitializeParams.capabilities``), by dotted path.

The source is pygls' structured ``ClientCapabilities`` once the server runs,
or the raw JSON object of ``initialize`` before (:mod:`dockwise.lsp.boot`
answers ``initialize`` without pygls): a path's snake_case names are then
read as LSP's camelCase keys."""
from __future__ import annotations

from typing import Any, Callable



class ClientCapabilities:
    """``caps.get("text_document.hover.content_format")`` and the few
    capabilities the server's components ask for by name. Before
    ``initialize`` every capability is absent."""

    def __init__(self, source: Callable[[], Any]):
        self._source = source

    def get(self, path: str, default: Any = None) -> Any:
        try:
            source = self._source()
            if isinstance(source, dict):
                return raw_capability(source, path, default)
            from pygls.capabilities import get_capability

            return get_capability(source, path, default)
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


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(w[:1].upper() + w[1:] for w in rest)


def raw_capability(caps: dict, path: str, default: Any = None) -> Any:
    """``path`` (pygls' snake_case dotted form) in a raw JSON capabilities
    object; ``default`` when a step is missing or null, as pygls'
    ``get_capability``."""
    value: Any = caps
    for name in path.split("."):
        if not isinstance(value, dict):
            return default
        value = value.get(_camel(name))
        if value is None:
            return default
    return value


def diagnostic_mode(setting: str, client_pulls: bool) -> str:
    """``push`` or ``pull``: the ``diagnosticMode`` setting when it says which,
    else pull when the client can (``textDocument.diagnostic``)."""
    if setting in ("push", "pull"):
        return setting
    return "pull" if client_pulls else "push"
