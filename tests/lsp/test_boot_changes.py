"""``didChange`` on the start-up path (dockwise.lsp.boot): the text it keeps is
the text pygls keeps, for any change in any of the three position encodings
(pygls' ``TextDocument.apply_change`` is the oracle, quirks included), and
keystrokes before the first pause are analysed and published without creating
the language server."""
from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from lsprotocol import types
from pygls.workspace import TextDocument
from pygls.workspace.position_codec import PositionCodec

from dockwise.lsp import boot

ENCODINGS = ["utf-8", "utf-16", "utf-32"]
# line breaks of every kind str.splitlines knows, astral and accented characters, plain text
CHARS = st.sampled_from(list("ab \t\\=\"#") + ["\n", "\r\n", "\r", "\x0b", "\x85", "\u2028", "é", "😋", "\u00a0"])
TEXT = st.lists(CHARS, max_size=40).map("".join)
NUMBER = st.integers(min_value=0, max_value=12)
RANGE = st.tuples(NUMBER, NUMBER, NUMBER, NUMBER)


def pygls_apply(source: str, changes: list, encoding: str) -> str:
    doc = TextDocument("file:///w/Dockerfile", source, version=1, position_codec=PositionCodec(encoding=encoding))
    for rng, text in changes:
        if rng is None:
            doc.apply_change(types.TextDocumentContentChangeWholeDocument(text=text))
        else:
            doc.apply_change(types.TextDocumentContentChangePartial(
                range=types.Range(start=types.Position(line=rng[0], character=rng[1]),
                                  end=types.Position(line=rng[2], character=rng[3])), text=text))
    return doc.source


def boot_apply(source: str, changes: list, encoding: str) -> str:
    for change in changes:
        source = boot.apply_content_change(source, change, encoding)
    return source


@settings(max_examples=600)
@given(source=TEXT, changes=st.lists(st.tuples(st.one_of(st.none(), RANGE), TEXT), min_size=1, max_size=4),
       encoding=st.sampled_from(ENCODINGS))
@example(source="", changes=[((0, 0, 0, 0), "x")], encoding="utf-16")
@example(source="a😋b\n", changes=[((0, 2, 0, 3), "")], encoding="utf-16")  # inside the surrogate pair
@example(source="a😋b\n", changes=[((0, 3, 0, 9), "")], encoding="utf-8")  # inside the 4 bytes
@example(source="ab\r\ncd\n", changes=[((0, 9, 1, 1), "X")], encoding="utf-32")  # past the end of a CRLF line
@example(source="ab\ncd", changes=[((1, 2, 0, 1), "X")], encoding="utf-16")  # ends before it starts
@example(source="ab\ncd", changes=[((7, 0, 9, 9), "X")], encoding="utf-16")  # past the last line
def test_the_text_is_what_pygls_makes_of_it(source, changes, encoding):
    assert boot_apply(source, changes, encoding) == pygls_apply(source, changes, encoding)


@pytest.mark.parametrize("change,expected", [
    ({"text": "x"}, (None, "x")),
    ({"range": {"start": {"line": 0, "character": 1}, "end": {"line": 2, "character": 3}}, "text": "y"},
     ((0, 1, 2, 3), "y")),
    ({"range": {"start": {"line": 0, "character": 1}, "end": {"line": 2, "character": 3}}, "rangeLength": 4,
      "text": ""}, ((0, 1, 2, 3), "")),
    ({"range": None, "text": "x"}, None),
    ({"text": 3}, None),
    ({"range": {"start": {"line": 0, "character": 1}}, "text": "x"}, None),
    ({"range": {"start": {"line": -1, "character": 1}, "end": {"line": 0, "character": 0}}, "text": "x"}, None),
    ({"range": {"start": {"line": True, "character": 1}, "end": {"line": 0, "character": 0}}, "text": "x"}, None),
    ({"range": {"start": {"line": 0, "character": 2**31}, "end": {"line": 0, "character": 0}}, "text": "x"}, None),
    ({"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "rangeLength": "1",
      "text": "x"}, None),
    ({"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "x", "z": 1}, None),
    ("text", None),
])
def test_only_changes_of_the_two_plain_kinds_are_read_here(change, expected):
    """Anything else goes to pygls, after the hand-over (which reads it, or refuses it as it always has)."""
    assert boot._content_change(change) == expected
