"""The stage graph of a Dockerfile for one build, as BuildKit builds it.

A build is what ``docker build`` is given: ``--build-arg``s, ``--platform``,
``--target``. They matter here because BuildKit expands each ``FROM`` with
the global ARGs (their defaults, overridden by build args) and the predefined
platform ARGs (``FROM build_${TARGETARCH}`` picks a stage by platform), and a
``FROM`` that names an earlier stage builds on it.

A stage depends on the stage it is built ``FROM``, on the stages named by its
``COPY --from=`` and ``RUN --mount=…,from=`` (a name, case-insensitive, or a
0-based index), and on the stages the ``ONBUILD`` triggers of its ``FROM``
stage copy from (BuildKit runs the base stage's triggers at the start of the
stage). ``docker build`` builds the *target* (``--target NAME``, else the last
stage) and every stage it depends on, transitively; the others are skipped.
A name that matches no stage is an image or a named context, not a stage.

The layers of the final image are those of the target stage and of the stages
it is built ``FROM`` (its *chain*); stages reached only through ``--from``
contribute files, not layers.

Computed once per model and build (``df.derived``); no I/O, no rule imports.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache

from dockwise import lazyre
from dockwise.syntax.expand import ExpandError, expand_detailed
from dockwise.syntax.model import Dockerfile, Instruction, by_source

_KEY = "dockwise.syntax.stages"
DEFAULT_PLATFORM = "linux/amd64"


# -- platforms (containerd's platforms.Parse, normalised) -------------------------

_PLATFORM_PART = lazyre.compile(r"^[A-Za-z0-9_.-]+$")
_KNOWN_OS = frozenset({"aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "js",
                       "linux", "nacl", "netbsd", "openbsd", "plan9", "solaris", "wasip1", "windows", "zos"})
_KNOWN_ARCH = frozenset({"386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be", "loong64", "mips",
                         "mipsle", "mips64", "mips64le", "mips64p32", "mips64p32le", "ppc", "ppc64", "ppc64le",
                         "riscv", "riscv64", "s390", "s390x", "sparc", "sparc64", "wasm"})


def _norm_arch(arch: str, variant: str) -> tuple[str, str]:
    a, v = arch.lower(), variant.lower()
    if a in ("i386", "i686", "x86"):
        return "386", ""
    if a in ("x86_64", "x86-64", "amd64"):
        return "amd64", "" if v == "v1" else v
    if a in ("aarch64", "arm64"):
        return "arm64", "" if v in ("8", "v8") else v
    if a == "armhf":
        return "arm", "v7"
    if a == "armel":
        return "arm", "v6"
    if a == "arm":
        if v in ("", "7"):
            return "arm", "v7"
        if v in ("5", "6", "8"):
            return "arm", "v" + v
        return "arm", v
    return a, v


@lru_cache(maxsize=256)
def parse_platform(spec: str, host: str = DEFAULT_PLATFORM) -> tuple[str, str, str] | None:
    """``linux/arm64`` → ("linux", "arm64", ""); None when containerd's
    platforms.Parse would fail. A lone OS takes the host's architecture, a
    lone architecture the host's OS."""
    host_os, _, rest = host.partition("/")
    host_arch = rest.split("/")[0] or "amd64"
    spec = spec.strip()
    m = re.match(r"^([^()/]+)(\([^()]*\))?(/.*)?$", spec)
    if not m:
        return None
    parts = [m.group(1)] + (m.group(3)[1:].split("/") if m.group(3) else [])
    if any(not _PLATFORM_PART.match(p) for p in parts):
        return None
    if len(parts) == 1:
        p = parts[0].lower()
        if p in _KNOWN_OS:
            return p, host_arch, ""
        a, v = _norm_arch(p, "")
        if a in _KNOWN_ARCH:
            return host_os or "linux", a, v
        return None
    if len(parts) == 2:
        a, v = _norm_arch(parts[1], "")
        return parts[0].lower(), a, v
    if len(parts) == 3:
        a, v = _norm_arch(parts[1], parts[2])
        return parts[0].lower(), a, v
    return None


def format_platform(p: tuple[str, str, str]) -> str:
    return "/".join(x for x in p if x)


# -- the build's view ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StageRef:
    """One reference from an instruction to a stage."""

    instruction: int  # index in df.instructions (ONBUILD of the base: that ONBUILD)
    stage: int  # the stage referred to
    kind: str  # "from" (FROM), "copy" (COPY --from), "mount" (RUN --mount from=), "onbuild"
    by_index: bool = False  # named by its number


@dataclass(frozen=True, slots=True)
class BuildView:
    """A Dockerfile's stages as one build sees them."""

    global_env: dict  # global ARGs with a value and the predefined ARGs: name → value
    declared: frozenset[str]  # global ARGs declared (with or without a value)
    bases: tuple[str | None, ...]  # per stage: the FROM name after expansion (None: failed)
    parents: tuple[int | None, ...]  # per stage: the earlier stage it is built FROM
    deps: tuple[frozenset[int], ...]  # per stage: the stages it needs
    refs: tuple[tuple[StageRef, ...], ...]  # per stage: how it refers to them
    target: int | None  # the stage built (None: no stage, or --target names none)
    built: frozenset[int]  # the stages the build runs (all when target is None)
    final: frozenset[int]  # the stages whose layers are the image (all when target is None)

    def reachable(self, start: int) -> frozenset[int]:
        seen = {start}
        todo = [start]
        while todo:
            s = todo.pop()
            for d in self.deps[s]:
                if d not in seen:
                    seen.add(d)
                    todo.append(d)
        return frozenset(seen)

    def chain(self, stage: int) -> list[int]:
        """``stage`` and the stages it is built FROM, nearest first."""
        out: list[int] = []
        seen: set[int] = set()
        s: int | None = stage
        while s is not None and s not in seen:
            out.append(s)
            seen.add(s)
            s = self.parents[s]
        return out


def predefined_args(df: Dockerfile, args: dict[str, str], platform: str | None, host: str,
                    target: str | None) -> dict[str, str]:
    """BuildKit's defaultArgs: BUILD*/TARGET* from the build and target
    platforms, TARGETSTAGE; a build arg of the same name wins."""
    bp = parse_platform(host) or ("linux", "amd64", "")
    tp = parse_platform(platform, host) if platform else bp
    tp = tp or bp
    last = df.stages[-1].name if df.stages else None
    env = {
        "BUILDPLATFORM": format_platform(bp), "BUILDOS": bp[0], "BUILDOSVERSION": "",
        "BUILDARCH": bp[1], "BUILDVARIANT": bp[2],
        "TARGETPLATFORM": format_platform(tp), "TARGETOS": tp[0], "TARGETOSVERSION": "",
        "TARGETARCH": tp[1], "TARGETVARIANT": tp[2], "TARGETSTAGE": target or last or "default",
    }
    for k in list(env):
        if k in args:
            env[k] = args[k]
    return env


def meta_args(df: Dockerfile, env: dict[str, str], args: dict[str, str]) -> tuple[dict[str, str], set[str], bool]:
    """BuildKit's buildMetaArgs over the ARGs before the first FROM:
    (environment, declared names, whether every default expanded)."""
    env = dict(env)
    declared: set[str] = set()
    ok = True
    for ins in df.instructions:
        if ins.stage >= 0:
            break
        if ins.keyword != "ARG":
            continue
        for p in ins.pairs:
            if not p.key:
                continue
            value: str | None = None
            if p.key in args:
                value = args[p.key]
            elif p.value is not None:
                try:
                    value, _r, _u = expand_detailed(p.value, env.get, df.escape)
                except ExpandError:
                    ok = False
            if value is not None:
                env[p.key] = value
            declared.add(p.key)
    return env, declared, ok


def _mount_from(value: str) -> str | None:
    try:
        fields = next(csv.reader([value]))
    except (csv.Error, StopIteration):
        return None
    for f in fields:
        k, eq, v = f.partition("=")
        if eq and k.strip().lower() == "from":
            return v.strip()
    return None


def _stage_named(df: Dockerfile, name: str) -> tuple[int | None, bool]:
    """(stage index, by index) that ``--from=name`` means; (None, …) for an image."""
    if not name or "$" in name:
        return None, False
    if name.isdigit():
        i = int(name)
        return (i if i < len(df.stages) else None), True
    low = name.lower()
    for s in df.stages:
        if s.name == low:
            return s.index, False
    return None, False


def _stage_words(df: Dockerfile, ins: Instruction) -> tuple[tuple[str, str], ...]:
    """(kind, word) for each ``COPY --from=word`` and ``RUN --mount=…,from=word`` of
    ``ins`` (or of its ONBUILD trigger), remembered by its source (``by_source``)."""
    if ins.keyword not in ("COPY", "RUN", "ONBUILD"):
        return ()
    return by_source(df, ins, "stages.words", _words_of)


def _words_of(ins: Instruction) -> tuple[tuple[str, str], ...]:
    eff = ins.effective
    words: list[tuple[str, str]] = []
    if eff.keyword == "COPY":
        words += [("copy", v) for v in eff.flag_values("from")]
    elif eff.keyword == "RUN":
        for v in eff.flag_values("mount"):
            name = _mount_from(v)
            if name:
                words.append(("mount", name))
    return tuple(words)


def from_word(ins: Instruction) -> str | None:
    """The image word of a FROM as written (``${BASE}``); ask it through
    ``by_source(df, ins, "stages.from-word", from_word)``."""
    return ins.args[0].value if ins.args else None


def _refs_of(df: Dockerfile, ins: Instruction, at: int) -> list[StageRef]:
    out: list[StageRef] = []
    for kind, word in _stage_words(df, ins):
        i, by_index = _stage_named(df, word)
        if i is not None:
            out.append(StageRef(at, i, kind, by_index))
    return out


_CARRIED = _KEY + ".carried"
# instructions whose change can change the stage graph: FROM (stages, names, bases), ARG (the
# global ones expand FROM), ONBUILD (its COPY --from runs in the stages built on this one)
_GRAPH_KEYWORDS = frozenset(("FROM", "ARG", "ONBUILD"))


def carry(previous: Dockerfile, df: Dockerfile) -> None:
    """Let ``df``, the next version of ``previous`` (parsed with ``discard_previous``:
    its unchanged instructions are ``previous``'s own objects), reuse ``previous``'s
    views where no instruction that shapes the stage graph changed (see
    :func:`view`). A view holds no positions: Enter above a stage leaves it as it
    is."""
    views = {k: v for k, v in previous.derived.items() if type(k) is tuple and k and k[0] == _KEY}
    if views:
        df.derived[_CARRIED] = (tuple(previous.instructions), views)


def _same_graph(df: Dockerfile, old: tuple) -> bool:
    """Whether ``df``'s instructions shape the same stage graph as ``old`` (the last
    version's): the same number, and each either the same object (unchanged, moved
    or not) or a changed one that is neither FROM, ARG nor ONBUILD and refers to the
    same stages (``COPY --from``, ``RUN --mount=from=``) as the one it replaces."""
    new = df.instructions
    if len(new) != len(old):
        return False
    for a, b in zip(old, new):
        if a is b:
            continue
        if a.keyword != b.keyword or a.keyword in _GRAPH_KEYWORDS or a.stage != b.stage \
                or _words_of(a) != _words_of(b):
            return False
    return True


def view(df: Dockerfile, args: tuple[tuple[str, str], ...] = (), platform: str | None = None,
         host: str = DEFAULT_PLATFORM, target: str | None = None) -> BuildView:
    """The stages of ``df`` for the build (memoised on the model; taken over from
    the last version when the stage graph cannot have changed, see :func:`carry`)."""
    key = (_KEY, args, platform, host, target)
    got = df.derived.get(key)
    if got is not None:
        return got
    carried = df.derived.get(_CARRIED)
    if carried is not None:
        got = carried[1].get(key)
        if got is not None and _same_graph(df, carried[0]):
            df.derived[key] = got
            return got
    amap = dict(args)
    env, declared, _ok = meta_args(df, predefined_args(df, amap, platform, host, target), amap)
    bases: list[str | None] = []
    parents: list[int | None] = []
    named: dict[str, int] = {}  # stage name -> the last earlier stage of that name
    expanded: dict[str, str | None] = {}  # the same word (``${BASE}``) in many FROMs
    for st in df.stages:
        ins = df.instructions[st.from_instruction]
        base: str | None = None
        word = by_source(df, ins, "stages.from-word", from_word)
        if word is not None:
            if word in expanded:
                base = expanded[word]
            else:
                try:
                    base, _r, _u = expand_detailed(word, env.get, df.escape)
                except ExpandError:
                    base = None
                expanded[word] = base
        bases.append(base)
        parents.append(named.get(base) if base else None)
        if st.name is not None:
            named[st.name] = st.index
    deps: list[frozenset[int]] = []
    refs: list[tuple[StageRef, ...]] = []
    for st in df.stages:
        d: set[int] = set()
        r: list[StageRef] = []
        p = parents[st.index]
        if p is not None:
            d.add(p)
            r.append(StageRef(st.from_instruction, p, "from"))
            for ins in df.stage_instructions(df.stages[p]):
                if ins.keyword == "ONBUILD" and ins.trigger is not None:
                    for ref in _refs_of(df, ins, ins.index):
                        r.append(StageRef(ref.instruction, ref.stage, "onbuild", ref.by_index))
                        d.add(ref.stage)
        for ins in df.stage_instructions(st):
            if ins.keyword == "ONBUILD":
                continue  # runs in the builds that use this stage as their base
            for ref in _refs_of(df, ins, ins.index):
                r.append(ref)
                d.add(ref.stage)
        d.discard(st.index)
        deps.append(frozenset(d))
        refs.append(tuple(r))
    t = target_stage(df, target)
    everything = frozenset(range(len(df.stages)))
    v = BuildView(env, frozenset(declared), tuple(bases), tuple(parents), tuple(deps), tuple(refs), t,
                  everything, everything)
    if t is not None:
        v = BuildView(env, frozenset(declared), tuple(bases), tuple(parents), tuple(deps), tuple(refs), t,
                      v.reachable(t), frozenset(v.chain(t)))
    df.derived[key] = v
    return v


def target_stage(df: Dockerfile, target: str | None) -> int | None:
    """The stage ``docker build --target target`` builds (the last one without
    a target); None when there is no stage or no stage has that name."""
    if not df.stages:
        return None
    if not target:
        return len(df.stages) - 1
    low = target.lower()
    for s in df.stages:
        if s.name == low:
            return s.index
    return None


def view_for(df: Dockerfile, build) -> BuildView:
    """:func:`view` for a rule's ``ctx.build`` (a ``BuildOptions``)."""
    return view(df, build.args, build.platform, build.host_platform, build.target)
