"""The document store: every open document's analysis, in one place per document.

For each open document the store keeps one :class:`DocumentEntry`: the
analysis of its current version (:class:`DocState`: model, violations, LSP
diagnostics, result id, position converter), the previous model (the parser
reuses its unchanged instructions after an edit), the engine's
:class:`~dockwise.lint.engine.LintCache` (findings of unchanged
instructions) and the :class:`~dockwise.lsp.convert.DiagnosticCache`
(unchanged findings keep their LSP diagnostic and its JSON text). Closing the
document drops the entry, and with it all of that. This is the one place
where per-document state lives, so incremental analysis can grow here.

* :meth:`DocumentStore.state` returns the analysis of the open document's
  current version, computing it when needed: parse once per version, lint
  once per *generation* (bumped when lint settings or configuration files
  change; a new generation re-lints the same model without re-parsing).
* A text change (:meth:`changed`) drops the analysis but keeps the model for
  incremental re-parsing.
* Only the :data:`MAX_ANALYSED_DOCUMENTS` most recently used analyses are
  kept; an evicted one is recomputed on demand.
* Every analysis emits the ``document_analysed`` hook.

The engine, parser and rules are imported on first analysis or by
:func:`warm_up` (which :mod:`dockwise.lsp.boot` calls right after answering
``initialize``); this module imports neither them nor lsprotocol at import
time, so the start-up path can build a store before pygls is loaded.
"""
from __future__ import annotations

import itertools
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, NamedTuple
from urllib.parse import unquote


from dockwise.lsp import logs
from dockwise.lsp.lazy import lazy_module
from dockwise.lsp.convert import (SOURCE, DiagnosticCache, PositionConverter, diagnostics_json,
                                  structure_diagnostics)

if TYPE_CHECKING:  # pragma: no cover
    from lsprotocol import types
    from pygls.workspace import TextDocument

    from dockwise.lint.engine import LintCache, Violation
    from dockwise.lsp.capabilities import ClientCapabilities
    from dockwise.lsp.configuration import WorkspaceConfig
    from dockwise.lsp.hooks import Hooks
    from dockwise.syntax.model import Dockerfile
else:
    types = lazy_module("lsprotocol.types")  # not on the start-up path (dockwise.lsp.boot)

log = logging.getLogger("dockwise")

INTERNAL_ERROR_CODE = "DW999"  # same code the engine uses for a crashing rule
# A pathological document must not flood the client: keep the first N
# diagnostics and add one note saying how many were left out.
MAX_DIAGNOSTICS = 1000
# Parsing is linear but not free (~0.25 ms per RUN instruction, ~90 bytes of
# model per byte of RUN-heavy text) and runs on the event loop, so documents
# beyond this size are not analysed at all (one note says so). Real
# Dockerfiles are a few KB; a 20,000-line continuation is ~160 KB.
MAX_DOCUMENT_CHARS = 512 * 1024
MAX_ANALYSED_DOCUMENTS = 64  # analyses kept in memory (LRU); the others are recomputed on demand
SLOW_ANALYSIS_S = 1.0


@dataclass(slots=True)
class DocState:
    """The analysis of one document version under one settings generation.

    ``model`` is parsed once per version and shared by every feature (hover,
    completion, code actions reuse it); a settings change re-lints the same
    model without re-parsing. ``texts`` are the diagnostics as published (the
    JSON text of each); :attr:`diagnostics` gives them as lsprotocol objects,
    made on first use (pull reports).
    """

    version: int | None
    model: "Dockerfile | None"
    violations: "list[Violation]"
    texts: list[str]
    result_id: str
    generation: int
    converter: PositionConverter | None = None
    error: str | None = None  # set when parsing or linting failed
    objects: list[types.Diagnostic] | None = field(default=None, repr=False, compare=False)

    @property
    def diagnostics(self) -> list[types.Diagnostic]:
        if self.objects is None:
            self.objects = structure_diagnostics(self.texts)
        return self.objects

    @classmethod
    def of(cls, version: int | None, diagnostics: list[types.Diagnostic], result_id: str, generation: int,
           error: str | None = None) -> "DocState":
        """A state without a model whose diagnostics are lsprotocol objects."""
        return cls(version, None, [], diagnostics_json(diagnostics), result_id, generation, error=error,
                   objects=list(diagnostics))


class Analysed(NamedTuple):
    """A document's analysis that has a model (what most features need)."""

    state: DocState
    model: "Dockerfile"
    converter: PositionConverter

    @property
    def version(self) -> int | None:
        return self.state.version


class DocumentEntry:
    """Everything the server keeps for one open document."""

    __slots__ = ("state", "previous_model", "lint_cache", "diagnostic_cache")

    def __init__(self) -> None:
        self.state: DocState | None = None  # the analysis of the current version, if computed
        self.previous_model: "Dockerfile | None" = None  # the last model, for incremental re-parsing
        self.lint_cache: "LintCache | None" = None  # findings of unchanged instructions
        self.diagnostic_cache = DiagnosticCache()  # unchanged findings keep their JSON text

    def text_changed(self) -> None:
        """The text changed: never trust the old analysis, but let the parser
        reuse the instructions that did not change."""
        st = self.state
        if st is not None:
            if st.model is not None:
                self.previous_model = st.model
            self.state = None


class DocumentStore:
    """Open documents (pygls' workspace holds the text) and their analyses."""

    def __init__(self, open_document: Callable[[str], "TextDocument | None"], config: "WorkspaceConfig",
                 caps: "ClientCapabilities", hooks: "Hooks"):
        self._open_document = open_document
        self.config = config
        self.caps = caps
        self.hooks = hooks
        self.generation = 0  # bumped when every open document must be linted again
        self._entries: dict[str, DocumentEntry] = {}  # least recently analysed first
        self._result_ids = itertools.count(1)
        self._provided: dict[str, Any] = {}  # what features give the lint engine (see provide)

    def host_changed(self, open_document: Callable[[str], "TextDocument | None"],
                     caps: "ClientCapabilities") -> None:
        """The language server took the store over from the start-up path
        (:mod:`dockwise.lsp.boot`): its workspace holds the documents now."""
        self._open_document = open_document
        self.caps = caps

    # -- lookups ----------------------------------------------------------------------------

    def open_document(self, uri: str) -> "TextDocument | None":
        """The open document for ``uri`` (never reads files from disk)."""
        return self._open_document(uri)

    def entry(self, uri: str) -> DocumentEntry | None:
        return self._entries.get(uri)

    def analysed(self) -> list[str]:
        """URIs with a kept analysis, least recently used first."""
        return [u for u, e in self._entries.items() if e.state is not None]

    def state(self, uri: str) -> DocState | None:
        """The analysis of the open document's current version, computing it
        if needed; None when the document is not open."""
        doc = self.open_document(uri)
        if doc is None:
            return None
        e = self._entries.pop(uri, None)
        if e is None:
            e = DocumentEntry()
        self._entries[uri] = e  # most recently used last
        st = e.state
        if st is not None and st.version == doc.version:
            if st.generation == self.generation:
                return st
            st = self.analyse(uri, doc, e, reuse=st if st.model is not None else None)
        else:
            st = self.analyse(uri, doc, e, reuse=None)
        e.state = st
        self._evict()
        self.hooks.emit("document_analysed", uri, st)
        return st

    def analysed_model(self, uri: str) -> Analysed | None:
        """:meth:`state` when it has a model and a converter (the document is
        open and was parsed), else None."""
        st = self.state(uri)
        if st is None or st.model is None or st.converter is None:
            return None
        return Analysed(st, st.model, st.converter)

    # -- events -----------------------------------------------------------------------------

    def opened(self, uri: str) -> None:
        """A document was (re)opened: start from nothing."""
        self._entries.pop(uri, None)

    def changed(self, uri: str) -> None:
        e = self._entries.get(uri)
        if e is not None:
            e.text_changed()

    def closed(self, uri: str) -> None:
        """Free everything kept for ``uri``."""
        self._entries.pop(uri, None)

    def invalidate(self, uri: str) -> None:
        """Analyse ``uri`` again on next use (its text did not change)."""
        e = self._entries.get(uri)
        if e is not None:
            e.state = None

    def relint(self, uri: str) -> None:
        """Lint ``uri``'s current version again on next use, keeping its model
        (results a rule waits for, such as ShellCheck's, arrived)."""
        e = self._entries.get(uri)
        if e is not None and e.state is not None:
            e.state.generation = -1

    def lint_again(self, uri: str) -> bool:
        """Lint the current version of ``uri`` again with its model kept (what the
        engine sees may have changed: the live image source appeared). When the
        findings are the same, the analysis — and its result id, which a pull
        client holds — stays. Runs the ``document_analysed`` hook either way;
        True when the findings changed."""
        e = self._entries.get(uri)
        doc = self.open_document(uri)
        old = e.state if e is not None else None
        if e is None or old is None or old.model is None or doc is None or doc.version != old.version:
            return False
        new = self.analyse(uri, doc, e, reuse=old, result_id=old.result_id)
        changed = new.violations != old.violations
        if changed:
            new.result_id = self._result_id()
            e.state = new
        self.hooks.emit("document_analysed", uri, e.state)
        return changed

    def provide(self, name: str, source: Any) -> None:
        """Register what the lint engine asks the editor for while linting
        (``shellcheck``: the ShellCheck results it has, see
        :func:`dockwise.lint.engine.lint_model`); None removes it."""
        if source is None:
            self._provided.pop(name, None)
        else:
            self._provided[name] = source

    def invalidate_all(self) -> None:
        """Lint every document again on next use (lint settings, configuration
        files or image sizes changed); models are reused."""
        self.generation += 1

    def _evict(self) -> None:
        """Keep analyses (model, violations, caches) only for the most recently
        used documents; an evicted one is re-analysed on demand. Opening a
        whole workspace must not keep every model in memory."""
        while len(self._entries) > MAX_ANALYSED_DOCUMENTS:
            del self._entries[next(iter(self._entries))]

    # -- analysis ---------------------------------------------------------------------------

    def analyse(self, uri: str, doc: "TextDocument", e: DocumentEntry, reuse: DocState | None,
                result_id: str | None = None) -> DocState:
        """Analyse ``doc``'s current text into a new :class:`DocState`, using
        (and updating) the caches of ``e``; ``reuse``: a state of the same
        version whose model is kept (only the lint is redone); ``result_id``:
        the id to give it (a new one by default). Never raises: a failure
        becomes one ``DW999`` diagnostic."""
        version = doc.version
        t0 = time.perf_counter()
        model = reuse.model if reuse is not None else None
        converter = reuse.converter if reuse is not None else None
        source = doc.source
        ensure_engine()
        if self.config.is_config_document(uri):
            try:
                diagnostics = self.config.config_diagnostics(uri, doc)
            except Exception as exc:
                logs.log_failure(f"configuration diagnostics for {uri}", exc)
                diagnostics = []
            return DocState.of(version, diagnostics, self._result_id(), self.generation)
        if len(source) > MAX_DOCUMENT_CHARS:
            log.warning("%s v%s not analysed: %d characters (limit %d)", uri, version, len(source), MAX_DOCUMENT_CHARS)
            note = _note(
                f"dockwise did not analyse this document: {len(source):,} characters is over "
                f"the {MAX_DOCUMENT_CHARS:,}-character limit"
            )
            return DocState.of(version, [note], self._result_id(), self.generation, error="document too large")
        try:
            from dockwise.lint.engine import LintCache, lint_model

            if model is None:
                from dockwise.syntax.parser import parse

                previous, e.previous_model = e.previous_model, None
                model = parse(source, path=doc.path or None, previous=previous, discard_previous=True)
                try:
                    model.version = version
                except Exception:
                    pass
                converter = PositionConverter(model.lines, doc.position_codec)
            if converter is None:
                converter = PositionConverter(model.lines, doc.position_codec)
            if e.lint_cache is None:
                e.lint_cache = LintCache()
            violations = lint_model(model, self.config.lint_settings_for(uri), cache=e.lint_cache,
                                    shellcheck=self._provided.get("shellcheck"))
            shown = violations[:MAX_DIAGNOSTICS] if len(violations) > MAX_DIAGNOSTICS else violations
            texts = e.diagnostic_cache.convert(
                shown, converter, uri=uri, related_information=self.caps.related_information,
                moved_from=e.lint_cache.moved_from,
            )
            if len(violations) > MAX_DIAGNOSTICS:
                texts += diagnostics_json([_note(
                    f"{len(violations) - MAX_DIAGNOSTICS} more problems not shown "
                    f"(dockwise reports at most {MAX_DIAGNOSTICS} per document)")])
            error = None
        except Exception as exc:
            logs.log_failure(f"analysing {uri} (version {version})", exc)
            violations = []
            error = f"{type(exc).__name__}: {exc}"
            texts = diagnostics_json([_internal_error(f"dockwise could not analyse this document: {error}")])
        elapsed = time.perf_counter() - t0
        level = logging.WARNING if elapsed > SLOW_ANALYSIS_S else logging.DEBUG
        log.log(level, "analysed %s v%s in %.1f ms: %d problems%s", uri, version, elapsed * 1000,
                len(violations), " (model reused)" if reuse is not None else "")
        return DocState(
            version=version,
            model=model,
            violations=violations,
            texts=texts,
            result_id=result_id or self._result_id(),
            generation=self.generation,
            converter=converter,
            error=error,
        )

    def _result_id(self) -> str:
        return f"{next(self._result_ids)}"


def _internal_error(message: str) -> types.Diagnostic:
    return types.Diagnostic(
        range=types.Range(start=types.Position(0, 0), end=types.Position(0, 0)),
        message=message,
        severity=types.DiagnosticSeverity.Error,
        code=INTERNAL_ERROR_CODE,
        source=SOURCE,
    )


def _note(message: str) -> types.Diagnostic:
    return types.Diagnostic(
        range=types.Range(start=types.Position(0, 0), end=types.Position(0, 0)),
        message=message,
        severity=types.DiagnosticSeverity.Information,
        source=SOURCE,
    )


def workspace_lookup(get_workspace: Callable[[], Any]) -> Callable[[str], "TextDocument | None"]:
    """``uri → open TextDocument`` over pygls' workspace (None before ``initialize``)."""

    def lookup(uri: str) -> "TextDocument | None":
        try:
            return get_workspace().text_documents.get(unquote(uri))
        except RuntimeError:  # before initialize
            return None

    return lookup


_IMPORT_LOCK = threading.Lock()
_engine_ready = False


def ensure_engine() -> None:
    """Import the engine, parser and rules exactly once, whichever thread comes
    first (the warm-up thread or the first analysis): two threads importing
    ``dockwise.rules`` at the same time can hit Python's import-lock deadlock
    detection (the package's ``__init__`` and ``dockwise.rules._api``)."""
    global _engine_ready
    if _engine_ready:
        return
    with _IMPORT_LOCK:
        if not _engine_ready:
            from dockwise.lint import engine  # noqa: F401
            from dockwise.syntax import parser  # noqa: F401
            from dockwise import rules  # noqa: F401

            _engine_ready = True


def warm_up(settle: bool = True) -> None:
    """Import the engine, parser and rules off the event loop; then
    :func:`settle_collector` unless ``settle`` is False (the start-up path
    settles it after its first analysis)."""
    try:
        t0 = time.perf_counter()
        from dockwise.lsp.startup import cached_dataclass_code

        with cached_dataclass_code("engine"):  # the rules' and model's dataclasses: their code from the cache
            ensure_engine()
        from dockwise.syntax import parser

        parser.parse("FROM scratch\nRUN true\n")  # loads tree-sitter's grammar
        log.debug("engine, parser and rules imported in %.0f ms", (time.perf_counter() - t0) * 1000)
    except Exception as exc:
        logs.log_failure("importing the engine", exc)
    if settle:
        settle_collector()


def settle_collector() -> None:
    """Long-lived objects (modules, grammar, rule tables, the first document's
    model and caches) need no garbage-collector scans: they are frozen, and the
    young generation is collected every 20,000 allocations (young-generation
    collections made keystroke latency spiky). Turns the collector on (the
    start-up path runs without it until its first analysis is published)."""
    import gc

    gc.freeze()
    gc.set_threshold(20000, 20, 20)
    gc.enable()
