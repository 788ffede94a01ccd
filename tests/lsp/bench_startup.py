"""Start-up benchmark: process start → `initialize` response (raw JSON-RPC, stdio).

    python tests/lsp/bench_startup.py [-n 10] [-- COMMAND ...]

Default command: ``python -m dockwise serve`` (the CLI). Also reports the time to
the first publishDiagnostics after didOpen (includes the lazy import of the
parser, engine and rules unless the post-`initialized` warm-up finished first).
Not collected by pytest.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time


def send(p, obj):
    body = json.dumps(obj).encode()
    p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    p.stdin.flush()


def recv(p):
    length = None
    while True:
        line = p.stdout.readline()
        if not line:
            raise EOFError("server closed stdout")
        line = line.strip()
        if not line:
            break
        k, _, v = line.partition(b":")
        if k.lower() == b"content-length":
            length = int(v)
    return json.loads(p.stdout.read(length))


def until(p, pred):
    while True:
        m = recv(p)
        if pred(m):
            return m


def run_once(cmd: list[str]) -> tuple[float, float]:
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    send(p, {"jsonrpc": "2.0", "id": 1, "method": "initialize",
             "params": {"processId": os.getpid(), "rootUri": None, "capabilities": {},
                        "initializationOptions": {"debounceMs": 0}}})
    until(p, lambda m: m.get("id") == 1)
    t_init = time.perf_counter() - t0
    send(p, {"jsonrpc": "2.0", "method": "initialized", "params": {}})
    send(p, {"jsonrpc": "2.0", "method": "textDocument/didOpen",
             "params": {"textDocument": {"uri": "file:///w/Dockerfile", "languageId": "dockerfile", "version": 1,
                                         "text": "FROM ubuntu\nRUN apt-get update\nRUN apt-get install -y curl\n"}}})
    until(p, lambda m: m.get("method") == "textDocument/publishDiagnostics")
    t_diag = time.perf_counter() - t0
    send(p, {"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
    until(p, lambda m: m.get("id") == 2)
    send(p, {"jsonrpc": "2.0", "method": "exit"})
    p.wait(10)
    return t_init, t_diag


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=10)
    ap.add_argument("cmd", nargs="*")
    args = ap.parse_args()
    cmd = args.cmd or [sys.executable, "-m", "dockwise", "serve"]
    run_once(cmd)  # warm the .pyc caches
    inits, diags = zip(*(run_once(cmd) for _ in range(args.n)))
    print("command:", " ".join(cmd))
    for name, xs in (("start → initialize response", inits), ("start → first publishDiagnostics", diags)):
        xs = sorted(x * 1000 for x in xs)
        print(f"{name}: median {statistics.median(xs):.0f} ms (min {xs[0]:.0f}, max {xs[-1]:.0f}, n={len(xs)})")


if __name__ == "__main__":
    main()
