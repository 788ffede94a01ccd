"""What the live image source is asked for when a document is analysed (dockwise.lsp.live.prefetch)."""
from __future__ import annotations

from types import SimpleNamespace

from dockwise.lsp import live
from dockwise.syntax.parser import parse


class AskedFor:
    """The live source's per-document entry point, recording what it is given."""

    def __init__(self):
        self.calls: list[tuple[str, list]] = []

    def request_document(self, uri, items):
        items = list(items)
        self.calls.append((uri, [(ref.resolved, plat) for ref, plat in items]))
        return len(items)


def test_each_unknown_image_and_platform_is_asked_for_once_in_file_order():
    text = "".join(f"FROM unknown.example/app:1 AS s{i}\nRUN true\n" for i in range(50))
    text += ("FROM unknown.example/other:2\n"
             "FROM --platform=linux/arm64 unknown.example/app:1\n"
             "FROM unknown.example/app:1\n"
             "FROM python:3.12\n")  # known to the shipped table: not asked for
    server = SimpleNamespace(settings=SimpleNamespace(images_platform="linux/amd64"))
    src = AskedFor()
    live.prefetch(server, src, parse(text), "file:///ws/Dockerfile")  # type: ignore[arg-type]
    assert src.calls == [("file:///ws/Dockerfile", [
        ("unknown.example/app:1", "linux/amd64"),
        ("unknown.example/other:2", "linux/amd64"),
        ("unknown.example/app:1", "linux/arm64"),
    ])]
