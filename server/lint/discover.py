"""Finding Dockerfiles on disk and reading them safely.

Directory search (``dockwise lint DIR``) yields files whose *base name* is one of

* ``Dockerfile`` or ``Dockerfile.<anything>`` (``Dockerfile.dev``, ``Dockerfile.windows``)
* ``<anything>.Dockerfile`` or ``<anything>.dockerfile``
* ``Containerfile`` or ``Containerfile<anything>``

except names ending in ``.dockerignore`` (``Dockerfile.dockerignore`` is BuildKit's
per-Dockerfile ignore file, not a Dockerfile). Nothing else matches: not
``Dockerfile-dev``, not a lower-case ``dockerfile``. A file named explicitly on
the command line is always linted, whatever its name.

Skipped directories: ``.git``, ``.hg``, ``.svn``, ``node_modules``, ``__pycache__``,
``.tox``, ``.venv``, ``venv`` and any directory that contains ``pyvenv.cfg`` (a
virtualenv under any name). Symlinked directories are never followed (so the
search cannot leave the tree or loop); a symlinked *file* is kept only when it
resolves to a regular file inside the searched tree and that file is not
already part of the result. Results are sorted by path components, so the
output order does not depend on the file system.

Reading (:func:`read_source`) never executes anything: it reads bytes, rejects
binary content (a NUL byte in the first 8 KiB) and decodes UTF-8, dropping a
leading byte-order mark the way BuildKit and editors do. Line endings are kept
as they are (the parser handles ``\\r\\n``).
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from typing import Iterator

SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", "node_modules", "__pycache__", ".tox", ".venv", "venv"}
)
BINARY_PROBE = 8192


def is_dockerfile_name(name: str) -> bool:
    """True when a base name is one of the Dockerfile name patterns above."""
    if name.endswith(".dockerignore"):
        return False
    if name == "Dockerfile" or name.startswith("Dockerfile."):
        return True
    if name.endswith(".Dockerfile") or name.endswith(".dockerfile"):
        return len(name) > len(".dockerfile")
    return name.startswith("Containerfile")


def _skip_dir(name: str, path: str) -> bool:
    if name in SKIP_DIRS:
        return True
    return os.path.isfile(os.path.join(path, "pyvenv.cfg"))


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def iter_dockerfiles(root: str) -> Iterator[str]:
    """Dockerfiles under directory ``root``, as ``os.path.join(root, rel)``
    paths (``root`` exactly as given; ``.`` yields bare relative paths), in
    sorted order. A directory ``root`` that is itself a virtualenv or a skipped
    name is still searched: the user asked for it."""
    real_root = os.path.realpath(root)
    found: list[tuple[tuple[str, ...], str, bool, str]] = []  # (parts, path, is_link, real)
    stack: list[tuple[str, tuple[str, ...]]] = [(root, ())]
    while stack:
        d, parts = stack.pop()
        try:
            entries = list(os.scandir(d))
        except OSError:
            continue
        for e in entries:
            try:
                is_link = e.is_symlink()
                if e.is_dir(follow_symlinks=False):
                    if not _skip_dir(e.name, e.path):
                        stack.append((e.path, parts + (e.name,)))
                    continue
                if not is_dockerfile_name(e.name):
                    continue
                if is_link:
                    real = os.path.realpath(e.path)
                    if not _inside(real, real_root) or not os.path.isfile(real):
                        continue
                elif e.is_file(follow_symlinks=False):
                    real = ""
                else:
                    continue  # fifo, socket, device: never opened
            except OSError:
                continue
            found.append((parts + (e.name,), e.path, is_link, real))
    found.sort(key=lambda t: t[0])
    seen_real: set[str] = set()
    if any(t[2] for t in found):
        seen_real = {os.path.realpath(p) for _, p, link, _ in found if not link}
    for parts, path, is_link, real in found:
        if is_link:
            if real in seen_real:
                continue
            seen_real.add(real)
        if root in (".", "./"):
            yield os.path.join(*parts)
        else:
            yield os.path.join(root, *parts)


@dataclass(frozen=True, slots=True)
class InputError:
    """A command-line input that could not be linted."""

    path: str
    message: str  # e.g. "no such file"

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def expand_paths(args: list[str]) -> tuple[list[str], list[InputError]]:
    """Turn command-line paths into the files to lint, in order, without
    duplicates. ``-`` (stdin) is passed through. Directories are searched;
    other existing paths are linted as files whatever their name."""
    files: list[str] = []
    errors: list[InputError] = []
    seen: set[str] = set()

    def add(p: str) -> None:
        key = p if p == "-" else os.path.normpath(os.path.abspath(p))
        if key not in seen:
            seen.add(key)
            files.append(p)

    for a in args:
        if a == "-":
            add(a)
            continue
        try:
            st = os.stat(a)
        except FileNotFoundError:
            errors.append(InputError(a, "no such file"))
            continue
        except OSError as exc:
            errors.append(InputError(a, (exc.strerror or str(exc)).lower()))
            continue
        if stat.S_ISDIR(st.st_mode):
            got = list(iter_dockerfiles(a))
            if not got:
                errors.append(
                    InputError(a, "no Dockerfiles found in directory (looked for Dockerfile, "
                               "Dockerfile.*, *.Dockerfile, *.dockerfile, Containerfile*)")
                )
            for p in got:
                add(p)
        else:
            add(a)
    return files, errors


class SourceError(Exception):
    """A file that is not a readable UTF-8 text file."""


def decode_source(data: bytes) -> str:
    """Bytes → text: refuse binary data, decode UTF-8 (a BOM is removed)."""
    if b"\x00" in data[:BINARY_PROBE]:
        raise SourceError("binary file (NUL byte), not a Dockerfile")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"not valid UTF-8 (invalid byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None


def read_source(path: str) -> str:
    """Read and decode a file; raises :class:`SourceError` with a one-line
    reason on any problem."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise SourceError("no such file") from None
    except IsADirectoryError:
        raise SourceError("is a directory") from None
    except PermissionError:
        raise SourceError("permission denied") from None
    except OSError as exc:
        raise SourceError((exc.strerror or str(exc)).lower()) from None
    return decode_source(data)
