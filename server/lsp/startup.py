"""Faster server start-up: reuse the code attrs generates for lsprotocol.

Importing ``lsprotocol.types`` defines ~570 attrs classes, and attrs writes
and ``compile()``s the source of their ``__init__``/``__eq__``/… methods each
time: about 40% of the import. The generated source depends only on the class
definitions, so this module keeps the compiled code objects in a marshal file
in the user's cache directory (``DOCKWISE_CACHE_DIR`` or platformdirs'
cache dir) keyed by a hash of (file name, source), much as Python keeps
``.pyc`` files. A cache miss compiles as before; a damaged, foreign or
other-version cache file is ignored and rewritten.

The file holds code that is run, so it is only loaded when it is provably
ours (issue 12, item 1): opened with ``O_NOFOLLOW | O_NONBLOCK`` (a symlink or
FIFO at its name is refused, never followed or waited on), and the *open
descriptor* must be a regular file of at most ``MAX_BYTES`` owned by this user
and writable by nobody else, in a folder that is ours and writable by nobody
else. Checking the descriptor, not the name, leaves no window to swap the file
between the check and the read. Writes never follow a link either
(:func:`dockwise.atomic.write_atomic`). Only the newest ``KEEP`` cache files
(one per Python/attrs build) are kept, at most ``MAX_TOTAL`` bytes together.

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
from types import CodeType
from typing import Iterator

log = logging.getLogger("dockwise")

_FORMAT = 1
REWRITE_AFTER_MISSES = 10
MAX_BYTES = 16 << 20  # one cache file (lsprotocol's is about 1.2 MB)
KEEP = 2  # cache files kept (the current build's and the one before)
MAX_TOTAL = 32 << 20
_PREFIX, _SUFFIX = "attrs-code-", ".marshal"


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
    return cache_dir() / f"{_PREFIX}{tag}{_SUFFIX}"


def _read_trusted(path: Path) -> bytes | None:
    """The file's bytes when it is provably ours (see the module docstring), else None."""
    from dockwise.atomic import private_dir, read_regular

    if not private_dir(path.parent, create=False):
        return None
    try:
        return read_regular(path, MAX_BYTES, private=True)
    except OSError:
        return None


def _load(path: Path) -> dict[bytes, CodeType]:
    raw = _read_trusted(path)
    if raw is None:
        return {}
    try:
        data = marshal.loads(raw)
    except Exception:
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, bytes) and inspect.iscode(v)}


def _save(path: Path, codes: dict[bytes, CodeType]) -> None:
    from dockwise.atomic import private_dir, prune, write_atomic

    try:
        if not private_dir(path.parent):
            log.debug("not writing the start-up cache: %s is not a folder only this user can write", path.parent)
            return
        data = marshal.dumps(codes)
        if len(data) > MAX_BYTES:
            return
        write_atomic(path, data, mode=0o600)
        prune(path.parent, match=lambda n: n.startswith(_PREFIX) and n.endswith(_SUFFIX), keep=KEEP,
              max_bytes=MAX_TOTAL, protect={path.name})
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
    used: dict[bytes, CodeType] = {}

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
