r"""## What it does
Flags a dependency install that runs after `COPY .` (or `ADD .`, `COPY *`)
copied the whole build context in the same stage, when the install's
manifest came in only through that copy: no earlier `COPY` of the manifest
itself, and no bind mount of it.

Installs recognised, with their manifests: `pip install -r <file>`,
`pipenv install|sync` (Pipfile), `poetry install` (pyproject.toml,
poetry.lock), `uv sync`, `npm ci|install` without package names
(package.json, package-lock.json), `yarn` / `yarn install`, `pnpm install`,
`bundle install` (Gemfile), `composer install` (composer.json),
`go mod download` (go.mod, go.sum), `mvn dependency:go-offline|resolve`
(pom.xml), `gradle dependencies` (build.gradle), `cargo fetch` (Cargo.toml).
`ONBUILD` instructions are checked among themselves.

## Why it matters
A `COPY` layer is rebuilt whenever any copied file changes, and every
instruction after it runs again. Copying the whole context before installing
dependencies means every edit of any source file re-downloads and reinstalls
every dependency. Copy the manifest first, install, then copy the rest: the
install layer stays cached until the dependencies change.

## Example
```dockerfile
FROM node:22-slim
WORKDIR /app
COPY . .
RUN npm ci
CMD ["node", "server.js"]
```

## Use instead
```dockerfile
FROM node:22-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
CMD ["node", "server.js"]
```

## Fix
Copies the manifests first and the rest after the install: the
whole-context `COPY` becomes `COPY <manifests> <dest>/` (its flags kept) and
the original `COPY` is inserted again right after the install `RUN`:

```dockerfile
COPY package*.json .npmrc* ./
RUN npm ci
COPY . .
```

Unsafe: the install no longer sees the rest of the context (a requirements
file naming `-e .`, an install script reading the sources). Manifests that
may be missing are copied with a wildcard (`poetry.lock*`), which BuildKit
accepts when nothing matches. Offered for `pip install -r <file>` (without
`-c` or local paths), `pipenv install|sync`, `poetry install --no-root`,
`uv sync --no-install-project`, `npm ci|install`, `bundle install`,
`composer install --no-scripts` and `go mod download`; the install `RUN` may
also hold cache cleanups, nothing else, as a plain `&&` chain.

Not offered when the manifests' place is not certain: the `RUN`'s working
directory and the `COPY` destination are computed as BuildKit does (an
absolute `WORKDIR`, later relative ones joined to it, ARG/ENV defaults
expanded) and the fix declines when a relative path meets an unknown
working directory (no absolute `WORKDIR` in the stage: the base image's is
unknown), when a manifest lies outside the copied destination or the
manifests lie in different folders, or when a tool is told to work
elsewhere (`--prefix`, `--cwd`, `-C`, `--working-dir`). Also declined for
exec-form, heredoc and `ONBUILD` instructions, a `COPY` with other sources,
`--from`, `--parents` or `--exclude`, Windows stages, and when anything but
metadata (`WORKDIR`, `ENV`, `ARG`, `LABEL`, `EXPOSE`, `USER`, `CMD`,
`ENTRYPOINT`, …) sits between the `COPY` and the install, or a `WORKDIR`
sits there while the destination is relative.

## References
- DockerCon talk "Creating effective images": order instructions for the build cache
- https://docs.docker.com/build/cache/optimize/#order-your-layers
"""
from __future__ import annotations

import posixpath
from fnmatch import fnmatchcase

from dockwise import lazyre
from dockwise.syntax.commands import Command, run_view
from dockwise.syntax.model import Dockerfile, Instruction, Pos, Span, Stage

from ._api import Edit, Finding, Fix, Severity, rule
from ._helpers import bind_mount_paths, copy_sources, expand_simple, file_name, whole_context_arg
from ._pm import is_cleanup, is_pip
from ._runfix import and_chain, plain_run

_NPM = ("package.json", "package-lock.json", "npm-shrinkwrap.json")


def manifests(c: Command) -> list[str] | None:
    """The manifest files a dependency install reads, or None when ``c`` is
    not one of the recognised installs."""
    n = c.name
    vals = c.values
    sub = c.sub
    if n == "uv" and sub == "pip":
        n, vals = "pip", vals[1:]
        sub = next((v for v in vals if not v.startswith("-")), None)
    elif n == "uv" and sub == "sync":
        return ["pyproject.toml", "uv.lock"]
    if is_pip(c) or n == "pip":
        if sub != "install":
            return None
        files = []
        for i, v in enumerate(vals):
            if v in ("-r", "--requirement") and i + 1 < len(vals):
                files.append(vals[i + 1])
            elif v.startswith("--requirement="):
                files.append(v.split("=", 1)[1])
            elif v.startswith("-r") and len(v) > 2 and not v.startswith("--"):
                files.append(v[2:])
        files = [f for f in files if "$" not in f]
        return files or None
    if n == "pipenv" and sub in ("install", "sync") and not c.positional[1:]:
        return ["Pipfile", "Pipfile.lock"]
    if n == "poetry" and sub == "install":
        return ["pyproject.toml", "poetry.lock"]
    if n == "npm" and (sub in ("ci", "clean-install", "install-clean") or sub in ("install", "i") and not c.positional[1:]):
        return list(_NPM)
    if n == "yarn" and (sub is None or sub == "install"):
        return ["package.json", "yarn.lock"]
    if n == "pnpm" and sub in ("install", "i") and not c.positional[1:]:
        return ["package.json", "pnpm-lock.yaml"]
    if n in ("bundle", "bundler") and (sub is None or sub == "install"):
        return ["Gemfile", "Gemfile.lock", "*.gemspec"]
    if n == "php" and vals and vals[0].endswith("composer.phar"):
        n, sub = "composer", next((v for v in vals[1:] if not v.startswith("-")), None)
    if n in ("composer", "composer.phar") and sub == "install":
        return ["composer.json", "composer.lock"]
    if n == "go" and c.positional[:2] == ["mod", "download"]:
        return ["go.mod", "go.sum"]
    if n in ("mvn", "mvnw") and any(v.startswith(("dependency:go-offline", "dependency:resolve")) for v in vals):
        return ["pom.xml"]
    if n in ("gradle", "gradlew") and "dependencies" in vals:
        return ["build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts"]
    if n == "cargo" and sub == "fetch":
        return ["Cargo.toml", "Cargo.lock"]
    return None


def _covers(source: str, manifest: str) -> bool:
    """A copied source path that brings ``manifest`` (a name or a relative path)."""
    src = file_name(source)
    if not src or src in (".", "*"):
        return False
    parts = [p for p in manifest.replace("\\", "/").split("/") if p and p != "."]
    if not parts:
        return False
    if fnmatchcase(parts[-1], src) or fnmatchcase(src, parts[-1]):
        return True
    return src in parts[:-1]


# -- the fix -----------------------------------------------------------------------

_METADATA = {"WORKDIR", "ENV", "ARG", "LABEL", "EXPOSE", "USER", "MAINTAINER", "STOPSIGNAL", "HEALTHCHECK",
             "CMD", "ENTRYPOINT"}
_ELSEWHERE = ("--prefix", "--cwd", "-C", "--working-dir", "-d", "--dir", "--directory", "--project", "--gemfile")
_SAFE_PATH = lazyre.compile(r"^[A-Za-z0-9._/@+-]+$")


def _fix_manifests(c: Command) -> list[tuple[str, bool]] | None:
    """(path, required) pairs the install ``c`` reads, when the set is certain."""
    n, vals, sub = c.name, c.values, c.sub
    if any(v == e or v.startswith(e + "=") for v in vals for e in _ELSEWHERE) and not n.startswith("pip"):
        return None
    if n == "uv" and sub == "sync":
        return [("pyproject.toml", True), ("uv.lock*", False)] if "--no-install-project" in vals else None
    if n.startswith("pip") and sub == "install":
        files = manifests(c)
        if not files or any(v in ("-c", "--constraint", "-e", "--editable") or v.startswith("--constraint=") for v in vals):
            return None
        skip = {i + 1 for i, v in enumerate(vals) if v in ("-r", "--requirement", "-i", "--index-url", "--extra-index-url",
                                                               "--trusted-host", "-f", "--find-links", "--target", "-t")}
        names = [v for i, v in enumerate(vals) if i not in skip and not v.startswith("-") and v != "install"]
        if any("/" in v or v.startswith(".") for v in names):
            return None  # a local path: it needs the sources
        return [(f, True) for f in files]
    if n == "pipenv" and manifests(c):
        return [("Pipfile", True), ("Pipfile.lock*", False)]
    if n == "poetry" and sub == "install":
        return [("pyproject.toml", True), ("poetry.lock*", False)] if "--no-root" in vals else None
    if n == "npm" and manifests(c):
        return [("package*.json", True), (".npmrc*", False)]
    if n in ("bundle", "bundler") and manifests(c):
        return [("Gemfile", True), ("Gemfile.lock*", False)]
    if n in ("composer", "composer.phar") and sub == "install":
        return [("composer.json", True), ("composer.lock*", False)] if "--no-scripts" in vals else None
    if n == "go" and manifests(c):
        return [("go.mod", True), ("go.sum*", False)]
    return None


def _workdir(df: Dockerfile, ins: Instruction) -> str | None:
    """The working directory ``ins`` runs in, as BuildKit computes it; None when unknown."""
    st = df.stage_of(ins)
    if st is None or st.windows:
        return None
    cwd: str | None = None
    chain = df.stage_chain(st)[::-1]
    if chain[0].base is not None and (chain[0].base.resolved or "").lower() == "scratch":
        cwd = "/"
    for stage in chain:
        for i in stage.instructions:
            if stage is st and i >= ins.index:
                break
            w = df.instructions[i]
            if w.keyword != "WORKDIR":
                continue
            v = expand_simple(df, w, w.text.strip())
            if not v or "$" in v or '"' in v or "'" in v:
                return None
            cwd = posixpath.normpath(v) if v.startswith("/") else (posixpath.normpath(posixpath.join(cwd, v)) if cwd else None)
    return cwd


def _fix(df: Dockerfile, whole: Instruction, run: Instruction) -> Fix | None:
    st = df.stage_of(run)
    if st is None or st.windows or whole.trigger is not None or whole.json or whole.heredocs or not plain_run(run):
        return None
    if len(copy_sources(whole)) != 1 or len(whole.args) != 2:
        return None
    if any(f.name not in ("chown", "chmod", "link") for f in whole.flags):
        return None
    chain = and_chain(run.text)
    cs = run_view(run).commands
    if chain is None or len(chain) != len(cs):
        return None
    wanted: list[tuple[str, bool]] = []
    for c in cs:
        m = _fix_manifests(c)
        if m is None:
            if not is_cleanup(c, []):
                return None
            continue
        wanted.extend(m)
    if not wanted:
        return None
    dest_arg = whole.args[-1]
    between = df.instructions[whole.index + 1 : run.index]
    if any(b.keyword not in _METADATA or b.trigger is not None for b in between):
        return None
    dest_raw = dest_arg.value
    if not dest_raw.startswith("/") and any(b.keyword == "WORKDIR" for b in between):
        return None
    if "$" in dest_raw and any(b.keyword in ("ENV", "ARG") for b in between):
        return None
    dest = expand_simple(df, whole, dest_raw)
    if not dest or "$" in dest:
        return None
    if not dest.startswith("/"):
        cwd = _workdir(df, whole)
        if cwd is None:
            return None
        dest = posixpath.join(cwd, dest)
    dest = posixpath.normpath(dest)
    run_cwd = _workdir(df, run)
    sources: list[str] = []
    dirs = set()
    for path, _required in dict.fromkeys(wanted):
        if not path.startswith("/"):
            if run_cwd is None:
                return None
            path = posixpath.join(run_cwd, path)
        path = posixpath.normpath(path)
        rel = posixpath.relpath(path, dest)
        if rel.startswith("..") or not _SAFE_PATH.match(rel.replace("*", "")):
            return None
        dirs.add(posixpath.dirname(path))
        sources.append(rel)
    if len(dirs) != 1:
        return None
    (where,) = dirs
    if where == dest:
        d = df.lines[dest_arg.span.start.line][dest_arg.span.start.col : dest_arg.span.end.col]
        if dest_arg.span.start.line != dest_arg.span.end.line or not d:
            return None
        target = d if d.endswith("/") else d + "/"
    else:
        target = where.rstrip("/") + "/"
    src_arg = copy_sources(whole)[0]
    edits = [Edit(Span(src_arg.span.start, dest_arg.span.end), " ".join(sources + [target]))]
    # the whole COPY, as written, after the install
    start = whole.span.start
    if df.lines[start.line][: start.col].strip():
        return None
    copy_text = "\n".join(df.lines[start.line : whole.end_line + 1])
    after = run.end_line + 1
    if after < len(df.lines) and (after < len(df.lines) - 1 or df.text.endswith("\n")):
        edits.append(Edit(Span(Pos(after, 0), Pos(after, 0)), copy_text + "\n"))
    else:
        end = Pos(run.end_line, len(df.lines[run.end_line]))
        edits.append(Edit(Span(end, end), "\n" + copy_text))
    return Fix.unsafe(f"Copy {', '.join(sources)} and install before copying the whole context", *edits)


class _Sources:
    """The copied source paths, for :func:`_covers` questions without scanning
    them all: a source whose file name has no glob character can only cover a
    manifest by equality (``fnmatch`` of two plain names), so those are kept by
    name; the others (and glob manifests such as ``*.gemspec``) are matched
    one by one as before."""

    __slots__ = ("plain", "globs")

    def __init__(self, values=()) -> None:
        self.plain: set[str] = set()
        self.globs: dict[str, None] = {}  # insertion-ordered set
        for v in values:
            self.add(v)

    def add(self, source: str) -> None:
        src = file_name(source)
        if not src or src in (".", "*"):
            return
        if any(ch in src for ch in "*?["):
            self.globs[source] = None
        else:
            self.plain.add(src)

    def covers(self, manifest: str, extra: list[str]) -> bool:
        parts = [p for p in manifest.replace("\\", "/").split("/") if p and p != "."]
        if not parts:
            return False
        if any(ch in parts[-1] for ch in "*?["):
            if any(fnmatchcase(s, parts[-1]) for s in self.plain):
                return True
        elif parts[-1] in self.plain:
            return True
        if any(p in self.plain for p in parts[:-1]):
            return True
        return any(_covers(s, manifest) for s in (*self.globs, *extra))


def _check(df: Dockerfile, seq: list[Instruction], earlier_sources: list[str]) -> list[Finding]:
    out = []
    whole: Instruction | None = None
    sources = _Sources(earlier_sources)
    for ins in seq:
        eff = ins.effective
        if eff.keyword in ("COPY", "ADD"):
            if whole is None and whole_context_arg(ins) is not None:
                whole = ins
            else:
                for a in copy_sources(ins):
                    if a.value not in (".", "./", "*", "./*"):
                        sources.add(a.value)
            continue
        if eff.keyword != "RUN" or whole is None:
            continue
        mounted = bind_mount_paths(ins)
        for c in run_view(ins).commands:
            files = manifests(c)
            if not files:
                continue
            if any(sources.covers(f, mounted) for f in files):
                continue
            arg = whole_context_arg(whole)
            what = " ".join([c.name] + c.positional[:2 if c.name == "go" else 1])
            names = ", ".join(dict.fromkeys(file_name(f) for f in files[:2] if "*" not in f))
            out.append(
                Finding(
                    c.span,
                    f"`{what}` runs after `{whole.effective.keyword} {arg.value if arg else '.'}` copied the whole "
                    f"build context: every source edit re-runs it; copy {names} first, install, then copy the rest",
                    _fix(df, whole, ins),
                    related=((whole.span, "the whole build context is copied here"),),
                )
            )
            break
    return out


@rule(
    code="DW004",
    name="copy-context-before-deps",
    summary="Dependencies installed after copying the whole build context",
    severity=Severity.WARNING,
    tags=("cache", "talk"),
    fixable=True,
    each="group",
)
def copy_context_before_deps(df: Dockerfile, st: Stage | None, ctx) -> list[Finding]:
    if st is None:
        return []
    copied, nearest = _copies(df)
    own = [df.instructions[i] for i in st.instructions]
    earlier: list[str] = []
    anc = _nearest(df, st.index, copied, nearest)
    while anc is not None:  # parents come first: nearest first, as the FROM chain goes
        earlier.extend(_copied(df, anc, copied))
        anc = _nearest(df, anc, copied, nearest)
    return _check(df, [i for i in own if i.trigger is None], earlier) + _check(
        df, [i for i in own if i.trigger is not None], [])


def _copies(df: Dockerfile) -> tuple[dict[int, list[str]], dict[int, int | None]]:
    """Per stage, filled as stages are asked about (``df.derived``): what its own
    instructions copy (for the stages built FROM it), and the nearest stage up its
    FROM chain that copies anything: a deep chain of stages costs one step per
    copying ancestor, not one per ancestor instruction; a lint that re-runs one
    stage looks at that stage's chain only."""
    got = df.derived.get("dw004.copies")
    if got is None:
        got = df.derived["dw004.copies"] = ({}, {})
    return got


def _copied(df: Dockerfile, index: int, copied: dict[int, list[str]]) -> list[str]:
    got = copied.get(index)
    if got is None:
        own = [df.instructions[i] for i in df.stages[index].instructions]
        got = copied[index] = [a.value for ins in own if ins.trigger is None and whole_context_arg(ins) is None
                               for a in copy_sources(ins)]
    return got


def _nearest(df: Dockerfile, index: int, copied: dict[int, list[str]], nearest: dict[int, int | None]) -> int | None:
    """The nearest stage up the FROM chain of stage ``index`` that copies anything."""
    if index in nearest:
        return nearest[index]
    chain: list[int] = []  # stages whose answer is not known yet, child first
    at: int | None = index
    while at is not None and at not in nearest:
        chain.append(at)
        p = df.stages[at].parent
        at = p if p is not None and p < at else None
    for k in reversed(chain):
        p = df.stages[k].parent
        up = p if p is not None and p < k else None
        nearest[k] = None if up is None else (up if _copied(df, up, copied) else nearest[up])
    return nearest[index]
