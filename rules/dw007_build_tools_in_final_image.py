r"""## What it does
In a Dockerfile with a single stage, flags:

- an OS package install (`apt-get`/`apt install`, `apk add`, `yum`/`dnf`/
  `microdnf install`, `zypper install`) of compilers and build-only packages:
  `build-essential`, `build-base`, `alpine-sdk`, `gcc`, `g++`, `gcc-c++`,
  `clang`, `make`, `cmake`, `autoconf`, `automake`, `libtool`, and any
  `*-dev`, `*-devel` or `*-headers` package. Packages removed again in the
  same `RUN` (`apt-get purge`, `apk del` of the `--virtual` group, the official
  images' `apt-mark auto` + `--auto-remove` idiom, `yum remove`) are not
  flagged.
- a toolchain base (`golang`, `rust`, `maven`, `gradle`, `gcc`, a JDK
  `eclipse-temurin`/`openjdk`/`amazoncorretto`) used only to build: a `RUN`
  compiles (`go build|install`, `cargo build|install`, `mvn package`,
  `gradle build`, `javac`, …) and `CMD`/`ENTRYPOINT` do not call the
  toolchain.

Files that already use a multi-stage build are left alone, and so are
files whose name or folder says they build a build or development
environment (`Dockerfile.dev`, `Dockerfile.builder`, `ci.Dockerfile`,
`.devcontainer/Dockerfile`, …): such images ship their tools on purpose.
`ONBUILD` triggers are not considered (they run in another build).

## Why it matters
Compilers, headers and SDKs are needed to build, not to run. In the final
image they add hundreds of megabytes and give an attacker tools to build
exploits. With a builder stage they never ship: build there and `COPY --from`
only the results into a small runtime base ("Creating effective images":
use multi-stage builds).

## Example
```dockerfile
FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
```

## Use instead
```dockerfile
FROM python:3.12-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip wheel --no-cache-dir --wheel-dir /wheels -r requirements.txt

FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*
```

## References
- DockerCon talk "Creating effective images": use multi-stage builds
- https://docs.docker.com/build/building/multi-stage/
"""
from __future__ import annotations

import re

from dockwise import lazyre
from dockwise.images import catalog as images
from dockwise.syntax.commands import Command, run_view
from dockwise.syntax.model import Dockerfile

from ._api import Finding, Severity, rule
from ._helpers import is_dev_environment
from ._pm import apk_virtual, installed_packages, package_name, removed_packages

_BUILD_PKGS = {
    "build-essential", "build-base", "alpine-sdk", "gcc", "g++", "gcc-c++", "clang", "make", "cmake",
    "autoconf", "automake", "libtool", "devtoolset", "gfortran",
}
_VERSIONED = lazyre.compile(r"^(gcc|g\+\+|clang|cpp|gcc-c\+\+)-?\d+(\.\d+)*$")
_TOOLCHAIN_IMAGES = {"golang", "rust", "maven", "gradle", "gcc"}
_JDK_IMAGES = {"eclipse-temurin", "openjdk", "amazoncorretto", "adoptopenjdk", "ibm-semeru-runtimes", "sapmachine"}


def is_build_package(spec: str) -> bool:
    name = package_name(spec).split(":", 1)[0].lower()
    if not name or "$" in name or name.startswith("-"):
        return False
    if name in _BUILD_PKGS or _VERSIONED.match(name):
        return True
    return name.endswith(("-dev", "-devel", "-headers")) and len(name) > 4


_TOOL_BUILDS = {
    "go": {"build", "install", "get"},
    "cargo": {"build", "install"},
    "mvn": {"package", "install", "verify", "compile"},
    "mvnw": {"package", "install", "verify", "compile"},
    "gradle": {"build", "assemble", "jar", "bootjar", "installdist", "shadowjar"},
    "gradlew": {"build", "assemble", "jar", "bootjar", "installdist", "shadowjar"},
}
_JAVA_TOOLS = {"javac", "mvn", "mvnw", "gradle", "gradlew"}
# which commands count as "building with the toolchain" of each base image
_IMAGE_TOOLS = {
    "golang": {"go"},
    "rust": {"cargo", "rustc"},
    "maven": {"mvn", "mvnw"},
    "gradle": {"gradle", "gradlew"},
    "gcc": {"gcc", "g++", "cc", "c++", "make", "cmake"},
}
_RUNTIME_TOOL = lazyre.compile(r"(^|[\s\"'\[,/])(go|cargo|mvn|mvnw|gradle|gradlew|javac|gcc|make)([\s\"',\]]|$)")


def _used_at_runtime(tool: str, runtime: str) -> bool:
    """``make`` in ``CMD ["make", "serve"]``: the tool is part of how the image runs."""
    return bool(re.search(r"(^|[\s\"'\[,/])" + re.escape(tool) + r"([\s\"',\]]|$)", runtime))


def _builds(c: Command, tool_image: str) -> bool:
    tools = _IMAGE_TOOLS.get(tool_image, _JAVA_TOOLS)
    if c.name not in tools:
        return False
    if c.name in ("javac", "rustc", "gcc", "g++", "cc", "c++", "make", "cmake"):
        return True
    subs = _TOOL_BUILDS.get(c.name, set())
    return any(v.lower() in subs for v in c.positional)


def _toolchain(ref) -> str | None:
    name = images.official_name(ref)
    if name in _TOOLCHAIN_IMAGES:
        return name
    if name in _JDK_IMAGES and "jre" not in (ref.tag or "").lower().split("-"):
        return name
    return None


@rule(
    code="DW007",
    name="build-tools-in-final-image",
    summary="Build tools in the final image of a single-stage build",
    severity=Severity.WARNING,
    tags=("size", "security", "multi-stage", "talk"),
    final_image_only=True,
)
def build_tools_in_final_image(df: Dockerfile, ctx) -> list[Finding]:
    if len(df.stages) != 1:
        return []
    if is_dev_environment(df):
        return []  # a build or development environment ships its tools on purpose
    st = df.stages[0]
    b = st.base
    tool = _toolchain(b) if b is not None and not b.unresolved else None
    out = []
    compiles = False
    runtime = " ".join(
        ins.text for ins in df.stage_instructions(st) if ins.keyword in ("CMD", "ENTRYPOINT") and ins.trigger is None
    )
    for ins in df.stage_instructions(st):
        if ins.keyword != "RUN":
            continue
        cs = run_view(ins).commands
        compiles = compiles or bool(tool) and any(_builds(c, tool) for c in cs)
        removed, auto = removed_packages(cs)
        if auto:
            continue
        for c in cs:
            got = installed_packages(c)
            if got is None:
                continue
            if got[0] == "apk" and apk_virtual(c) in removed:
                continue
            tools = [package_name(w.value) for w in got[1] if is_build_package(w.value)]
            tools = [t for t in tools if t not in removed and not _used_at_runtime(t, runtime)]
            if tools:
                shown = ", ".join(dict.fromkeys(tools[:4])) + (", …" if len(tools) > 4 else "")
                out.append(
                    Finding(
                        c.span,
                        f"Build tools in the final image ({shown}) and no multi-stage build: build in a builder "
                        "stage and COPY --from it only what the application needs",
                    )
                )
    if tool and compiles and b is not None:  # (tool implies b)
        if not _RUNTIME_TOOL.search(runtime):
            out.append(
                Finding(
                    b.span,
                    f"{b.resolved} is a build toolchain image used only to build: build in a builder stage and "
                    "COPY --from it the result into a small runtime image",
                )
            )
    out.sort(key=lambda f: f.span.start)
    return out
