"""Model ⇄ LSP conversion: positions, ranges, diagnostics, fix edits.

The model counts columns in code points (Python ``str`` indices) on physical
lines without terminators; LSP counts in the negotiated position encoding
(UTF-16 by default, UTF-8 or UTF-32 when the client lists it first in
``general.positionEncodings``). pygls 2.1 picks the encoding and exposes it as
``TextDocument.position_codec``; :class:`PositionConverter` uses that codec's
unit counter on the *model's* lines, with a fast path for ASCII lines.

Everything that leaves the server in client units (diagnostic ranges and the
fix edits embedded in ``Diagnostic.data``) goes through here, so code actions
can apply ``data.fix`` without re-linting.
"""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any, Sequence

from lsprotocol import types

if TYPE_CHECKING:  # pragma: no cover
    from pygls.workspace.position_codec import PositionCodec

    from dockwise.syntax.model import Pos, Span

    from dockwise.lint.engine import Violation
    from dockwise.rules._api import Fix

SOURCE = "dockwise"

# rule code → diagnostic tags, on top of what rule metadata tags imply
_EXTRA_TAGS: dict[str, tuple[types.DiagnosticTag, ...]] = {
    "DL4000": (types.DiagnosticTag.Deprecated,),  # MAINTAINER is deprecated
}
# rule metadata tag → diagnostic tag
_META_TAGS = {
    "deprecated": types.DiagnosticTag.Deprecated,
    "unnecessary": types.DiagnosticTag.Unnecessary,
}


def _utf16_units(s: str) -> int:
    return len(s) + sum(1 for c in s if ord(c) > 0xFFFF)


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
            self.encoding = str(codec or types.PositionEncodingKind.Utf16.value)
            self._codec = None
        else:
            self.encoding = str(getattr(codec.encoding, "value", codec.encoding))
            self._codec = codec
        self._ascii: dict[int, bool] = {}

    # -- unit counting ----------------------------------------------------------

    def units(self, text: str) -> int:
        """Length of ``text`` in client units."""
        if text.isascii() or self.encoding == "utf-32":
            return len(text)
        if self._codec is not None:
            return self._codec.client_num_units(text)
        if self.encoding == "utf-8":
            return len(text.encode("utf-8", "surrogatepass"))
        return _utf16_units(text)

    def _is_ascii(self, line: int) -> bool:
        r = self._ascii.get(line)
        if r is None:
            r = self._ascii[line] = self.lines[line].isascii()
        return r

    # -- server → client ---------------------------------------------------------

    def position(self, pos: "Pos") -> types.Position:
        line, col = pos.line, pos.col
        if line < 0:
            return types.Position(line=0, character=0)
        if col < 0:
            col = 0
        if line >= len(self.lines):
            # past the last line (e.g. the end of a file ending in a newline)
            return types.Position(line=line, character=col)
        text = self.lines[line]
        if col > len(text):
            col = len(text)
        if self.encoding == "utf-32" or self._is_ascii(line):
            return types.Position(line=line, character=col)
        return types.Position(line=line, character=self.units(text[:col]))

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


# -- JSON helpers (for Diagnostic.data, which must be plain JSON) ------------------


def range_json(rng: types.Range) -> dict[str, Any]:
    return {
        "start": {"line": rng.start.line, "character": rng.start.character},
        "end": {"line": rng.end.line, "character": rng.end.character},
    }


def range_from_json(d: Any) -> types.Range | None:
    """Inverse of :func:`range_json`; ``None`` when ``d`` is malformed."""
    try:
        s, e = d["start"], d["end"]
        return types.Range(
            start=types.Position(line=int(s["line"]), character=int(s["character"])),
            end=types.Position(line=int(e["line"]), character=int(e["character"])),
        )
    except (KeyError, TypeError, ValueError):
        return None


# -- fixes ---------------------------------------------------------------------------


def fix_text_edits(fix: "Fix", conv: PositionConverter) -> list[types.TextEdit]:
    return [types.TextEdit(range=conv.range(e.span), new_text=e.new_text) for e in fix.edits]


def fix_json(fix: "Fix", conv: PositionConverter) -> dict[str, Any]:
    """``{"title", "applicability", "edits": [{"range", "newText"}]}`` in client units."""
    applicability = getattr(fix.applicability, "value", str(fix.applicability))
    return {
        "title": fix.title,
        "applicability": applicability,
        "edits": [{"range": range_json(conv.range(e.span)), "newText": e.new_text} for e in fix.edits],
    }


def text_edits_from_fix_json(d: Any) -> list[types.TextEdit] | None:
    """The edits of a ``data.fix`` payload; ``None`` when malformed."""
    try:
        out = []
        for e in d["edits"]:
            rng = range_from_json(e["range"])
            if rng is None or not isinstance(e["newText"], str):
                return None
            out.append(types.TextEdit(range=rng, new_text=e["newText"]))
        return out
    except (KeyError, TypeError):
        return None


# -- diagnostics ---------------------------------------------------------------------


def severity(level: int) -> types.DiagnosticSeverity:
    """Our Severity (ERROR=1 .. STYLE=4) → LSP DiagnosticSeverity (STYLE → Hint)."""
    try:
        return types.DiagnosticSeverity(int(level))
    except ValueError:
        return types.DiagnosticSeverity.Warning


@lru_cache(maxsize=512)
def diagnostic_tags(code: str) -> tuple[types.DiagnosticTag, ...]:
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


def diagnostic_data(v: "Violation", conv: PositionConverter, version: int | None) -> dict[str, Any]:
    data: dict[str, Any] = {"rule": v.code, "version": version}
    if v.fix is not None:
        data["fix"] = fix_json(v.fix, conv)
    return data


def to_diagnostic(
    v: "Violation",
    conv: PositionConverter,
    *,
    version: int | None,
    uri: str | None = None,
    related_information: bool = True,
) -> types.Diagnostic:
    """One violation → one LSP diagnostic (ranges and fix edits in client units).

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
        tags=list(tags) if tags else None,
        related_information=related,
        data=diagnostic_data(v, conv, version),
    )


def to_diagnostics(
    violations: Sequence["Violation"],
    conv: PositionConverter,
    *,
    version: int | None,
    uri: str | None = None,
    related_information: bool = True,
) -> list[types.Diagnostic]:
    return [
        to_diagnostic(v, conv, version=version, uri=uri, related_information=related_information)
        for v in violations
    ]


class DiagnosticCache:
    """Reuses the LSP diagnostic of a violation that did not change between two
    versions of a document (most of them, while typing): the conversion
    depends only on the violation and the text of the lines it touches, so
    those lines are part of the key. ``data`` (which carries the document
    version) is rebuilt each time. Keeps only the entries of the last call.

    Two ways to find the previous diagnostic: by identity (the engine's
    :class:`~dockwise.lint.engine.LintCache` hands back the very same violation
    objects for unchanged instructions: no hashing) and by value (a
    violation recomputed equal). It lives in the document's entry of the
    document store, beside its LintCache, and dies with it."""

    __slots__ = ("_entries", "_by_id", "_ctx", "_json", "_dicts", "_version")

    def __init__(self) -> None:
        self._entries: dict = {}
        self._by_id: dict[int, tuple] = {}  # id(violation) -> (violation, ((line, text), ...), diagnostic)
        self._ctx: tuple | None = None
        self._json: dict[int, tuple] = {}  # id(diagnostic) -> (diagnostic, data check, JSON head, JSON tail)
        self._dicts: dict[int, tuple] = {}  # id(diagnostic) -> (diagnostic, its JSON data without "data")
        self._version: tuple | None = None  # (version, its JSON text)

    def _parts(self, d: types.Diagnostic, unstructure) -> tuple | None:
        """(head, tail): ``d``'s JSON text is head + JSON of data.version + tail.
        Cached per diagnostic; valid while ``data`` differs only in its version."""
        data = d.data
        if not isinstance(data, dict) or "version" not in data:
            return None
        hit = self._json.get(id(d))
        if hit is not None and hit[0] is d and len(hit[1]) == len(data) - 1 and all(
            data.get(k) is v for k, v in hit[1]
        ):
            return hit[2], hit[3]
        import json

        marker = "\x00dockwise-version\x00"
        j = unstructure(d)
        j["data"] = {**j.get("data", {}), "version": marker}
        pieces = json.dumps(j).split(json.dumps(marker))
        if len(pieces) != 2:
            return None
        check = tuple((k, v) for k, v in data.items() if k != "version")
        self._json[id(d)] = (d, check, pieces[0], pieces[1])
        return pieces[0], pieces[1]

    def json_text(self, d: types.Diagnostic, unstructure) -> str:
        """``d`` as JSON text; a diagnostic reused from the last version costs
        a string concatenation (only ``data.version`` changes)."""
        import json

        parts = self._parts(d, unstructure)
        if parts is None:
            return json.dumps(self.as_json(d, unstructure))
        data = d.data
        assert isinstance(data, dict)  # _parts found its version
        v = data["version"]
        memo = self._version
        if memo is None or memo[0] is not v and not (type(v) is type(memo[0]) is int and v == memo[0]):
            memo = self._version = (v, json.dumps(v))
        return parts[0] + memo[1] + parts[1]

    def as_json(self, d: types.Diagnostic, unstructure) -> dict:
        """``d`` as JSON-ready data; the unstructured form of a reused
        diagnostic is reused too (only ``data`` changes between versions)."""
        hit = self._dicts.get(id(d))
        if hit is None or hit[0] is not d:
            j = unstructure(d)
            j.pop("data", None)
            self._dicts[id(d)] = hit = (d, j)
        out = dict(hit[1])
        if d.data is not None:
            out["data"] = d.data
        return out

    @staticmethod
    def _lines(v: "Violation") -> tuple[int, ...]:
        spans = [v.span]
        if v.fix is not None:
            spans += [e.span for e in v.fix.edits]
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
        version: int | None,
        uri: str | None = None,
        related_information: bool = True,
    ) -> list[types.Diagnostic]:
        lines = conv.lines
        n = len(lines)
        ctx = (conv.encoding, uri, related_information)
        if ctx != self._ctx:
            self._ctx, self._entries, self._by_id = ctx, {}, {}
        old, old_ids = self._entries, self._by_id
        new: dict = {}
        new_ids: dict[int, tuple] = {}
        out = []
        for v in violations:
            hit = old_ids.get(id(v))
            if hit is not None and hit[0] is v and all((lines[i] if i < n else None) == t for i, t in hit[1]):
                d = hit[2]
                d.data = {**d.data, "version": version}
                new_ids[id(v)] = hit
                out.append(d)
                continue
            try:
                idx = self._lines(v)
                texts = tuple(lines[i] if i < n else None for i in idx)
                key = (v, texts)
                hash(key)
            except TypeError:  # an unhashable violation: convert without caching
                out.append(to_diagnostic(v, conv, version=version, uri=uri, related_information=related_information))
                continue
            d = old.get(key) or new.get(key)
            if d is None:
                d = to_diagnostic(v, conv, version=version, uri=uri, related_information=related_information)
            else:
                d.data = {**d.data, "version": version}
            new[key] = d
            new_ids[id(v)] = (v, tuple(zip(idx, texts)), d)
            out.append(d)
        self._entries, self._by_id = new, new_ids
        keep = {id(d) for d in out}
        self._json = {k: e for k, e in self._json.items() if k in keep}
        self._dicts = {k: e for k, e in self._dicts.items() if k in keep}
        return out
