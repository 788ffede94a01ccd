"""Faster server start-up: reuse the code attrs generates for lsprotocol.

Importing ``lsprotocol.types`` defines ~570 attrs classes, and attrs writes
and ``compile()``s the source of their ``__init__``/``__eq__``/… methods each
time: about 40% of the import. The generated source depends only on the class
definitions, so this module keeps the compiled code objects in a marshal file
in the user's cache directory (``DOCKWISE_CACHE_DIR`` or platformdirs'
cache dir) keyed by a hash of (file name, source), much as Python keeps
``.pyc`` files. A cache miss compiles as before; a damaged, foreign or
other-version cache file is ignored and rewritten; the file is only loaded
when it belongs to the current user and nobody else can write it.

Only ``dockwise serve`` installs it (:func:`cached_attrs_compile`), and only
around the imports of pygls/lsprotocol. When attrs' private hook
``attr._make._compile_and_eval`` is not what we expect, nothing is patched.
"""
from __future__ import annotations

import contextlib
import hashlib
import inspect
import logging
import marshal
import os
import sys
from pathlib import Path
from typing import Iterator

log = logging.getLogger("dockwise")

_FORMAT = 1
REWRITE_AFTER_MISSES = 10


def cache_dir() -> Path:
    env = os.environ.get("DOCKWISE_CACHE_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("dockwise", appauthor=False))


def _cache_file(make_module) -> Path:
    """One file per Python and attrs build: attrs' version is read from the
    size and mtime of its ``_make.py`` (``attr.__version__`` would import
    importlib.metadata, ~15 ms of the start-up this module exists to save)."""
    try:
        st = os.stat(make_module.__file__)
        build = f"{st.st_size:x}{st.st_mtime_ns:x}"
    except (OSError, TypeError, AttributeError):
        build = "unknown"
    tag = f"{sys.implementation.cache_tag}-attrs{build}-f{_FORMAT}"
    return cache_dir() / f"attrs-code-{tag}.marshal"


def _trusted(path: Path) -> bool:
    """Our own file, not writable by others (it holds code we will run)."""
    try:
        st = path.stat()
    except OSError:
        return False
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return False
    return not (st.st_mode & 0o022)


def _load(path: Path) -> dict[bytes, object]:
    if not _trusted(path):
        return {}
    try:
        data = marshal.loads(path.read_bytes())
    except Exception:
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, bytes) and inspect.iscode(v)}


def _save(path: Path, codes: dict[bytes, object]) -> None:
    from dockwise.atomic import write_atomic

    try:
        write_atomic(path, marshal.dumps(codes), mode=0o600, make_dirs=True)
    except Exception as exc:  # a read-only home must not stop the server
        log.debug("could not write the start-up cache %s: %s", path, exc)


@contextlib.contextmanager
def cached_attrs_compile() -> Iterator[dict]:
    """Within the block, attrs reuses cached compiled code; new code objects
    are written to the cache when the block ends. Yields counters
    (``hits``, ``misses``) for tests and the benchmark."""
    stats = {"hits": 0, "misses": 0, "patched": False}
    try:
        from attr import _make
    except Exception:
        yield stats
        return
    original = getattr(_make, "_compile_and_eval", None)
    try:
        params = list(inspect.signature(original).parameters) if original else []
    except (TypeError, ValueError):
        params = []
    if params != ["script", "globs", "locs", "filename"] or os.environ.get("DOCKWISE_NO_STARTUP_CACHE"):
        yield stats
        return
    path = _cache_file(_make)
    codes = _load(path)
    used: dict[bytes, object] = {}

    def compile_and_eval(script, globs, locs=None, filename=""):
        key = hashlib.blake2b(f"{filename}\0{script}".encode(), digest_size=16).digest()
        code = codes.get(key)
        if code is None:
            code = compile(script, filename, "exec")
            stats["misses"] += 1
        else:
            stats["hits"] += 1
        used[key] = code
        eval(code, globs, locs)

    _make._compile_and_eval = compile_and_eval
    stats["patched"] = True
    try:
        yield stats
    finally:
        _make._compile_and_eval = original
        # a few misses every run are classes whose generated source differs
        # each time; rewrite only when the cache is missing or out of date
        if stats["misses"] >= REWRITE_AFTER_MISSES or (stats["misses"] and not codes):
            _save(path, used)
