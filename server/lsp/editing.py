"""Completion, signature help and formatting.

Handlers are thin: the document's cached analysis comes from
``server.documents.state`` (one model per document version); the work is
done by engine-side modules that import nothing from pygls or lsprotocol
(:mod:`dockwise.editor.completion`, :mod:`dockwise.editor.signature`,
:mod:`dockwise.editor.formatting`). Positions go through the document's
:class:`~dockwise.lsp.convert.PositionConverter`.

* ``textDocument/completion``: every item carries a ``textEdit`` replacing the
  typed prefix on the cursor's line; snippet items only for clients that
  declare ``snippetSupport``; documentation as Markdown when the client takes
  it. Image names/tags come from the offline table plus what
  ``server.live_images`` has cached (never waits for the network).
* ``textDocument/signatureHelp``: the instruction's forms with the active
  parameter (label offsets when the client supports them).
* ``textDocument/formatting`` and ``rangeFormatting``: one edit per changed
  line (see :mod:`dockwise.editor.formatting` for what changes and what never does).
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from dockwise.lsp.hooks import Feature

if TYPE_CHECKING:  # pragma: no cover
    from dockwise.lsp.core import DockwiseServer
    from dockwise.lsp.documents import Analysed

log = logging.getLogger("dockwise")

COMPLETION_TRIGGERS = [" ", "-", "=", "$", "{", ":", ",", "/", "#"]
SIGNATURE_TRIGGERS = [" ", "=", ",", "["]

_KINDS = {
    "keyword": types.CompletionItemKind.Keyword,
    "snippet": types.CompletionItemKind.Snippet,
    "flag": types.CompletionItemKind.Property,
    "property": types.CompletionItemKind.Property,
    "value": types.CompletionItemKind.Value,
    "variable": types.CompletionItemKind.Variable,
    "stage": types.CompletionItemKind.Reference,
    "image": types.CompletionItemKind.Module,
    "tag": types.CompletionItemKind.EnumMember,
    "directive": types.CompletionItemKind.Property,
}


def _state(ls: "DockwiseServer", uri: str) -> "Analysed | None":
    return ls.documents.analysed_model(uri)


def _markup(ls: "DockwiseServer", text: str | None, cap: str) -> types.MarkupContent | None:
    if not text:
        return None
    fmts = ls.caps.get(cap, None)
    kind = types.MarkupKind.Markdown if not fmts or types.MarkupKind.Markdown in fmts else types.MarkupKind.PlainText
    return types.MarkupContent(kind=kind, value=text)


def _completion_items(ls: "DockwiseServer", params: types.CompletionParams) -> list[types.CompletionItem]:
    st = _state(ls, params.text_document.uri)
    if st is None:
        return []
    from dockwise.editor.completion import complete

    conv = st.converter
    base = "text_document.completion.completion_item"
    snippets = bool(ls.caps.get(f"{base}.snippet_support", False))
    tag_set = ls.caps.get(f"{base}.tag_support.value_set", None) or []
    deprecated_tag = types.CompletionItemTag.Deprecated in tag_set
    deprecated_field = bool(ls.caps.get(f"{base}.deprecated_support", False))
    items = complete(st.model, conv.pos(params.position), snippets=snippets,
                     live=getattr(ls, "live_images", None), platform=ls.settings.images_platform)
    out = []
    for it in items:
        start = conv.position(it.start)
        end = conv.position(it.end) if it.end is not None else params.position
        if start.line != params.position.line or start.character > params.position.character \
                or end.line != start.line or end.character < params.position.character:
            continue  # the spec wants a single-line range containing the cursor
        edit = types.TextEdit(range=types.Range(start=start, end=end), new_text=it.insert)
        dep = it.deprecated
        out.append(types.CompletionItem(
            label=it.label,
            kind=_KINDS.get(it.kind, types.CompletionItemKind.Text),
            detail=it.detail,
            documentation=_markup(ls, it.doc, f"{base}.documentation_format"),
            sort_text=it.sort,
            filter_text=it.filter,
            text_edit=edit,
            insert_text_format=types.InsertTextFormat.Snippet if it.snippet else types.InsertTextFormat.PlainText,
            tags=[types.CompletionItemTag.Deprecated] if dep and deprecated_tag else None,
            deprecated=True if dep and deprecated_field and not deprecated_tag else None,
        ))
    return out


def _signature_help(ls: "DockwiseServer", params: types.SignatureHelpParams) -> types.SignatureHelp | None:
    st = _state(ls, params.text_document.uri)
    if st is None:
        return None
    from dockwise.editor.signature import signature_help

    res = signature_help(st.model, st.converter.pos(params.position))
    if res is None:
        return None
    base = "text_document.signature_help.signature_information"
    offsets = bool(ls.caps.get(f"{base}.parameter_information.label_offset_support", False))
    sigs = []
    for s in res.signatures:
        plist: list[Any] = []
        for a, b in s.params:
            label: Any = (_utf16(s.label[:a]), _utf16(s.label[:b])) if offsets else s.label[a:b]
            plist.append(types.ParameterInformation(label=label))
        sigs.append(types.SignatureInformation(
            label=s.label, documentation=_markup(ls, s.doc, f"{base}.documentation_format"), parameters=plist))
    return types.SignatureHelp(signatures=sigs, active_signature=res.active_signature,
                               active_parameter=res.active_parameter)


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _format(ls: "DockwiseServer", uri: str, options: types.FormattingOptions,
            rng: types.Range | None) -> list[types.TextEdit]:
    st = _state(ls, uri)
    if st is None:
        return []
    from dockwise.editor.formatting import FormatOptions, format_edits

    conv = st.converter
    opts = FormatOptions(
        tab_size=options.tab_size or 4,
        insert_spaces=bool(options.insert_spaces),
        trim_trailing_whitespace=options.trim_trailing_whitespace is not False,
        insert_final_newline=bool(options.insert_final_newline),
    )
    span = conv.span(rng) if rng is not None else None
    return [types.TextEdit(range=conv.range(e.span), new_text=e.new_text)
            for e in format_edits(st.model, opts, span)]


def on_completion(ls: "DockwiseServer", params: types.CompletionParams) -> types.CompletionList:
    return types.CompletionList(is_incomplete=False, items=_completion_items(ls, params))


def on_formatting(ls: "DockwiseServer", params: types.DocumentFormattingParams) -> list[types.TextEdit]:
    return _format(ls, params.text_document.uri, params.options, None)


def on_range_formatting(ls: "DockwiseServer", params: types.DocumentRangeFormattingParams) -> list[types.TextEdit]:
    return _format(ls, params.text_document.uri, params.options, params.range)


class EditingFeature(Feature):
    name = "editing"

    def register(self) -> None:
        handler = self.server.handler
        handler(
            types.TEXT_DOCUMENT_COMPLETION,
            types.CompletionOptions(trigger_characters=COMPLETION_TRIGGERS, resolve_provider=False),
        )(on_completion)
        handler(
            types.TEXT_DOCUMENT_SIGNATURE_HELP,
            types.SignatureHelpOptions(trigger_characters=SIGNATURE_TRIGGERS, retrigger_characters=[" ", ","]),
        )(_signature_help)
        handler(types.TEXT_DOCUMENT_FORMATTING)(on_formatting)
        handler(types.TEXT_DOCUMENT_RANGE_FORMATTING)(on_range_formatting)


def setup(server: "DockwiseServer") -> None:
    server.add_feature(EditingFeature(server))
