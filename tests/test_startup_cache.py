"""The start-up cache of attrs-generated code (dockwise.lsp.startup)."""
from __future__ import annotations

import os
import subprocess
import sys


from dockwise.lsp import startup as _startup

PROBE = """
import json, sys
from dockwise.lsp.startup import cached_attrs_compile
with cached_attrs_compile() as stats:
    import lsprotocol.types as t
# the classes behave as attrs made them
p = t.Position(line=1, character=2)
assert p == t.Position(line=1, character=2) and p != t.Position(line=1, character=3)
assert repr(t.Range(start=p, end=p)) == "1:2-1:2"  # lsprotocol's own __repr__
assert t.TextEdit(range=t.Range(start=p, end=p), new_text="x").new_text == "x"
print(json.dumps(stats))
"""


def run_probe(cache_dir, **env):
    full = {**os.environ, "DOCKWISE_CACHE_DIR": str(cache_dir), **env}
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, env=full)
    assert out.returncode == 0, out.stderr
    import json

    return json.loads(out.stdout)


def needs_the_hook(probe) -> None:
    if not probe["patched"]:
        from need import missing

        missing("attrs with the _compile_and_eval hook",
                "this attrs version has no _compile_and_eval hook (or its detection broke): nothing to cache")


def cache_files(d):
    return sorted(p.name for p in d.iterdir() if p.suffix == ".marshal") if d.exists() else []


def test_second_start_reuses_compiled_code(tmp_path):
    first = run_probe(tmp_path)
    needs_the_hook(first)
    assert first["hits"] == 0 and first["misses"] > 300  # lsprotocol's classes
    assert len(cache_files(tmp_path)) == 1
    second = run_probe(tmp_path)
    assert second["hits"] == first["misses"] and second["misses"] == 0  # every one of them, from the cache


def test_damaged_or_foreign_cache_is_ignored(tmp_path):
    first = run_probe(tmp_path)
    needs_the_hook(first)
    (f,) = [p for p in tmp_path.iterdir() if p.suffix == ".marshal"]
    f.write_bytes(b"\x00garbage")
    again = run_probe(tmp_path)
    assert again["hits"] == 0 and again["misses"] == first["misses"]
    # rewritten, and usable again
    assert run_probe(tmp_path)["hits"] == first["misses"]
    # a file others can write is never loaded
    os.chmod(f, 0o666)
    assert run_probe(tmp_path)["hits"] == 0


def test_switch_off_and_unwritable_dir(tmp_path):
    off = run_probe(tmp_path, DOCKWISE_NO_STARTUP_CACHE="1")
    assert not off["patched"] and cache_files(tmp_path) == []
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("x")
    res = run_probe(blocked)  # cannot create the cache: still imports fine
    assert res["hits"] == 0


def test_patch_is_removed_after_the_block():
    from attr import _make

    before = _make._compile_and_eval
    with _startup.cached_attrs_compile():
        pass
    assert _make._compile_and_eval is before
