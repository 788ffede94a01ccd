"""Document and workspace symbols, definition, references, rename, highlight, folding, semantic tokens, document links.

Handlers are thin: the document's cached analysis comes from
``server.documents.state`` (one model per document version); the work is
done by :mod:`dockwise.editor.navigation`, which imports nothing from pygls or
lsprotocol. Positions go through the document's ``PositionConverter``. A
rename that cannot be done answers with a ``RequestFailed`` error carrying
the reason.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException

from dockwise.lsp.hooks import Feature

if TYPE_CHECKING:  # pragma: no cover
    from dockwise.lsp.core import DockwiseServer
    from dockwise.lsp.documents import Analysed

log = logging.getLogger("dockwise")

# keep in sync with navigation.TOKEN_TYPES / TOKEN_MODIFIERS (checked by the tests)
TOKEN_TYPES = ["keyword", "parameter", "property", "class", "type", "variable", "string", "comment", "macro",
               "operator", "number"]
TOKEN_MODIFIERS = ["declaration", "definition", "readonly", "deprecated", "defaultLibrary"]
LEGEND = types.SemanticTokensLegend(token_types=TOKEN_TYPES, token_modifiers=TOKEN_MODIFIERS)


def _state(ls: "DockwiseServer", uri: str) -> "Analysed | None":
    return ls.documents.analysed_model(uri)


def encode_tokens(tokens, conv, rng: "types.Range | None" = None) -> list[int]:
    """Model tokens → LSP relative encoding in the client's position units."""
    from dockwise.syntax.model import Pos

    data: list[int] = []
    types_ix = {t: i for i, t in enumerate(TOKEN_TYPES)}
    mods_ix = {m: 1 << i for i, m in enumerate(TOKEN_MODIFIERS)}
    prev_line = prev_char = 0
    for t in tokens:
        start = conv.position(Pos(t.line, t.col))
        end = conv.position(Pos(t.line, t.end))
        if rng is not None and not (_before(start, rng.end) and _before(rng.start, end)):
            continue
        length = end.character - start.character
        if length <= 0 or t.type not in types_ix:
            continue
        d_line = start.line - prev_line
        d_char = start.character - prev_char if d_line == 0 else start.character
        mask = 0
        for m in t.modifiers:
            mask |= mods_ix.get(m, 0)
        data += [d_line, d_char, length, types_ix[t.type], mask]
        prev_line, prev_char = start.line, start.character
    return data


def _before(a: types.Position, b: types.Position) -> bool:
    return (a.line, a.character) < (b.line, b.character)


def _doc_symbol(s, conv) -> types.DocumentSymbol:
    return types.DocumentSymbol(
        name=s.name or "?",
        detail=s.detail or None,
        kind=types.SymbolKind[s.kind],
        range=conv.range(s.span),
        selection_range=conv.range(s.selection),
        children=[_doc_symbol(c, conv) for c in s.children] or None,
        tags=[types.SymbolTag.Deprecated] if s.deprecated else None,
    )


def _flat_symbols(syms, conv, uri: str, container: str | None, out: list, tags: bool) -> None:
    for s in syms:
        out.append(types.SymbolInformation(
            name=s.name or "?",
            kind=types.SymbolKind[s.kind],
            location=types.Location(uri=uri, range=conv.range(s.span)),
            container_name=container,
            tags=[types.SymbolTag.Deprecated] if s.deprecated and tags else None,
        ))
        _flat_symbols(s.children, conv, uri, s.name, out, tags)


def _failed(message: str) -> JsonRpcException:
    return JsonRpcException(message, code=types.LSPErrorCodes.RequestFailed.value)


def _nav():
    from dockwise.editor import navigation

    return navigation


def document_symbol(ls: "DockwiseServer", params: types.DocumentSymbolParams):
    st = _state(ls, params.text_document.uri)
    if st is None:
        return []
    syms = _nav().document_symbols(st.model)
    conv = st.converter
    if ls.caps.get("text_document.document_symbol.hierarchical_document_symbol_support", False):
        return [_doc_symbol(s, conv) for s in syms]
    out: list = []
    tags = ls.caps.get("text_document.document_symbol.tag_support") is not None
    _flat_symbols(syms, conv, params.text_document.uri, None, out, tags)
    return out


def workspace_symbol(ls: "DockwiseServer", params: types.WorkspaceSymbolParams):
    feature = ls.features.get("navigation")
    if not isinstance(feature, NavigationFeature):
        return []
    return feature.symbols.query(ls, params.query or "")


class SymbolIndex:
    """The stage symbols of every open document, taken from a document's first
    analysis (the ``document_analysed`` hook) and dropped when it closes: a
    ``workspace/symbol`` request reads the index instead of analysing every
    open document. An entry older than its document (edited since) is
    refreshed by the query, from the store's analysis of that version when it
    has one, else by parsing (not linting) the text, once per version. Entries hold only names, kinds and LSP locations, never a
    model."""

    def __init__(self) -> None:
        self._by_uri: dict[str, tuple[Any, list[tuple[str, types.SymbolInformation]]]] = {}

    def update(self, uri: str, version: Any, model: Any, converter: Any) -> list:
        syms = [
            (s.name.lower(), types.SymbolInformation(
                name=s.name, kind=types.SymbolKind[s.kind],
                location=types.Location(uri=uri, range=converter.range(s.selection)),
                container_name=s.detail or None))
            for s in _nav().stage_symbols(model, "")
        ]
        self._by_uri[uri] = (version, syms)
        return syms

    def drop(self, uri: str) -> None:
        self._by_uri.pop(uri, None)

    def has(self, uri: str) -> bool:
        return uri in self._by_uri

    def query(self, ls: "DockwiseServer", query: str) -> list:
        q = query.lower()
        out: list = []
        for uri, doc in list(ls.workspace.text_documents.items()):
            got = self._by_uri.get(uri)
            syms = got[1] if got is not None and got[0] == doc.version else self._parse(ls, uri, doc)
            for name, info in syms:
                it = iter(name)
                if all(c in it for c in q):  # case-insensitive subsequence, as stage_symbols
                    out.append(info)
        return out

    def _parse(self, ls: "DockwiseServer", uri: str, doc: Any) -> list:
        from dockwise.lsp.convert import PositionConverter
        from dockwise.lsp.documents import MAX_DOCUMENT_CHARS

        st = ls.documents.entry(uri)
        state = st.state if st is not None else None
        if state is not None and state.version == doc.version and state.model is not None \
                and state.converter is not None:
            return self.update(uri, doc.version, state.model, state.converter)
        if ls.config.is_config_document(uri) or len(doc.source) > MAX_DOCUMENT_CHARS:
            self._by_uri[uri] = (doc.version, [])
            return []
        from dockwise.syntax.parser import parse

        model = parse(doc.source, path=doc.path or None)
        return self.update(uri, doc.version, model, PositionConverter(model.lines, doc.position_codec))


def definition(ls: "DockwiseServer", params: types.DefinitionParams):
    st = _state(ls, params.text_document.uri)
    if st is None:
        return None
    p = st.converter.pos(params.position)
    spans = _nav().definition_at(st.model, p.line, p.col)
    return [types.Location(uri=params.text_document.uri, range=st.converter.range(s)) for s in spans] or None


def references(ls: "DockwiseServer", params: types.ReferenceParams):
    st = _state(ls, params.text_document.uri)
    if st is None:
        return None
    p = st.converter.pos(params.position)
    n = _nav()
    sym = n.symbol_at(st.model, p.line, p.col)
    if sym is None:
        return None
    occs = n.references(st.model, sym, include_declaration=params.context.include_declaration)
    return [types.Location(uri=params.text_document.uri, range=st.converter.range(o.span)) for o in occs]


def document_highlight(ls: "DockwiseServer", params: types.DocumentHighlightParams):
    st = _state(ls, params.text_document.uri)
    if st is None:
        return None
    p = st.converter.pos(params.position)
    return [
        types.DocumentHighlight(
            range=st.converter.range(o.span),
            kind=types.DocumentHighlightKind.Write if o.role == "definition" else types.DocumentHighlightKind.Read,
        )
        for o in _nav().highlights(st.model, p.line, p.col)
    ] or None


def prepare_rename(ls: "DockwiseServer", params: types.PrepareRenameParams):
    n = _nav()
    st = _state(ls, params.text_document.uri)
    if st is None:
        return None
    p = st.converter.pos(params.position)
    try:
        found = n.prepare_rename(st.model, p.line, p.col)
    except n.RenameError as exc:
        raise _failed(str(exc)) from None
    if found is None:
        return None
    span, placeholder = found
    return types.PrepareRenamePlaceholder(range=st.converter.range(span), placeholder=placeholder)


def rename(ls: "DockwiseServer", params: types.RenameParams):
    n = _nav()
    uri = params.text_document.uri
    st = _state(ls, uri)
    if st is None:
        return None
    p = st.converter.pos(params.position)
    try:
        found = n.rename_edits(st.model, p.line, p.col, params.new_name)
    except n.RenameError as exc:
        raise _failed(str(exc)) from None
    edits = [types.TextEdit(range=st.converter.range(s), new_text=t) for s, t in found]
    if ls.caps.get("workspace.workspace_edit.document_changes", False):
        return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=st.version),
            edits=edits)])
    return types.WorkspaceEdit(changes={uri: edits})


def folding_range(ls: "DockwiseServer", params: types.FoldingRangeParams):
    st = _state(ls, params.text_document.uri)
    if st is None:
        return []
    folds = _nav().folding_ranges(st.model)
    limit = ls.caps.get("text_document.folding_range.range_limit")
    if isinstance(limit, int) and limit >= 0 and len(folds) > limit:
        folds = sorted(folds, key=lambda f: f.start_line - f.end_line)[:limit]  # the largest
        folds.sort(key=lambda f: f.start_line)
    return [types.FoldingRange(start_line=f.start_line, end_line=f.end_line,
                               kind=types.FoldingRangeKind.Comment if f.kind == "comment" else None)
            for f in folds]


def semantic_tokens_full(ls: "DockwiseServer", params: types.SemanticTokensParams):
    st = _state(ls, params.text_document.uri)
    if st is None:
        return types.SemanticTokens(data=[])
    return types.SemanticTokens(data=encode_tokens(_nav().semantic_tokens(st.model), st.converter))


def semantic_tokens_range(ls: "DockwiseServer", params: types.SemanticTokensRangeParams):
    st = _state(ls, params.text_document.uri)
    if st is None:
        return types.SemanticTokens(data=[])
    return types.SemanticTokens(data=encode_tokens(_nav().semantic_tokens(st.model), st.converter, params.range))


def document_link(ls: "DockwiseServer", params: types.DocumentLinkParams):
    st = _state(ls, params.text_document.uri)
    if st is None:
        return []
    tooltip = bool(ls.caps.get("text_document.document_link.tooltip_support", False))
    out: list[Any] = []
    for span, url in _nav().document_links(st.model):
        out.append(types.DocumentLink(range=st.converter.range(span), target=url,
                                      tooltip=f"Open {url}" if tooltip else None))
    return out


class NavigationFeature(Feature):
    name = "navigation"

    def __init__(self, server: Any):
        super().__init__(server)
        self.symbols = SymbolIndex()

    def document_analysed(self, uri: str, state: Any) -> None:
        """Index a document's first analysis (so a workspace of documents opened
        and never edited is indexed once); later versions — every keystroke —
        are not indexed here: a query finds the entry's version old and takes
        the symbols from the store's current analysis (``SymbolIndex._parse``)."""
        if state.model is None or state.converter is None:
            self.symbols.drop(uri)
        elif not self.symbols.has(uri):
            self.symbols.update(uri, state.version, state.model, state.converter)

    def document_closed(self, uri: str) -> None:
        self.symbols.drop(uri)

    def register(self) -> None:
        handler = self.server.handler
        handler(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)(document_symbol)
        handler(types.WORKSPACE_SYMBOL)(workspace_symbol)
        handler(types.TEXT_DOCUMENT_DEFINITION)(definition)
        handler(types.TEXT_DOCUMENT_REFERENCES)(references)
        handler(types.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT)(document_highlight)
        handler(types.TEXT_DOCUMENT_PREPARE_RENAME)(prepare_rename)
        handler(types.TEXT_DOCUMENT_RENAME, types.RenameOptions(prepare_provider=True))(rename)
        handler(types.TEXT_DOCUMENT_FOLDING_RANGE)(folding_range)
        handler(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, LEGEND)(semantic_tokens_full)
        handler(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_RANGE, LEGEND)(semantic_tokens_range)
        handler(types.TEXT_DOCUMENT_DOCUMENT_LINK, types.DocumentLinkOptions(resolve_provider=False))(document_link)


def setup(server: "DockwiseServer") -> None:
    server.add_feature(NavigationFeature(server))
