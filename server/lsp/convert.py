"""Model ⇄ LSP conversion: positions, ranges, diagnostics, fix edits.

The model counts columns in code points (Python ``str`` indices) on physical
lines without terminators; LSP counts in the negotiated position encoding
(UTF-16 by default, UTF-8 or UTF-32 when the client lists it first in
``general.positionEncodings``). pygls 2.1 picks the encoding and exposes it as
``TextDocument.position_codec``; :class:`PositionConverter` uses that codec's
unit counter on the *model's* lines, with a fast path for ASCII lines.

Everything that leaves the server in client units (diagnostic ranges, fix
edits) goes through here. Diagnostics carry no ``data``: a code action finds
the finding (and its fix) in the analysis of the current version by code and
range, so a publish holds only what the editor shows — 700 diagnostics with
their fixes embedded were 443 KB per keystroke on the benchmark's document,
and clients parse and keep every publish.
"""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Callable, Sequence

from dockwise.lsp.lazy import lazy_module

if TYPE_CHECKING:  # pragma: no cover
    from lsprotocol import types
    from pygls.workspace.position_codec import PositionCodec

    from dockwise.syntax.model import Pos, Span

    from dockwise.lint.engine import Violation
    from dockwise.rules._api import Fix
else:
    types = lazy_module("lsprotocol.types")  # not on the start-up path (dockwise.lsp.boot)

SOURCE = "dockwise"

# LSP's DiagnosticTag values (ints, so that the JSON path needs no lsprotocol)
_UNNECESSARY, _DEPRECATED = 1, 2
# rule code → diagnostic tags, on top of what rule metadata tags imply
_EXTRA_TAGS: dict[str, tuple[int, ...]] = {
    "DL4000": (_DEPRECATED,),  # MAINTAINER is deprecated
}
# rule metadata tag → diagnostic tag
_META_TAGS = {
    "deprecated": _DEPRECATED,
    "unnecessary": _UNNECESSARY,
}


def _utf16_units(s: str) -> int:
    return len(s) + sum(1 for c in s if ord(c) > 0xFFFF)


def client_units(text: str, encoding: str) -> int:
    """Length of ``text`` in the client's units for ``encoding`` ("utf-8",
    "utf-32"; anything else counts UTF-16 units, as pygls does)."""
    if text.isascii() or encoding == "utf-32":
        return len(text)
    if encoding == "utf-8":
        return len(text.encode("utf-8", "surrogatepass"))
    return _utf16_units(text)


class PositionConverter:
    """Converts model positions of one document version to and from client units.

    ``lines`` are the model's physical lines (no terminators); ``codec`` is the
    document's ``position_codec`` (or ``None``/an encoding name for UTF-16 /
    that encoding).
    """

    __slots__ = ("lines", "encoding", "_codec", "_ascii")

    def __init__(self, lines: Sequence[str], codec: "PositionCodec | str | None" = None):
        self.lines = lines
        if codec is None or isinstance(codec, str):
            self.encoding = str(codec or "utf-16")
            self._codec = None
        else:
            self.encoding = str(getattr(codec.encoding, "value", codec.encoding))
            self._codec = codec
        self._ascii: dict[int, bool] = {}

    # -- unit counting ----------------------------------------------------------

    def units(self, text: str) -> int:
        """Length of ``text`` in client units."""
        if self._codec is not None and not (text.isascii() or self.encoding == "utf-32"):
            return self._codec.client_num_units(text)
        return client_units(text, self.encoding)

    def _is_ascii(self, line: int) -> bool:
        r = self._ascii.get(line)
        if r is None:
            r = self._ascii[line] = self.lines[line].isascii()
        return r

    # -- server → client ---------------------------------------------------------

    def line_char(self, pos: "Pos") -> tuple[int, int]:
        """``pos`` in client units as (line, character), clamped to the line's text."""
        line, col = pos.line, pos.col
        if line < 0:
            return 0, 0
        if col < 0:
            col = 0
        if line >= len(self.lines):
            # past the last line (e.g. the end of a file ending in a newline)
            return line, col
        text = self.lines[line]
        if col > len(text):
            col = len(text)
        if self.encoding == "utf-32" or self._is_ascii(line):
            return line, col
        return line, self.units(text[:col])

    def position(self, pos: "Pos") -> types.Position:
        line, character = self.line_char(pos)
        return types.Position(line=line, character=character)

    def range(self, span: "Span") -> types.Range:
        return types.Range(start=self.position(span.start), end=self.position(span.end))

    # -- client → server ---------------------------------------------------------

    def pos(self, position: types.Position) -> "Pos":
        """Client position → model position (clamped to the line's text)."""
        from dockwise.syntax.model import Pos  # lazy: keeps the model out of server start-up

        line, ch = position.line, position.character
        if line < 0:
            return Pos(0, 0)
        if line >= len(self.lines):
            return Pos(line, 0)
        text = self.lines[line]
        if ch <= 0:
            return Pos(line, 0)
        if self.encoding == "utf-32" or self._is_ascii(line):
            return Pos(line, min(ch, len(text)))
        units = 0
        for i, c in enumerate(text):
            if units >= ch:
                return Pos(line, i)
            units += self.units(c)
        return Pos(line, len(text))

    def span(self, rng: types.Range) -> "Span":
        from dockwise.syntax.model import Span

        return Span(self.pos(rng.start), self.pos(rng.end))


# -- fixes ---------------------------------------------------------------------------


def fix_text_edits(fix: "Fix", conv: PositionConverter) -> list[types.TextEdit]:
    return [types.TextEdit(range=conv.range(e.span), new_text=e.new_text) for e in fix.edits]


# -- diagnostics ---------------------------------------------------------------------


def severity_value(level: int) -> int:
    """Our Severity (ERROR=1 .. STYLE=4) → LSP's DiagnosticSeverity value (STYLE → Hint)."""
    try:
        n = int(level)
    except (TypeError, ValueError):
        return 2
    return n if 1 <= n <= 4 else 2


def severity(level: int) -> types.DiagnosticSeverity:
    """:func:`severity_value` as lsprotocol's enum."""
    return types.DiagnosticSeverity(severity_value(level))


@lru_cache(maxsize=512)
def diagnostic_tags(code: str) -> tuple[int, ...]:
    """LSP DiagnosticTag values of ``code``'s diagnostics."""
    tags = list(_EXTRA_TAGS.get(code, ()))
    try:
        from dockwise import rules as registry

        r = registry.get(code)
        if r is not None:
            for t in sorted(r.meta.tags):
                tag = _META_TAGS.get(t)
                if tag is not None and tag not in tags:
                    tags.append(tag)
    except Exception:  # the registry is optional here
        pass
    return tuple(tags)


def to_diagnostic(
    v: "Violation",
    conv: PositionConverter,
    *,
    uri: str | None = None,
    related_information: bool = True,
) -> types.Diagnostic:
    """One violation → one LSP diagnostic (its range in client units).

    ``related_information`` (when ``uri`` is given) turns ``Violation.related``
    into ``relatedInformation`` locations in the same document.
    """
    related = None
    if related_information and uri and v.related:
        related = []
        for item in v.related:
            try:
                span, message = item
                related.append(
                    types.DiagnosticRelatedInformation(
                        location=types.Location(uri=uri, range=conv.range(span)), message=str(message)
                    )
                )
            except (TypeError, ValueError, AttributeError):
                continue
        related = related or None
    tags = diagnostic_tags(v.code)
    return types.Diagnostic(
        range=conv.range(v.span),
        message=v.message,
        severity=severity(v.severity),
        code=v.code,
        code_description=types.CodeDescription(href=v.url) if v.url else None,
        source=SOURCE,
        tags=[types.DiagnosticTag(t) for t in tags] if tags else None,
        related_information=related,
    )


def to_diagnostics(
    violations: Sequence["Violation"],
    conv: PositionConverter,
    *,
    uri: str | None = None,
    related_information: bool = True,
) -> list[types.Diagnostic]:
    return [
        to_diagnostic(v, conv, uri=uri, related_information=related_information)
        for v in violations
    ]


def _shown(v: "Violation", base: int = 0) -> tuple:
    """What a violation's diagnostic is made of (not its fix, which is not sent),
    with every line ``base`` lines up: with ``base`` 0 a key equal for equal
    diagnostics, with the first line's number a key that does not change when
    the lines it touches move together. Hashing the violation itself would hash
    its fix's edits as well: a third of converting a document the first time."""
    def up(sp):
        a, b = sp
        return ((a[0] - base, a[1]), (b[0] - base, b[1]))

    related = v.related
    if related and base:
        try:
            related = tuple((up(sp), msg) for sp, msg in related)
        except (TypeError, ValueError, IndexError):  # a malformed item (skipped by the conversion)
            pass
    return (v.code, v.severity, v.message, v.url, up(v.span) if base else v.span, related)


def diagnostics_json(diagnostics: Sequence[types.Diagnostic]) -> list[str]:
    """lsprotocol diagnostics (configuration files' problems, notes) as JSON texts."""
    import json

    from lsprotocol import converters

    c = converters.get_converter()
    return [json.dumps(c.unstructure(d)) for d in diagnostics]


def structure_diagnostics(texts: Sequence[str]) -> list[types.Diagnostic]:
    """JSON texts → lsprotocol diagnostics (for a pull report, which pygls
    serialises itself)."""
    import json

    from lsprotocol import converters

    c = converters.get_converter()
    return [c.structure(json.loads(t), types.Diagnostic) for t in texts]


class DiagnosticJson:
    """One diagnostic's JSON text with its line numbers left open: ``parts``
    interleaved with ``base + offset`` for each of ``offsets``. Moving the
    diagnostic some lines (Enter above it) only writes other numbers."""

    __slots__ = ("parts", "offsets", "_fmt")

    def __init__(self, parts: tuple[str, ...], offsets: tuple[int, ...]):
        self.parts, self.offsets = parts, offsets
        self._fmt = "%d".join(p.replace("%", "%%") for p in parts)  # one C-level format per text

    def text(self, base: int) -> str:
        return self._fmt % tuple([base + off for off in self.offsets])


def diagnostic_json(v: "Violation", conv: PositionConverter, *, uri: str | None = None,
                    related_information: bool = True) -> DiagnosticJson:
    """The JSON of :func:`to_diagnostic` (same keys, order and separators as
    lsprotocol's converter gives with ``json.dumps``), written directly: no
    attrs objects, no cattrs. Line numbers are relative to ``v.span.start.line``."""
    import json

    dumps = json.dumps
    base = v.span.start.line
    parts: list[str] = []
    offsets: list[int] = []
    buf: list[str] = []

    def position(p: "Pos") -> None:
        line, character = conv.line_char(p)
        buf.append('{"line": ')
        parts.append("".join(buf))
        buf.clear()
        offsets.append(line - base)
        buf.append(f', "character": {character}}}')

    def range_(span: "Span") -> None:
        buf.append('{"start": ')
        position(span.start)
        buf.append(', "end": ')
        position(span.end)
        buf.append("}")

    buf.append('{"range": ')
    range_(v.span)
    buf.append(f', "message": {dumps(v.message)}, "severity": {severity_value(v.severity)}, '
               f'"code": {dumps(v.code)}')
    if v.url:
        buf.append(f', "codeDescription": {{"href": {dumps(v.url)}}}')
    buf.append(f', "source": {dumps(SOURCE)}')
    tags = diagnostic_tags(v.code)
    if tags:
        buf.append(', "tags": [' + ", ".join(str(int(t)) for t in tags) + "]")
    if related_information and uri and v.related:
        items = []
        for item in v.related:
            try:
                span, message = item
                ends = (span.start, span.end)
                if not all(hasattr(p, "line") and hasattr(p, "col") for p in ends):
                    continue  # a malformed item is skipped, as by to_diagnostic
                items.append((span, str(message)))
            except (TypeError, ValueError, AttributeError):
                continue
        if items:
            buf.append(', "relatedInformation": [')
            for k, (span, message) in enumerate(items):
                buf.append(f'{", " if k else ""}{{"location": {{"uri": {dumps(uri)}, "range": ')
                range_(span)
                buf.append(f'}}, "message": {dumps(message)}}}')
            buf.append("]")
    buf.append("}")
    parts.append("".join(buf))
    return DiagnosticJson(tuple(parts), tuple(offsets))


class DiagnosticCache:
    """The JSON text of each violation's diagnostic, reused between versions
    of a document: the conversion depends only on the violation and the text
    of the lines it touches, so those lines are part of the key. Keeps only
    the entries of the last call.

    Three ways to find the previous text: by identity (the engine's
    :class:`~dockwise.lint.engine.LintCache` hands back the very same violation
    objects for unchanged instructions: no hashing), by moving (a violation
    the LintCache moved some lines, Enter above it: the same text with other
    line numbers) and by value (a violation recomputed equal, possibly some
    lines further). It lives in the document's entry of the document store,
    beside its LintCache, and dies with it."""

    __slots__ = ("_entries", "_by_id", "_ctx", "_relative")

    def __init__(self) -> None:
        # (violation, texts of its lines) -> (DiagnosticJson, base line, text)
        self._entries: dict = {}
        # (violation moved to line 0, texts of its lines) -> (DiagnosticJson, line it was at): a finding
        # recomputed equal but some lines further (Enter above it) gets that text with other numbers
        self._relative: dict = {}
        # id(violation) -> (violation, ((line, text), ...), DiagnosticJson, base line, text)
        self._by_id: dict[int, tuple] = {}
        self._ctx: tuple | None = None

    def _moved(self, v: "Violation", moved_from, old_ids: dict, lines: Sequence[str]) -> tuple | None:
        """The entry for ``v`` made by moving that of the violation ``v`` was moved
        from, when every line that one touched moved and still has the same text;
        else None."""
        got = moved_from(v)
        if got is None:
            return None
        orig, delta, fixed = got
        hit = old_ids.get(id(orig))
        if hit is None or hit[0] is not orig:
            return None
        n = len(lines)
        for i, t in hit[1]:
            j = i + delta
            if i < fixed or j >= n or lines[j] != t:
                return None
        base = hit[3] + delta
        return v, tuple([(i + delta, t) for i, t in hit[1]]), hit[2], base, hit[2].text(base)

    @staticmethod
    def _lines(v: "Violation") -> tuple[int, ...]:
        spans = [v.span]
        for item in v.related or ():
            try:
                spans.append(item[0])
            except (TypeError, IndexError):
                pass
        out: set[int] = set()
        for sp in spans:
            out.update(range(sp.start.line, sp.end.line + 1))
        return tuple(sorted(out))

    def convert(
        self,
        violations: Sequence["Violation"],
        conv: PositionConverter,
        *,
        uri: str | None = None,
        related_information: bool = True,
        moved_from: "Callable[[Violation], tuple[Violation, int, int] | None] | None" = None,
    ) -> list[str]:
        """The diagnostics of ``violations``, as JSON texts. ``moved_from`` (the
        engine's ``LintCache.moved_from``) names the violations that are copies
        of last version's moved some lines (Enter above them): their text is
        last version's with other line numbers, not converted again."""
        lines = conv.lines
        n = len(lines)
        ctx = (conv.encoding, uri, related_information)
        if ctx != self._ctx:
            self._ctx, self._entries, self._by_id, self._relative = ctx, {}, {}, {}
        old, old_ids, old_rel = self._entries, self._by_id, self._relative
        new_rel: dict = {}
        new: dict = {}
        new_ids: dict[int, tuple] = {}
        out: list[str] = []
        for v in violations:
            hit = old_ids.get(id(v))
            if hit is not None and hit[0] is v and all((lines[i] if i < n else None) == t for i, t in hit[1]):
                new_ids[id(v)] = hit
                out.append(hit[4])
                continue
            if moved_from is not None and hit is None:
                got = self._moved(v, moved_from, old_ids, lines)
                if got is not None:
                    new_ids[id(v)] = got
                    out.append(got[4])
                    continue
            try:
                idx = self._lines(v)
                texts = tuple(lines[i] if i < n else None for i in idx)
                key = (_shown(v), texts)
                hash(key)
            except TypeError:  # an unhashable violation: convert without caching
                out.append(diagnostic_json(v, conv, uri=uri, related_information=related_information)
                           .text(v.span.start.line))
                continue
            e = old.get(key) or new.get(key)
            if e is None:
                base = v.span.start.line
                rkey = (_shown(v, base), texts)
                # the last version's, else one made in this call for the same diagnostic at
                # another line over the same texts (a stage repeated down the file)
                got = old_rel.get(rkey) or new_rel.get(rkey)
                tpl = got[0] if got is not None else diagnostic_json(
                    v, conv, uri=uri, related_information=related_information)
                e = (tpl, base, tpl.text(base))
                new_rel[rkey] = (tpl, base)
            new[key] = e
            new_ids[id(v)] = (v, tuple(zip(idx, texts)), e[0], e[1], e[2])
            out.append(e[2])
        self._entries, self._by_id = new, new_ids
        if new_rel or old_rel:
            self._relative = new_rel
        return out


PUBLISH_DIAGNOSTICS = "textDocument/publishDiagnostics"


def publish_body(uri: str, texts: Sequence[str], version: "int | None") -> bytes:
    """The JSON body of a ``publishDiagnostics`` notification from the
    diagnostics' JSON texts (:class:`DiagnosticCache`): no lsprotocol objects,
    no cattrs, no re-encoding of unchanged diagnostics."""
    import json

    return "".join((
        '{"jsonrpc": "2.0", "method": "', PUBLISH_DIAGNOSTICS, '", "params": {"uri": ', json.dumps(uri),
        ', "diagnostics": [', ", ".join(texts), "]",
        "" if version is None else f', "version": {json.dumps(version)}', "}}",
    )).encode("utf-8")
