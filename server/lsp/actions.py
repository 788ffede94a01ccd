"""Code actions: quick fixes of our diagnostics, refactorings, source.fixAll.dockwise (with codeAction/resolve).

Handlers are thin: the document's cached analysis comes from
``server.documents.state`` (one model per document version); the work is
done by :mod:`dockwise.editor.actions`, which imports nothing from pygls or
lsprotocol.

* ``quickfix``: a diagnostic (published without ``data``: see
  :mod:`dockwise.lsp.convert`) is matched by code and range against the cached
  lint of the current version, through an index built once per request (a
  range in other units, as Neovim 0.7 sends for non-ASCII lines, matches the
  nearest finding with that code on its line); a diagnostic of an older
  version whose finding moved or changed gets no fix. Unsafe fixes say
  so in their title; safe ones are preferred; display-only ones are not
  offered. Every dockwise diagnostic also gets "Ignore CODE for this line" and
  "…for this file" (pragmas; not offered when ``disable-ignore-pragma`` is on).
* ``refactor.rewrite``: ``dockwise.editor.actions.REFACTORINGS`` — "Chain RUN
  instructions" (a range over two or more RUNs), "Add package-manager cleanup"
  (a range over RUNs that install packages without cleaning up) and "Use a
  BuildKit cache mount", whatever rules are enabled.
* ``source.fixAll.dockwise``: every safe fix (and unsafe ones with the
  ``unsafeFixes`` setting) through the fix loop; the edit is computed in
  ``codeAction/resolve`` when the client can resolve ``edit``.

Edits are versioned ``documentChanges`` when the client supports them, else
``changes``; in a CRLF document inserted line breaks are CRLF.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from dockwise.lsp.hooks import Feature
from dockwise.lsp.logs import log_failure

if TYPE_CHECKING:  # pragma: no cover
    from dockwise.editor.actions import Proposal
    from dockwise.lsp.core import DockwiseServer
    from dockwise.lsp.documents import Analysed

log = logging.getLogger("dockwise")

FIX_ALL_KIND = "source.fixAll.dockwise"
KINDS = [
    types.CodeActionKind.QuickFix,
    types.CodeActionKind.RefactorRewrite,
    types.CodeActionKind.SourceFixAll,
    FIX_ALL_KIND,
]


def _kind(k: Any) -> str:
    return str(getattr(k, "value", k))


def _wanted(only: list[str] | None, kind: str) -> bool:
    """``context.only`` is hierarchical: ``source`` and ``source.fixAll`` ask for ``source.fixAll.dockwise``."""
    return only is None or any(kind == o or kind.startswith(o + ".") for o in only)


class _Ctx:
    """What building the actions of one document needs."""

    def __init__(self, ls: "DockwiseServer", uri: str, a: "Analysed", text: str):
        from dockwise.lint.fixes import _uses_crlf

        self.ls, self.uri, self.st, self.model, self.text = ls, uri, a.state, a.model, text
        self.conv = a.converter
        self.crlf = _uses_crlf(text)
        self.versioned = bool(ls.caps.get("workspace.workspace_edit.document_changes", False))
        self._findings: tuple[dict, dict] | None = None

    def finding(self, code: str, rng: types.Range):
        """The violation of the current version with this code and range (client
        units), or None. A client may send a range back in other units (Neovim 0.7
        gives byte columns on a non-ASCII line): then the finding with this code
        starting on that line whose columns are nearest."""
        if self._findings is None:
            exact: dict = {}
            by_line: dict = {}
            for v in self.st.violations:
                r = self.conv.range(v.span)
                key = (v.code, r.start.line, r.start.character, r.end.line, r.end.character)
                exact.setdefault(key, v)
                by_line.setdefault((v.code, r.start.line), []).append((key, v))
            self._findings = (exact, by_line)
        exact, by_line = self._findings
        s, e = rng.start, rng.end
        v = exact.get((code, s.line, s.character, e.line, e.character))
        if v is not None:
            return v
        near = by_line.get((code, s.line))
        if not near:
            return None
        return min(near, key=lambda kv: (abs(kv[0][2] - s.character) + abs(kv[0][4] - e.character)
                                         + 1000 * abs(kv[0][3] - e.line)))[1]

    def text_edit(self, rng: types.Range, new_text: str) -> types.TextEdit:
        if self.crlf and "\n" in new_text:
            from dockwise.lint.fixes import _to_crlf

            new_text = _to_crlf(new_text)
        return types.TextEdit(range=rng, new_text=new_text)

    def model_edits(self, edits) -> list[types.TextEdit]:
        return [self.text_edit(self.conv.range(e.span), e.new_text) for e in edits]

    def workspace_edit(self, edits: list[types.TextEdit]) -> types.WorkspaceEdit:
        if self.versioned:
            return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=self.uri, version=self.st.version),
                edits=edits,
            )])
        return types.WorkspaceEdit(changes={self.uri: edits})

    def action(self, p: "Proposal", diagnostics=None, preferred: bool | None = None) -> types.CodeAction:
        from dockwise.editor.actions import titled

        return types.CodeAction(
            title=titled(p.title, p.applicability),
            kind=p.kind,
            diagnostics=diagnostics,
            is_preferred=preferred,
            edit=self.workspace_edit(self.model_edits(p.edits)),
        )


def _context(ls: "DockwiseServer", uri: str) -> _Ctx | None:
    doc = ls.documents.open_document(uri)
    a = ls.documents.analysed_model(uri)
    if doc is None or a is None or a.state.error:
        return None
    return _Ctx(ls, uri, a, doc.source)


# -- quick fixes ---------------------------------------------------------------------------


def _locate(c: _Ctx, d: types.Diagnostic):
    """(code, model line, fix or None) for one of our diagnostics in the current
    version; None when it is not ours or no longer matches the document."""
    if d.source is not None and d.source != "dockwise":
        return None
    data = d.data if isinstance(d.data, dict) else {}
    code = str(d.code) if d.code is not None else data.get("rule")
    if not code:
        return None
    v = c.finding(code, d.range)
    if v is None:
        return None
    return code, v.span.start.line, v.fix


def _fix_action(c: _Ctx, d: types.Diagnostic, fix) -> types.CodeAction | None:
    from dockwise.editor.actions import titled
    from dockwise.rules._api import Applicability

    if fix is None:
        return None
    app, title, edits = fix.applicability, fix.title, c.model_edits(fix.edits)
    if app is Applicability.DISPLAY_ONLY or not edits:
        return None
    return types.CodeAction(
        title=titled(title, app),
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[d],
        is_preferred=app is Applicability.SAFE,
        edit=c.workspace_edit(edits),
    )


def _quick_fixes(c: _Ctx, diagnostics) -> list[types.CodeAction]:
    from dockwise.editor import actions

    out: list[types.CodeAction] = []
    seen: set = set()
    pragmas = actions.pragmas_enabled(c.ls.config.lint_settings_for(c.uri))
    ignores: list[types.CodeAction] = []
    for d in diagnostics or ():
        try:
            hit = _locate(c, d)
            if hit is None:
                continue
            code, line, fix = hit
            a = _fix_action(c, d, fix)
            if a is not None and _once(seen, a):
                out.append(a)
            if pragmas and actions.ignorable(code):
                for p in actions.ignore_proposals(c.model, code, line):
                    a = c.action(p, [d])
                    if _once(seen, a):
                        ignores.append(a)
        except Exception as exc:  # one broken diagnostic must not take the other actions down
            log_failure(f"code actions for a {getattr(d, 'code', '?')} diagnostic", exc)
    return out + ignores  # the fixes first, then the ignore actions


def _once(seen: set, a: types.CodeAction) -> bool:
    key = (a.title, repr(a.edit))
    if key in seen:
        return False
    seen.add(key)
    return True


# -- refactorings and fix-all ------------------------------------------------------------------


def _lines(rng: types.Range) -> tuple[int, int]:
    first, last = rng.start.line, rng.end.line
    if last > first and rng.end.character == 0:  # a selection of whole lines ends at the next line's start
        last -= 1
    return first, last


def _refactors(c: _Ctx, rng: types.Range) -> list[types.CodeAction]:
    from dockwise.editor import actions

    out = []
    first, last = _lines(rng)
    df = c.model
    for check, build in actions.REFACTORINGS:
        try:
            if check(df, first, last):
                p = build(df, first, last)
                if p is not None:
                    out.append(c.action(p))
        except Exception as exc:
            log_failure(f"refactoring {build.__name__}", exc)
    return out


def _fix_all_action(c: _Ctx) -> types.CodeAction | None:
    from dockwise.editor import actions

    unsafe = bool(c.ls.settings.unsafeFixes)
    if not actions.has_fixes(c.st.violations, unsafe):
        return None
    title = actions.FIX_ALL_UNSAFE_TITLE if unsafe else actions.FIX_ALL_TITLE
    rs = c.ls.caps.get("text_document.code_action.resolve_support", None)
    if rs is not None and "edit" in (getattr(rs, "properties", None) or ()):
        return types.CodeAction(title=title, kind=FIX_ALL_KIND,
                                data={"action": "fixAll", "uri": c.uri, "version": c.st.version})
    return _compute_fix_all(c, title)


def _compute_fix_all(c: _Ctx, title: str) -> types.CodeAction:
    from dockwise.editor import actions

    doc = c.ls.documents.open_document(c.uri)
    p = actions.fix_all(c.text, c.ls.config.lint_settings_for(c.uri), (doc.path or None) if doc else None,
                        unsafe=bool(c.ls.settings.unsafeFixes))
    return types.CodeAction(title=title, kind=FIX_ALL_KIND, edit=c.workspace_edit(c.model_edits(p.edits)))


def code_actions(ls: "DockwiseServer", params: types.CodeActionParams) -> list[types.CodeAction]:
    uri = params.text_document.uri
    c = _context(ls, uri)
    if c is None:
        return []
    only = [_kind(k) for k in params.context.only] if params.context.only else None
    out: list[types.CodeAction] = []
    if _wanted(only, types.CodeActionKind.QuickFix.value):
        out += _quick_fixes(c, params.context.diagnostics)
    if _wanted(only, types.CodeActionKind.RefactorRewrite.value):
        out += _refactors(c, params.range)
    if _wanted(only, FIX_ALL_KIND):
        try:
            a = _fix_all_action(c)
            if a is not None:
                out.append(a)
        except Exception as exc:
            log_failure(f"fix-all for {uri}", exc)
    return out


def resolve(ls: "DockwiseServer", action: types.CodeAction) -> types.CodeAction:
    """Fill in the fix-all edit, on the document's current text (whatever
    version the action was made for)."""
    data = action.data if isinstance(action.data, dict) else {}
    if data.get("action") != "fixAll" or action.edit is not None:
        return action
    c = _context(ls, str(data.get("uri")))
    if c is None:
        action.edit = types.WorkspaceEdit(changes={})
        return action
    if data.get("version") != c.st.version:
        log.debug("fix-all for %s v%s resolved on v%s", c.uri, data.get("version"), c.st.version)
    action.edit = _compute_fix_all(c, action.title).edit
    return action


def on_code_action(ls: "DockwiseServer", params: types.CodeActionParams) -> list[types.CodeAction] | None:
    return code_actions(ls, params) or None


class CodeActionsFeature(Feature):
    name = "actions"

    def register(self) -> None:
        self.server.handler(
            types.TEXT_DOCUMENT_CODE_ACTION,
            types.CodeActionOptions(code_action_kinds=KINDS, resolve_provider=True),
        )(on_code_action)
        self.server.handler(types.CODE_ACTION_RESOLVE)(resolve)


def setup(server: "DockwiseServer") -> None:
    server.add_feature(CodeActionsFeature(server))
