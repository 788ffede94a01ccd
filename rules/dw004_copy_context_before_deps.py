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

## References
- DockerCon talk "Creating effective images": order instructions for the build cache
- https://docs.docker.com/build/cache/optimize/#order-your-layers
"""
from __future__ import annotations

from fnmatch import fnmatchcase

from dockwise.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule
from ._talk import Cmd, basename, bind_mount_paths, commands, copy_sources, whole_context_arg

_NPM = ("package.json", "package-lock.json", "npm-shrinkwrap.json")


def _after(c: Cmd, n: int) -> list[str]:
    """Positional arguments after the first ``n`` positionals."""
    return [w.value for w in c.positional()[n:]]


def manifests(c: Cmd) -> list[str] | None:
    """The manifest files a dependency install reads, or None when ``c`` is
    not one of the recognised installs."""
    n = c.name
    vals = c.values
    sub = c.sub()
    if n == "uv" and sub == "pip":
        n, vals = "pip", vals[1:]
        sub = next((v for v in vals if not v.startswith("-")), None)
    elif n == "uv" and sub == "sync":
        return ["pyproject.toml", "uv.lock"]
    if n.startswith("pip") and n[3:].replace(".", "").isdigit() or n == "pip":
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
    if n == "pipenv" and sub in ("install", "sync") and not _after(c, 1):
        return ["Pipfile", "Pipfile.lock"]
    if n == "poetry" and sub == "install":
        return ["pyproject.toml", "poetry.lock"]
    if n == "npm" and sub in ("ci", "clean-install", "install-clean") or n == "npm" and sub in ("install", "i") and not _after(c, 1):
        return list(_NPM)
    if n == "yarn" and (sub is None or sub == "install"):
        return ["package.json", "yarn.lock"]
    if n == "pnpm" and sub in ("install", "i") and not _after(c, 1):
        return ["package.json", "pnpm-lock.yaml"]
    if n in ("bundle", "bundler") and (sub is None or sub == "install"):
        return ["Gemfile", "Gemfile.lock", "*.gemspec"]
    if n == "php" and vals and vals[0].endswith("composer.phar"):
        n, sub = "composer", next((v for v in vals[1:] if not v.startswith("-")), None)
    if n in ("composer", "composer.phar") and sub == "install":
        return ["composer.json", "composer.lock"]
    if n == "go" and c.positional()[:2] and [w.value for w in c.positional()[:2]] == ["mod", "download"]:
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
    src = basename(source)
    if not src or src in (".", "*"):
        return False
    parts = [p for p in manifest.replace("\\", "/").split("/") if p and p != "."]
    if not parts:
        return False
    if fnmatchcase(parts[-1], src) or fnmatchcase(src, parts[-1]):
        return True
    return src in parts[:-1]


def _check(seq: list[Instruction], earlier_sources: list[str]) -> list[Finding]:
    out = []
    whole: Instruction | None = None
    sources = list(earlier_sources)
    for ins in seq:
        eff = ins.effective
        if eff.keyword in ("COPY", "ADD"):
            if whole is None and whole_context_arg(ins) is not None:
                whole = ins
            else:
                sources.extend(a.value for a in copy_sources(ins) if a.value not in (".", "./", "*", "./*"))
            continue
        if eff.keyword != "RUN" or whole is None:
            continue
        mounted = bind_mount_paths(ins)
        for c in commands(ins):
            files = manifests(c)
            if not files:
                continue
            if any(_covers(s, f) for s in sources + mounted for f in files):
                continue
            arg = whole_context_arg(whole)
            what = " ".join([c.name] + [w.value for w in c.positional()[:2 if c.name == "go" else 1]])
            names = ", ".join(dict.fromkeys(basename(f) for f in files[:2] if "*" not in f))
            out.append(
                Finding(
                    c.span,
                    f"`{what}` runs after `{whole.effective.keyword} {arg.value if arg else '.'}` copied the whole "
                    f"build context: every source edit re-runs it; copy {names} first, install, then copy the rest",
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
)
def copy_context_before_deps(df: Dockerfile, ctx) -> list[Finding]:
    out = []
    for st in df.stages:
        own = [df.instructions[i] for i in st.instructions]
        earlier: list[str] = []
        for anc in df.stage_chain(st)[1:]:
            for ins in df.stage_instructions(anc):
                if ins.trigger is None and whole_context_arg(ins) is None:
                    earlier.extend(a.value for a in copy_sources(ins))
        out.extend(_check([i for i in own if i.trigger is None], earlier))
        out.extend(_check([i for i in own if i.trigger is not None], []))
    return out
