"""Faster server start-up: reuse the code attrs and dataclasses generate.

Importing ``lsprotocol.types`` defines ~570 attrs classes, and attrs writes
and ``compile()``s the source of their ``__init__``/``__eq__``/… methods each
time: about 40% of the import. The engine and rules define ~50 dataclasses,
and :mod:`dataclasses` does the same for their ~200 methods (``exec`` of
generated source): ~30 ms of the ~110 ms the engine takes to import, which is
on the way to the first diagnostics (the cache saves 15-30 ms of it). The
generated source depends only on the class definitions, so this module keeps
the compiled code objects in a marshal file in the user's cache directory
(``DOCKWISE_CACHE_DIR`` or platformdirs' cache dir) keyed by a hash of (file
name, source), much as Python keeps ``.pyc`` files; one file per use (attrs
for pygls, dataclasses for the engine) and Python/library build. A cache miss
compiles as before; a damaged, foreign or other-version cache file is ignored
and rewritten.

The file holds code that is run, so it is only loaded when it is provably
ours (issue 12, item 1): opened with ``O_NOFOLLOW | O_NONBLOCK`` (a symlink or
FIFO at its name is refused, never followed or waited on), and the *open
descriptor* must be a regular file of at most ``MAX_BYTES`` owned by this user
and writable by nobody else, in a folder that is ours and writable by nobody
else. Checking the descriptor, not the name, leaves no window to swap the file
between the check and the read. Writes never follow a link either
(:func:`dockwise.atomic.write_atomic`). Only the newest ``KEEP`` cache files
of each use (one per Python/library build) are kept, at most ``MAX_TOTAL``
bytes together.

Only ``dockwise serve`` installs them, and only around imports:
:func:`cached_attrs_compile` around pygls/lsprotocol (through attrs' private
hook ``attr._make._compile_and_eval``; when it is not what we expect, nothing
is patched) and :func:`cached_dataclass_code` around the engine's import, right
after ``initialize`` (a module-level ``exec`` in :mod:`dataclasses`, which
shadows the builtin its code calls by name, removed when the block ends; when
that module's code does not call ``exec`` by name, nothing is patched).
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
_SUFFIX = ".marshal"
_ATTRS = "attrs-code-"  # the file name prefix of each use
_DATACLASSES = "dataclasses-{use}-code-"


def cache_dir() -> Path:
    env = os.environ.get("DOCKWISE_CACHE_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("dockwise", appauthor=False))


def _cache_file(prefix: str, lib: str, module) -> Path:
    """One file per use, Python and library build: the library's version is
    read from the size and mtime of its module file (``attr.__version__`` would
    import importlib.metadata, ~15 ms of the start-up this module exists to save)."""
    try:
        st = os.stat(module.__file__)
        build = f"{st.st_size:x}{st.st_mtime_ns:x}"
    except (OSError, TypeError, AttributeError):
        build = "unknown"
    tag = f"{sys.implementation.cache_tag}-{lib}{build}-f{_FORMAT}"
    return cache_dir() / f"{prefix}{tag}{_SUFFIX}"


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


def _save(path: Path, codes: dict[bytes, CodeType], prefix: str) -> None:
    from dockwise.atomic import private_dir, prune, write_atomic

    try:
        if not private_dir(path.parent):
            log.debug("not writing the start-up cache: %s is not a folder only this user can write", path.parent)
            return
        data = marshal.dumps(codes)
        if len(data) > MAX_BYTES:
            return
        write_atomic(path, data, mode=0o600)
        prune(path.parent, match=lambda n: n.startswith(prefix) and n.endswith(_SUFFIX), keep=KEEP,
              max_bytes=MAX_TOTAL, protect={path.name})
    except Exception as exc:  # a read-only home must not stop the server
        log.debug("could not write the start-up cache %s: %s", path, exc)


class _CodeCache:
    """The compiled code of one use: loaded from its file, written back when
    the use's block ends and enough was missing (see ``close``)."""

    def __init__(self, path: Path, prefix: str):
        self.path, self.prefix = path, prefix
        self.codes = _load(path)
        self.used: dict[bytes, CodeType] = {}
        self.stats = {"hits": 0, "misses": 0, "patched": False}

    def code(self, source: str, filename: str) -> CodeType:
        key = hashlib.blake2b(f"{filename}\0{source}".encode(), digest_size=16).digest()
        code = self.codes.get(key)
        if code is None:
            code = compile(source, filename, "exec")
            self.stats["misses"] += 1
        else:
            self.stats["hits"] += 1
        self.used[key] = code
        return code

    def close(self) -> None:
        # a few misses every run are classes whose generated source differs
        # each time; rewrite only when the cache is missing or out of date
        misses = self.stats["misses"]
        if misses >= REWRITE_AFTER_MISSES or (misses and not self.codes):
            _save(self.path, self.used, self.prefix)


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
    cache = _CodeCache(_cache_file(_ATTRS, "attrs", _make), _ATTRS)

    def compile_and_eval(script, globs, locs=None, filename=""):
        eval(cache.code(script, filename), globs, locs)

    _make._compile_and_eval = compile_and_eval
    cache.stats["patched"] = True
    try:
        yield cache.stats
    finally:
        _make._compile_and_eval = original
        cache.close()


def _calls_exec_by_name(module) -> bool:
    """Whether some function of ``module`` (or method of its classes) calls ``exec`` by name."""
    def code_names(obj) -> tuple:
        code = getattr(obj, "__code__", None)
        return code.co_names if code is not None else ()

    for v in vars(module).values():
        if getattr(v, "__module__", None) != module.__name__:
            continue
        if "exec" in code_names(v):
            return True
        if isinstance(v, type) and any("exec" in code_names(m) for m in vars(v).values()):
            return True
    return False


@contextlib.contextmanager
def cached_dataclass_code(use: str) -> Iterator[dict]:
    """Within the block, classes made by :mod:`dataclasses` get their generated
    methods from the cache of ``use`` (a file name part, such as ``engine``);
    new code objects are written when the block ends. Yields counters
    (``hits``, ``misses``, ``patched``)."""
    import dataclasses

    stats = {"hits": 0, "misses": 0, "patched": False}
    if "exec" in vars(dataclasses) or os.environ.get("DOCKWISE_NO_STARTUP_CACHE") \
            or not _calls_exec_by_name(dataclasses):
        yield stats  # already inside such a block (or another tool's), switched off, or not how it works
        return
    prefix = _DATACLASSES.format(use=use)
    cache = _CodeCache(_cache_file(prefix, "dataclasses", dataclasses), prefix)

    def cached_exec(source, globals=None, locals=None, /):  # noqa: A002 (exec's own names)
        if isinstance(source, str):
            source = cache.code(source, "<string>")
        return exec(source, globals, locals)

    dataclasses.exec = cached_exec  # type: ignore[attr-defined]  # found before the builtin
    cache.stats["patched"] = True
    try:
        yield cache.stats
    finally:
        if vars(dataclasses).get("exec") is cached_exec:
            del dataclasses.exec  # type: ignore[attr-defined]
        cache.close()
