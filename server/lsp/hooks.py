"""Extension points of the language server: named hooks and feature objects.

A feature (hover, code actions, live image sizes, …) is a :class:`Feature`
subclass, added with ``server.add_feature(feature)``, in the manner of
esbonio's ``LanguageFeature``:

* :meth:`Feature.register` registers its LSP handlers with
  ``server.handler(METHOD, options)`` (the decorator that turns an exception
  into an error response plus one log line);
* each hook method it overrides (the names in :data:`HOOKS`) is subscribed to
  that hook; a plain callable can subscribe too, with
  ``server.hooks.on(name, callback)``.

Hooks run on the event loop, in subscription order (the server's own
components first), each one in isolation: one that raises is logged in one
line and the others still run. Nothing reassigns another object's methods;
a test checks that no feature module assigns attributes of the server.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, ClassVar

from dockwise.lsp.logs import log_failure

if TYPE_CHECKING:  # pragma: no cover
    from dockwise.editor.settings import Settings

log = logging.getLogger("dockwise")

HOOKS: dict[str, str] = {
    "initialized": "after the client's `initialized` notification; no arguments",
    "settings_changed": "the effective settings or configuration files changed; (change: SettingsChange)",
    "document_opened": "a document was opened (before its first analysis); (uri)",
    "document_analysed": "a document version was analysed (parsed and linted); (uri, state: DocState)",
    "document_closed": "a document was closed; its analysis is gone; (uri)",
    "shutdown": "the client sent `shutdown`; no arguments",
}


@dataclass(frozen=True)
class SettingsChange:
    """What ``settings_changed`` reports.

    ``old``/``new``: the effective settings before and after (equal when only
    configuration files changed). ``lint_changed``: every open document must be
    linted again. ``stale``: documents (URIs) whose own results changed
    (configuration files that are open). ``source``: where the change came
    from, for the log. ``resync``: False during ``initialize`` (nothing to
    republish yet)."""

    source: str
    old: "Settings"
    new: "Settings"
    lint_changed: bool = False
    stale: tuple[str, ...] = ()
    resync: bool = True

    def changed(self, *names: str) -> bool:
        """True when any of the settings fields ``names`` changed."""
        return any(getattr(self.old, n) != getattr(self.new, n) for n in names)


@dataclass
class Hooks:
    """Named extension points (:data:`HOOKS`)."""

    _callbacks: dict[str, list[Callable[..., Any]]] = field(default_factory=lambda: {n: [] for n in HOOKS})

    def on(self, name: str, callback: Callable[..., Any]) -> None:
        """Call ``callback`` whenever hook ``name`` is emitted."""
        if name not in self._callbacks:
            raise ValueError(f"unknown hook {name!r}; hooks: {', '.join(HOOKS)}")
        self._callbacks[name].append(callback)

    def emit(self, name: str, *args: Any) -> None:
        for cb in self._callbacks[name]:
            try:
                cb(*args)
            except Exception as exc:
                log_failure(f"{name} hook {getattr(cb, '__qualname__', cb)!s}", exc)

    def subscribers(self, name: str) -> list[Callable[..., Any]]:
        return list(self._callbacks[name])


class Feature:
    """Base class of a language-server feature.

    Subclasses set :attr:`name`, register their handlers in :meth:`register`
    and override the hook methods they need; state a feature keeps lives on
    the feature object, never on the server.
    """

    name: ClassVar[str] = "feature"

    def __init__(self, server: Any):
        self.server = server

    def register(self) -> None:
        """Register LSP handlers with ``self.server.handler(METHOD, options)``."""

    # -- hooks (subscribed only when overridden) ------------------------------------------

    def initialized(self) -> None: ...

    def settings_changed(self, change: SettingsChange) -> None: ...

    def document_opened(self, uri: str) -> None: ...

    def document_analysed(self, uri: str, state: Any) -> None: ...

    def document_closed(self, uri: str) -> None: ...

    def shutdown(self) -> None: ...

    def hook_methods(self) -> dict[str, Callable[..., Any]]:
        """The hook methods this feature overrides, by hook name."""
        out = {}
        for name in HOOKS:
            mine = getattr(type(self), name, None)
            if mine is not None and mine is not getattr(Feature, name):
                out[name] = getattr(self, name)
        return out
