"""ShellCheck in the language server: the ``shellcheck`` feature.

The rule findings of a document are published at once; ShellCheck's
(``SCnnnn``, rule ``SC``) when ShellCheck has checked the scripts, never
blocking the event loop:

* the document store asks the process-wide runner
  (:func:`dockwise.lint.shellcheck.runner`) for the results it already has
  (``documents.provide("shellcheck", …)``): scripts checked before — every
  unchanged ``RUN`` after an edit — have their findings in the first publish;
* each analysis (the ``document_analysed`` hook) hands the scripts without
  results to one worker thread, which runs ShellCheck on them in one batch
  (only the newest version of each document is kept in the queue);
* when they are done, and the document still has that version, and ShellCheck
  found something in them, it is linted again with its model kept
  (``documents.relint``) and re-published (push), or the client is asked to
  pull again (pull, with refresh support). When it found nothing (typing in a
  clean RUN) nothing more happens: the published diagnostics stand.

Without a ShellCheck binary: no ``SC`` findings and one log line, once.
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from dockwise.lsp.hooks import Feature
from dockwise.lsp.logs import log_failure

if TYPE_CHECKING:  # pragma: no cover
    from dockwise.lsp.core import DockwiseServer

log = logging.getLogger("dockwise")


class CachedResults:
    """What the lint engine gets: the results the process-wide runner already
    has for ``texts`` (None for each script it has not checked). False while
    the runner has none at all (a new process, and the start-up path before its
    first pause): the ShellCheck rule then skips building the scripts it would
    ask about (~5 ms of the first analysis of editlat's 1,000-line file)."""

    def __call__(self, texts: list[str]) -> list:
        from dockwise.lint import shellcheck

        r = shellcheck.runner()
        return r.cached(texts) if r.available else [None] * len(texts)

    def __bool__(self) -> bool:
        from dockwise.lint import shellcheck

        return shellcheck.has_results()


cached_results = CachedResults()


class ShellCheckFeature(Feature):
    name = "shellcheck"

    def __init__(self, server: "DockwiseServer"):
        super().__init__(server)
        self._lock = threading.Lock()
        self._wanted: dict[str, tuple[Any, list[str]]] = {}  # uri -> (version, scripts without results)
        self._executor: ThreadPoolExecutor | None = None
        self._busy = False
        self._noted = False
        server.documents.provide("shellcheck", self._cached)

    # -- what the lint engine gets ----------------------------------------------------------

    def _runner(self) -> Any:
        from dockwise.lint import shellcheck

        return shellcheck.runner()

    def _cached(self, texts: list[str]) -> list:
        return cached_results(texts)

    # -- hooks ------------------------------------------------------------------------------

    def document_analysed(self, uri: str, state: Any) -> None:
        model = getattr(state, "model", None)
        if model is None or self.server.phase == "shutdown":
            return
        from dockwise.lint import shellcheck

        if not shellcheck.selected(self.server.config.lint_settings_for(uri)):
            return
        r = self._runner()
        if not r.available:
            if not self._noted:
                self._noted = True
                log.info("%s", shellcheck.NOT_FOUND)
            return
        missing = r.missing(shellcheck.scripts(model))
        if not missing:
            return
        with self._lock:
            self._wanted.pop(uri, None)  # a newer version goes to the back of the queue
            self._wanted[uri] = (state.version, missing)
            if self._busy:
                return
            self._busy = True
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dockwise-shellcheck")
        self._executor.submit(self._work)

    def document_closed(self, uri: str) -> None:
        with self._lock:
            self._wanted.pop(uri, None)

    def shutdown(self) -> None:
        with self._lock:
            self._wanted.clear()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    # -- the worker -------------------------------------------------------------------------

    def _work(self) -> None:
        """Worker thread: check what documents wait for, newest version of each."""
        while True:
            with self._lock:
                if not self._wanted:
                    self._busy = False
                    return
                uri = next(iter(self._wanted))  # oldest first
                version, texts = self._wanted.pop(uri)
            try:
                self._runner().run(texts)
            except Exception as exc:  # never lose the worker
                log_failure(f"ShellCheck for {uri}", exc)
                continue
            loop = self.server.loop
            if loop is None or loop.is_closed():
                continue
            try:
                loop.call_soon_threadsafe(self._arrived, uri, version, texts)
            except RuntimeError:  # the loop closed meanwhile
                pass

    def _arrived(self, uri: str, version: Any, texts: list[str]) -> None:
        """Event loop: ShellCheck's results for ``texts`` (the scripts of ``uri`` at
        ``version`` it had no results for) are in."""
        server = self.server
        try:
            if server.phase == "shutdown":
                return
            doc = server.documents.open_document(uri)
            if doc is None or doc.version != version:
                return  # edited meanwhile: that version's own analysis asked again
            if all(r is not None and not r for r in self._runner().cached(texts)):
                # no findings in any of them: linting again would publish what stands
                # (a script without results and one without findings read the same),
                # so the event loop is not held up by a lint for nothing
                return
            entry = server.documents.entry(uri)
            before = entry.state.violations if entry is not None and entry.state is not None else None
            server.documents.relint(uri)
            after = server.documents.state(uri)
            if after is not None and before is not None and after.violations == before:
                return  # ShellCheck found nothing new: the published diagnostics stand
            server.diagnostics.refresh([uri])
        except Exception as exc:
            log_failure(f"publishing ShellCheck's findings for {uri}", exc)


def setup(server: "DockwiseServer") -> None:
    server.add_feature(ShellCheckFeature(server))
