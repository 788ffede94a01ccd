"""Generates :mod:`dockwise.lsp._initialize`: the ``InitializeResult`` pygls
builds, for each variant of the client capabilities its builder reads.
:mod:`dockwise.lsp.boot` answers ``initialize`` from it without loading pygls.
``python -m dockwise.lsp.initialize_gen --write`` rewrites it; without
``--write`` it checks the file is current (the tests do too)."""
from __future__ import annotations

import asyncio
import json

from dockwise.lsp.transport import FramedWriter

# the client capabilities pygls' ServerCapabilitiesBuilder reads, besides the position encodings
_VARIANT_CAPS = ("text_document.rename.prepare_support", "text_document.synchronization.will_save",
                 "text_document.synchronization.will_save_wait_until")


def pygls_initialize_result(params: dict) -> dict:
    """What the language server (pygls) answers ``initialize`` with: the
    reference :func:`initialize_result` is generated from and tested against."""
    from dockwise.lsp import transport
    from dockwise.lsp.server import create_server

    server = create_server()
    out: list[bytes] = []
    writer = FramedWriter(lambda b: out.append(bytes(b)) or len(b))
    server.set_writer(writer)
    session = transport.Session(server.protocol, writer, server.set_phase)

    async def run() -> None:
        server.started(asyncio.get_running_loop())
        session.dispatch(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params}).encode())

    asyncio.run(run())
    for frame in out:
        msg = json.loads(frame.split(b"\r\n\r\n", 1)[1])
        if msg.get("id") == 1:
            return msg["result"]
    raise RuntimeError("the server did not answer initialize")


def _variant_caps(key: str) -> dict:
    caps: dict = {}
    for bit, path in zip(key, _VARIANT_CAPS):
        if bit == "1":
            node = caps
            parts = path.split(".")
            for name in parts[:-1]:
                node = node.setdefault("".join(w if i == 0 else w.title() for i, w in enumerate(name.split("_"))), {})
            last = parts[-1].split("_")
            node[last[0] + "".join(w.title() for w in last[1:])] = True
    return caps


def generate_variants() -> str:
    """The source of ``dockwise/lsp/_initialize.py``."""
    lines = ['"""InitializeResult per client-capability variant, as pygls builds it (generated:',
             '``python -m dockwise.lsp.initialize_gen --write``; a test checks it is current). Keys: bits for',
             "rename.prepareSupport (true), synchronization.willSave and .willSaveWaitUntil (present).",
             'positionEncoding and serverInfo are filled in by dockwise.lsp.boot."""',
             "", "VARIANTS = {"]
    for n in range(8):
        key = format(n, "03b")
        result = pygls_initialize_result({"processId": None, "rootUri": None, "capabilities": _variant_caps(key)})
        result["capabilities"].pop("positionEncoding", None)
        result.pop("serverInfo", None)
        lines.append(f"    {key!r}: {json.dumps(json.dumps(result, sort_keys=True))},")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: "list[str] | None" = None) -> int:
    import argparse
    from pathlib import Path

    p = argparse.ArgumentParser(prog="python -m dockwise.lsp.initialize_gen",
                                description="write or check dockwise/lsp/_initialize.py")
    p.add_argument("--write", action="store_true", help="write the file (default: check it)")
    args = p.parse_args(argv)
    path = Path(__file__).with_name("_initialize.py")
    text = generate_variants()
    if args.write:
        path.write_text(text, encoding="utf-8")
        return 0
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if current != text:
        print(f"{path} is out of date: run python -m dockwise.lsp.initialize_gen --write")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
