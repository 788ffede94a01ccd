"""The start-up cache of attrs-generated code (dockwise.lsp.startup)."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

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


# -- the cache holds code that is run: only a file that is provably ours is loaded (issue 12, item 1)


def _patched_run(tmp_path):
    first = run_probe(tmp_path)
    if not first["patched"]:
        from need import missing

        missing("attrs with the _compile_and_eval hook", "this attrs version has no _compile_and_eval hook: nothing to cache")
    (f,) = [p for p in tmp_path.iterdir() if p.suffix == ".marshal"]
    return first, f


def test_a_symlink_at_the_cache_name_is_neither_loaded_nor_written_through(tmp_path):
    cache = tmp_path / "cache"
    _first, f = _patched_run(cache)
    # a valid cache file of ours elsewhere, and a file the link would overwrite
    elsewhere = tmp_path / "elsewhere.marshal"
    elsewhere.write_bytes(f.read_bytes())
    elsewhere.chmod(0o600)
    f.unlink()
    f.symlink_to(elsewhere)
    assert run_probe(cache)["hits"] == 0  # the link is not followed to load code
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    victim.chmod(0o644)
    f.unlink()
    f.symlink_to(victim)
    res = run_probe(cache)
    assert res["hits"] == 0 and res["misses"] > 300
    assert victim.read_text() == "precious" and (victim.stat().st_mode & 0o777) == 0o644
    assert f.is_symlink()  # refused, not replaced behind the user's back


def test_a_fifo_at_the_cache_name_does_not_block_the_start(tmp_path):
    cache = tmp_path / "cache"
    _first, f = _patched_run(cache)
    f.unlink()
    os.mkfifo(f, 0o600)
    res = run_probe(cache)  # before: open() waited for a writer forever (the probe's timeout failed the test)
    assert res["hits"] == 0


def test_a_cache_folder_others_can_write_is_not_trusted(tmp_path):
    cache = tmp_path / "cache"
    _first, f = _patched_run(cache)
    cache.chmod(0o777)  # e.g. a shared DOCKWISE_CACHE_DIR: the file could be swapped at any time
    try:
        assert run_probe(cache)["hits"] == 0
    finally:
        cache.chmod(0o700)
    assert run_probe(cache)["hits"] > 300


def test_a_cache_file_of_another_user_is_not_loaded(tmp_path):
    if not hasattr(os, "getuid") or os.getuid() != 0:
        pytest.skip("needs root to give the file to another user")
    cache = tmp_path / "cache"
    _first, f = _patched_run(cache)
    os.chown(f, 65534, 65534)
    f.chmod(0o600)
    assert run_probe(cache)["hits"] == 0


def test_only_the_newest_cache_files_are_kept(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    old = []
    for i in range(6):  # files of earlier attrs/Python builds, 1.2 MB each
        p = cache / f"attrs-code-cpython-3{i}-attrsold{i}-f1.marshal"
        p.write_bytes(b"\0" * 1_200_000)
        os.utime(p, (1_000_000 + i, 1_000_000 + i))
        old.append(p)
    other = cache / "registry-v1"
    other.mkdir()
    res = run_probe(cache)
    if not res["patched"]:
        from need import missing

        missing("attrs with the _compile_and_eval hook", "this attrs version has no _compile_and_eval hook: nothing to cache")
    left = cache_files(cache)
    assert len(left) == _startup.KEEP
    assert old[-1].name in left  # the newest earlier build stays, the current one was just written
    assert other.is_dir()
    total = sum((cache / n).stat().st_size for n in left)
    assert total <= _startup.MAX_TOTAL


def test_an_oversized_cache_file_is_not_read(tmp_path):
    cache = tmp_path / "cache"
    _first, f = _patched_run(cache)
    with open(f, "r+b") as fh:
        fh.truncate(_startup.MAX_BYTES + 1)  # sparse: no disk used
    assert run_probe(cache)["hits"] == 0


_SWAP_PROBE = """
import json, os, sys
cache_file, foreign = sys.argv[1], sys.argv[2]
swapped = []

def swap_at_open(event, args):
    # the attacker's move, made at the moment the cache file is opened (after any
    # check of the name that came before): the file at the name becomes one that
    # others can write
    if event == "open" and not swapped and args and isinstance(args[0], (str, bytes, os.PathLike)) \\
            and os.fsdecode(os.fspath(args[0])) == cache_file:
        swapped.append(True)
        os.replace(foreign, cache_file)

sys.addaudithook(swap_at_open)
from dockwise.lsp.startup import cached_attrs_compile
with cached_attrs_compile() as stats:
    import lsprotocol.types
stats["swapped"] = bool(swapped)
print(json.dumps(stats))
"""


def test_a_file_swapped_in_when_the_cache_is_opened_is_not_loaded(tmp_path):
    """Issue 12, item 1, the race itself: the code that is run must come from the
    file that was checked. Just before the cache file is opened (an audit hook
    fires then), it is replaced by a copy of the same code that others can write.
    A check of the *name* followed by a second open (the old ``_trusted()`` then
    ``read_bytes()``) loads the swapped-in file; a check of the *open descriptor*
    refuses it."""
    cache = tmp_path / "cache"
    _first, f = _patched_run(cache)
    foreign = tmp_path / "foreign.marshal"
    foreign.write_bytes(f.read_bytes())  # valid code: loading it would give hits
    foreign.chmod(0o666)  # ... from a file anyone could have written
    full = {**os.environ, "DOCKWISE_CACHE_DIR": str(cache)}
    out = subprocess.run([sys.executable, "-c", _SWAP_PROBE, str(f), str(foreign)], capture_output=True, text=True,
                         timeout=120, env=full)
    assert out.returncode == 0, out.stderr
    import json

    res = json.loads(out.stdout)
    assert res["swapped"], "the cache file was never opened: the probe did not test anything"
    assert res["hits"] == 0, f"{res['hits']} code objects were loaded from a file others can write"


# -- the engine's dataclasses (cached_dataclass_code) -----------------------------------------

DC_PROBE = """
import json, os
from dockwise.lsp.startup import cached_dataclass_code
with cached_dataclass_code("engine") as stats:
    from dockwise.lsp.documents import ensure_engine
    ensure_engine()
# the classes behave as dataclasses made them: findings of a lint, compared by the caller
from dockwise.syntax.parser import parse
from dockwise.lint.engine import lint_model, LintSettings
from dockwise.syntax.model import Span
from dockwise.rules._api import Edit
a, b = Edit(Span.of(1, 2, 3, 4), "x"), Edit(Span.of(1, 2, 3, 4), "x")
assert a == b and hash(a) == hash(b) and a != Edit(Span.of(1, 2, 3, 4), "y") and "Edit(" in repr(a)
text = "FROM python:3.12\\nRUN apt-get update && apt-get install -y curl\\nCOPY . /app\\nRUN pip install -r /app/r.txt\\n"
found = [(v.code, v.span.start.line, v.span.start.col, v.message, v.fix is not None) for v in lint_model(parse(text), LintSettings.make())]
print(json.dumps({**stats, "found": found}))
"""


def run_dc_probe(cache_dir, **env):
    full = {**os.environ, "DOCKWISE_CACHE_DIR": str(cache_dir), **env}
    out = subprocess.run([sys.executable, "-c", DC_PROBE], capture_output=True, text=True, timeout=120, env=full)
    assert out.returncode == 0, out.stderr
    import json

    return json.loads(out.stdout)


def test_the_engines_dataclasses_come_from_the_cache_on_the_second_start(tmp_path):
    off = run_dc_probe(tmp_path, DOCKWISE_NO_STARTUP_CACHE="1")
    assert not off["patched"] and cache_files(tmp_path) == [] and off["found"]
    first = run_dc_probe(tmp_path)
    assert first["patched"], "dataclasses no longer calls exec by name: the cache does nothing"
    assert first["hits"] == 0 and first["misses"] > 100  # the rules' and model's dataclasses
    assert [n for n in cache_files(tmp_path) if n.startswith("dataclasses-engine-code-")] == cache_files(tmp_path)
    second = run_dc_probe(tmp_path)
    assert second["hits"] == first["misses"] and second["misses"] == 0
    assert first["found"] == second["found"] == off["found"]  # the same findings, with or without it


def test_a_dataclass_cache_others_can_write_is_not_loaded(tmp_path):
    first = run_dc_probe(tmp_path)
    if not first["patched"]:
        from need import missing

        missing("dataclasses that call exec by name", "this Python's dataclasses does not: nothing to cache")
    (f,) = [tmp_path / n for n in cache_files(tmp_path)]
    os.chmod(f, 0o666)
    again = run_dc_probe(tmp_path)
    assert again["hits"] == 0 and again["found"] == first["found"]


def test_the_dataclasses_patch_is_removed_after_the_block_and_not_nested(tmp_path, monkeypatch):
    import dataclasses

    monkeypatch.setenv("DOCKWISE_CACHE_DIR", str(tmp_path))
    with _startup.cached_dataclass_code("t1") as outer:
        assert outer["patched"] and "exec" in vars(dataclasses)
        with _startup.cached_dataclass_code("t2") as inner:
            assert not inner["patched"]  # one at a time: the outer block's stays in place
        assert "exec" in vars(dataclasses)

        @dataclasses.dataclass(frozen=True)
        class Probe:
            x: int
            y: str = "a"

        assert Probe(1) == Probe(1, "a") and Probe(1).y == "a"
    assert "exec" not in vars(dataclasses)
    assert outer["misses"] >= 1
