"""Finding Dockerfiles on disk and reading them safely.

Directory search (``dockwise lint DIR``) yields files whose *base name*,
compared case-insensitively, is one of

* ``Dockerfile``, or ``Dockerfile`` followed by ``.``, ``-`` or ``_`` and more
  (``dockerfile``, ``Dockerfile.dev``, ``Dockerfile-dev``, ``Dockerfile_prod``)
* ``<anything>.Dockerfile`` / ``<anything>.dockerfile``
* ``Containerfile`` or ``Containerfile<anything>``

except documentation, data, scripts, templates and backups that merely carry
the name (:data:`NOT_DOCKERFILE_SUFFIXES`: ``Dockerfile.md``,
``Dockerfile.prod.orig``, ``Dockerfile.dockerignore`` — BuildKit's
per-Dockerfile ignore file —, ``Dockerfile.template``, ``Dockerfile~``, Vim swap
and Emacs lock/auto-save files, …). A file named explicitly on the command line
is always linted, whatever its name.

Skipped while searching:

* directories named in :data:`SKIP_DIRS` and any directory that contains
  ``pyvenv.cfg`` (a virtualenv under any name) — the default ``exclude``;
  ``exclude`` patterns replace that list, ``extend_exclude`` patterns add to it
  (gitignore syntax, relative to the current directory; matched against files
  and directories found while searching, never against paths named explicitly);
* what ``.gitignore`` files ignore (``respect_gitignore``, on by default): the
  ones in the searched directories, and those of the folders between the current
  directory and a searched directory below it. Nothing above the current
  directory is read (the search never leaves the workspace); each file is read
  as text, at most 1 MiB, never through a symbolic link; a deeper file's rules
  win, ``!`` re-includes, and a directory once ignored is not entered.

Symlinked directories are never followed (so the search cannot leave the tree
or loop); a symlinked *file* is kept only when it resolves to a regular file
inside the searched tree and that file is not already part of the result.
Results are sorted by path components, so the output order does not depend on
the file system.

Reading (:func:`read_source`) never executes anything: it reads bytes, rejects
binary content (a NUL byte in the first 8 KiB) and decodes UTF-8, dropping a
leading byte-order mark the way BuildKit and editors do. Line endings are kept
as they are (the parser handles ``\\r\\n``).
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence

SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", "node_modules", "__pycache__", ".tox", ".venv", "venv"}
)
BINARY_PROBE = 8192
GITIGNORE_MAX_BYTES = 1 << 20

# names that carry "Dockerfile" but are not one (lower-case suffixes)
NOT_DOCKERFILE_SUFFIXES = (
    ".dockerignore",
    # documentation and data
    ".md", ".markdown", ".rst", ".txt", ".adoc", ".html", ".json", ".yaml", ".yml", ".toml", ".xml", ".csv",
    # scripts next to it
    ".sh", ".bash", ".py", ".ps1", ".bat", ".cmd",
    # templates (placeholders are not Dockerfile syntax)
    ".template", ".tmpl", ".tpl", ".j2", ".jinja", ".jinja2", ".erb", ".mustache", ".hbs", ".in",
    # backups, merge leftovers, editor files
    ".orig", ".rej", ".bak", ".backup", ".old", ".tmp", ".temp", ".swp", ".swo", ".swn", ".save", "~",
    ".patch", ".diff", ".dpkg-dist", ".dpkg-old", ".rpmnew", ".rpmsave",
)


def is_dockerfile_name(name: str) -> bool:
    """True when a base name is one of the Dockerfile name patterns above."""
    low = name.lower()
    if low.endswith(NOT_DOCKERFILE_SUFFIXES) or low.startswith((".#", "#")):
        return False
    if low == "dockerfile" or (low.startswith("dockerfile") and low[10] in "._-" and len(low) > 11):
        return True
    if low.endswith(".dockerfile"):
        return len(low) > len(".dockerfile")
    return low.startswith("containerfile")


def _skip_dir(name: str, path: str) -> bool:
    if name in SKIP_DIRS:
        return True
    return os.path.isfile(os.path.join(path, "pyvenv.cfg"))


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


# -- ignore rules ------------------------------------------------------------------


def _spec(lines: Sequence[str]) -> Any:
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(list(lines))


def _read_gitignore(path: str) -> list[str] | None:
    """The lines of a .gitignore: a regular file (not a link), at most 1 MiB,
    decoded leniently. None when there is none or it cannot be read."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode) or st.st_size > GITIGNORE_MAX_BYTES:
        return None
    try:
        with open(path, "rb") as fh:
            data = fh.read(GITIGNORE_MAX_BYTES + 1)
    except OSError:
        return None
    if len(data) > GITIGNORE_MAX_BYTES or b"\x00" in data:
        return None
    return data.decode("utf-8", "replace").splitlines()


@dataclass
class Filters:
    """What a directory search leaves out (see the module doc).

    ``exclude``: None keeps the default directory list (:data:`SKIP_DIRS` and
    virtualenvs); a list of gitignore-style patterns replaces it.
    ``extend_exclude`` adds patterns. ``base``: the folder patterns are relative
    to and above which no ``.gitignore`` is read (default: the current
    directory)."""

    exclude: Sequence[str] | None = None
    extend_exclude: Sequence[str] = ()
    respect_gitignore: bool = True
    base: str | None = None
    _specs: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.base = os.path.abspath(self.base or os.getcwd())
        pats = list(self.exclude or ()) + list(self.extend_exclude)
        self._patterns = _spec(pats) if pats else None

    def default_skip(self, name: str, path: str) -> bool:
        return self.exclude is None and _skip_dir(name, path)

    def excluded(self, abspath: str, is_dir: bool) -> bool:
        if self._patterns is None:
            return False
        base = self.base or os.getcwd()
        rel = os.path.relpath(abspath, base) if _inside(abspath, base) else None
        cands = [os.path.basename(abspath)]
        if rel is not None and not rel.startswith(os.pardir):
            cands.insert(0, rel.replace(os.sep, "/"))
        suffix = "/" if is_dir else ""
        return any(self._patterns.match_file(c + suffix) for c in cands)

    def gitignore(self, directory: str) -> Any:
        """The compiled .gitignore of ``directory`` (absolute), or None."""
        if directory not in self._specs:
            lines = _read_gitignore(os.path.join(directory, ".gitignore")) if self.respect_gitignore else None
            self._specs[directory] = _spec(lines) if lines else None
        return self._specs[directory]

    def ignored(self, abspath: str, is_dir: bool, chain: Sequence[str]) -> bool:
        """Does a .gitignore in ``chain`` (folders from the outermost down,
        all ancestors of ``abspath``) ignore it? The deepest decision wins."""
        if not self.respect_gitignore:
            return False
        verdict = False
        for d in chain:
            spec = self.gitignore(d)
            if spec is None:
                continue
            rel = os.path.relpath(abspath, d).replace(os.sep, "/") + ("/" if is_dir else "")
            res = spec.check_file(rel)
            if res.include is not None:
                verdict = bool(res.include)
        return verdict

    def ancestors(self, root: str) -> list[str]:
        """Folders from the base down to ``root`` (absolute, root included)
        whose .gitignore applies inside ``root``; only ``root`` itself when it
        is not below the base."""
        root = os.path.abspath(root)
        base = self.base or root
        if not _inside(root, base):
            return [root]
        out = [base]
        rel = os.path.relpath(root, base)
        if rel != os.curdir:
            cur = base
            for part in rel.split(os.sep):
                cur = os.path.join(cur, part)
                out.append(cur)
        return out


def iter_dockerfiles(root: str, filters: Filters | None = None) -> Iterator[str]:
    """Dockerfiles under directory ``root``, as ``os.path.join(root, rel)``
    paths (``root`` exactly as given; ``.`` yields bare relative paths), in
    sorted order. A directory ``root`` that is itself a virtualenv or a skipped
    name is still searched: the user asked for it."""
    flt = filters if filters is not None else Filters()
    real_root = os.path.realpath(root)
    abs_root = os.path.abspath(root)
    found: list[tuple[tuple[str, ...], str, bool, str]] = []  # (parts, path, is_link, real)
    root_chain = tuple(flt.ancestors(abs_root))
    stack: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [(root, (), root_chain)]
    while stack:
        d, parts, chain = stack.pop()
        try:
            entries = list(os.scandir(d))
        except OSError:
            continue
        here = os.path.join(abs_root, *parts)
        for e in entries:
            try:
                is_link = e.is_symlink()
                abspath = os.path.join(here, e.name)
                if e.is_dir(follow_symlinks=False):
                    if flt.default_skip(e.name, e.path) or flt.excluded(abspath, True) \
                            or flt.ignored(abspath, True, chain):
                        continue
                    stack.append((e.path, parts + (e.name,), chain + (abspath,)))
                    continue
                if not is_dockerfile_name(e.name):
                    continue
                if flt.excluded(abspath, False) or flt.ignored(abspath, False, chain):
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


def filtered_out(path: str, filters: Filters) -> bool:
    """``--force-exclude``: would a directory search leave this file out (its
    name is not a Dockerfile name, an exclude pattern or a .gitignore matches
    it or one of its folders)?"""
    if not is_dockerfile_name(os.path.basename(path)):
        return True
    ap = os.path.abspath(path)
    chain = filters.ancestors(os.path.dirname(ap))
    cur = os.path.dirname(ap)
    base = filters.base or cur
    if _inside(cur, base):  # the file's folders below the base: excluded or ignored there?
        parts = os.path.relpath(cur, base).split(os.sep)
        d = base
        for i, part in enumerate(p for p in parts if p != os.curdir):
            d = os.path.join(d, part)
            if filters.default_skip(part, d) or filters.excluded(d, True) or filters.ignored(d, True, chain[: i + 1]):
                return True
    return filters.excluded(ap, False) or filters.ignored(ap, False, chain)


def expand_paths(
    args: list[str], filters: Filters | None = None, *, force_exclude: bool = False
) -> tuple[list[str], list[InputError]]:
    """Turn command-line paths into the files to lint, in order, without
    duplicates. ``-`` (stdin) is passed through. Directories are searched
    (with ``filters``); other existing paths are linted as files whatever their
    name, unless ``force_exclude`` (then they are left out, silently, when a
    search would leave them out: what pre-commit hooks want)."""
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
            got = list(iter_dockerfiles(a, filters))
            if not got:
                errors.append(
                    InputError(a, "no Dockerfiles found in directory (looked for Dockerfile, "
                               "Dockerfile.*, Dockerfile-*, *.Dockerfile, Containerfile*, any case; "
                               "not excluded or git-ignored)")
                )
            for p in got:
                add(p)
        elif force_exclude and filtered_out(a, filters if filters is not None else Filters()):
            continue
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
