"""BuildKit's build checks, decided the way BuildKit decides them.

One pass over the model replays what BuildKit's Dockerfile frontend does with
a Dockerfile (``frontend/dockerfile/instructions/parse.go``,
``dockerfile2llb/convert.go``, ``validations.go``, ``convert_expose.go``) and
records every warning its linter would emit, with BuildKit's message, on the
instruction BuildKit names (dockwise narrows the range to the token when it
can). The 22 rule modules of the BuildKit checks (DW100, DW102–DW122, DL4000)
each take their part of :func:`analyse`'s result; it is computed once per
model and build (``df.derived``).

What BuildKit does, in order:

* parse time, every stage: ``MaintainerDeprecated`` (found by DL4000 itself), ``StageNameCasing``,
  ``FromAsCasing``, ``InvalidDefinitionDescription``; then over all stages
  ``ReservedStageName``, ``DuplicateStageName`` and
  ``ConsistentInstructionCasing``;
* every stage's ``FROM``, with the global ARGs (build args applied):
  ``UndefinedArgInFrom`` (base name and ``--platform``),
  ``RedundantTargetPlatform``, ``FromPlatformFlagConstDisallowed``;
* every stage's base name with the global ARGs' *defaults* only:
  ``InvalidDefaultArgInFrom``;
* the stages that are built — all of them for ``docker build --check``
  without ``--target`` (what dockwise replays by default), else the target
  and the stages it needs — instruction by instruction, with the environment
  BuildKit has at that point (the base image's ``Env``, the base stage's
  ARG/ENV, this stage's so far): ``UndefinedVar``, ``LegacyKeyValueFormat``,
  ``SecretsUsedInArgOrEnv``, ``WorkdirRelativePath``,
  ``JSONArgsRecommended``, ``MultipleInstructionsDisallowed``,
  ``ExposeProtoCasing``, ``ExposeInvalidFormat``, ``CopyIgnoredFile``,
  ``InvalidBaseImagePlatform``.

Where dockwise cannot know what BuildKit would know (an image's ``Env`` or
platforms that neither the shipped table nor the registry cache has), the
check that depends on it stays silent.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Iterable

from dockwise import lazyre
from dockwise.syntax.expand import ExpandError, expand_detailed, expand_words
from dockwise.syntax.model import Dockerfile, Instruction, Pos, Span, Stage, by_source
from dockwise.syntax.stages import (BuildView, format_platform, from_word, meta_args, parse_platform, predefined_args,
                                    view_for)

from ._api import BuildOptions, Finding, Fix
from ._dockerignore import go_clean

_KEY = "dockwise.rules._buildkit"

NON_ENV_ARGS = frozenset({"BUILDKIT_SBOM_SCAN_CONTEXT", "BUILDKIT_SBOM_SCAN_STAGE"})
RESERVED_STAGE_NAMES = frozenset({"context", "scratch"})
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

@dataclass(frozen=True, slots=True)
class Report:
    check: str  # BuildKit's rule name
    span: Span  # where dockwise shows it (inside BuildKit's location)
    message: str  # BuildKit's message
    instruction: int  # index of the instruction BuildKit names (-1: none)


# -- small ports of Go helpers -----------------------------------------------------


def levenshtein(a: str, b: str) -> int:
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def suggest(val: str, options: Iterable[str], case_sensitive: bool = True) -> str:
    """util/suggest.Search: the closest option at distance < 3 ("" when none
    or when ``val`` itself is an option). Options are tried in sorted order
    (Go iterates a map here, so BuildKit's pick among equals is random)."""
    v = val if case_sensitive else val.lower()
    match = ""
    mindist = 3
    for opt in sorted(set(options)):
        o = opt if case_sensitive else opt.lower()
        if v == o:
            return ""
        if abs(len(v) - len(o)) >= mindist:
            continue
        d = levenshtein(v, o)
        if d < mindist:
            match, mindist = o, d
    return match


# distribution/reference (ParseNormalizedNamed), for InvalidDefaultArgInFrom
_ALNUM = r"[a-z0-9]+"
_SEP = r"(?:[._]|__|[-]+)"
_PATH_COMPONENT = _ALNUM + r"(?:" + _SEP + _ALNUM + r")*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = r"(?:" + _DOMAIN_COMPONENT + r"(?:\." + _DOMAIN_COMPONENT + r")*|\[(?:[a-fA-F0-9:]+)\])(?::[0-9]+)?"
_REMOTE = _PATH_COMPONENT + r"(?:/" + _PATH_COMPONENT + r")*"
_NAME = r"(?:" + _DOMAIN + r"/)?" + _REMOTE
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}"
_REFERENCE = lazyre.compile(r"^(" + _NAME + r")(?::(" + _TAG + r"))?(?:@(" + _DIGEST + r"))?$", re.ASCII)
_ANCHORED_NAME = lazyre.compile(r"^(?:(" + _DOMAIN + r")/)?(" + _REMOTE + r")$", re.ASCII)
_IDENTIFIER = lazyre.compile(r"^[a-f0-9]{64}$")
_DIGEST_LEN = {"sha256": 64, "sha384": 96, "sha512": 128}


def reference_error(s: str) -> str | None:
    """Why ``reference.ParseNormalizedNamed(s)`` fails, or None when it parses."""
    if _IDENTIFIER.match(s):
        return f"invalid repository name ({s}), cannot specify 64-byte hexadecimal strings"
    first, sep, rest = s.partition("/")
    if not sep:
        domain, remainder = "docker.io", "library/" + s
    elif first == "localhost" or "." in first or ":" in first or first.lower() != first:
        domain, remainder = first, rest
    elif first == "index.docker.io":
        domain, remainder = "docker.io", rest
    else:
        domain, remainder = "docker.io", s
    if domain == "index.docker.io":
        domain = "docker.io"
    if domain == "docker.io" and "/" not in remainder:
        remainder = "library/" + remainder
    remote = remainder.split(":", 1)[0]
    if remote.lower() != remote:
        return f"invalid reference format: repository name ({remote}) must be lowercase"
    full = domain + "/" + remainder
    m = _REFERENCE.match(full)
    if m is None:
        if full.lower() != full and _REFERENCE.match(full.lower()):
            return "invalid reference format: repository name must be lowercase"
        return "invalid reference format"
    nm = _ANCHORED_NAME.match(m.group(1))
    path = nm.group(2) if nm else m.group(1)
    if len(path) > 255:
        return "repository name must not be more than 255 characters"
    if m.group(3):
        alg, _, hexpart = m.group(3).partition(":")
        want = _DIGEST_LEN.get(alg)
        if want is None:
            return "unsupported digest algorithm"
        if len(hexpart) != want or not re.fullmatch(r"[a-f0-9]+", hexpart):
            return "invalid checksum digest format"
    return None


def is_abs(path: str, windows: bool) -> bool:
    """BuildKit's system.IsAbs for the stage's OS."""
    if not windows:
        return path.startswith("/")
    p = path.replace("\\", "/")
    if re.match(r"^[A-Za-z]:", p):
        p = p[2:]
    return p.startswith("/")


_SECRET = lazyre.compile(r"(?i)(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token)(?:_|$)")
_SECRET_ALLOW = lazyre.compile(r"(?i)(?:_|^)(?:public|file|version)(?:_|$)")


def is_secret_key(key: str) -> bool:
    return bool(_SECRET.search(key)) and not _SECRET_ALLOW.search(key)


# -- environments ------------------------------------------------------------------


class Env:
    """The build environment of a stage at one instruction: names with their
    values. ``open``: the base image's Env is unknown, so any other name may
    be defined too (checks that depend on it stay silent)."""

    __slots__ = ("values", "open")

    def __init__(self, values: dict[str, str] | None = None, open: bool = False) -> None:
        self.values: dict[str, str] = dict(values or {})
        self.open = open

    def copy(self) -> "Env":
        return Env(self.values, self.open)

    def get(self, name: str) -> str | None:
        return self.values.get(name)


@dataclass(slots=True)
class Expansion:
    value: str | None  # None: failed, or uncertain (an unknown name in an open env)
    unmatched: set[str]  # names looked up and not set
    certain: bool  # no unknown name from an open env was involved


def expand(word: str, env: Env, escape: str, raw_quotes: bool = False) -> Expansion:
    """ProcessWord of ``word`` in ``env``."""
    try:
        value, _refs, unset = expand_detailed(word, env.get, escape)
    except ExpandError as e:
        return Expansion(None, set(e.unset), False)
    certain = not (env.open and unset)
    return Expansion(value if certain else None, set(unset), certain)


# -- the analysis --------------------------------------------------------------------


class _State:
    """One dispatched stage, as BuildKit's dispatchState."""

    def __init__(self) -> None:
        self.env = Env()
        self.build_args: list[str] = []  # ARG names declared in the stage chain so far
        self.shell_set = False  # image config Shell is set
        self.workdir_set = False
        self.trackers: dict[str, int] = {}  # CMD/ENTRYPOINT/HEALTHCHECK -> index of the last one
        self.windows = False

    def copy(self) -> "_State":
        c = _State()
        c.env = self.env.copy()
        c.build_args = list(self.build_args)
        c.shell_set, c.workdir_set, c.windows = self.shell_set, self.workdir_set, self.windows
        c.trackers = dict(self.trackers)
        return c


# stage results reused across document versions (see _Analyser.stage)
def _chain_sig(bound: tuple, parent: bytes) -> bytes:
    """A digest of a stage's lines and its parent chain's digest: the cache key
    of a stage costs its own size, not its chain's (a chain of n stages would
    otherwise build and hash n tuples of up to n stages' lines)."""
    import hashlib

    return hashlib.blake2b(repr(bound).encode("utf-8", "surrogatepass") + parent, digest_size=20).digest()


_STAGE_CACHE: "OrderedDict[tuple, tuple[tuple[Report, ...], _State]]" = OrderedDict()
_STAGE_CACHE_MAX = 2048


class Analysis:
    """Everything :func:`analyse` found, by check name."""

    def __init__(self) -> None:
        self.reports: dict[str, list[Report]] = {}
        self.dispatched: frozenset[int] = frozenset()
        self.global_env: dict[str, str] = {}
        self.declared_globals: set[str] = set()

    def add(self, check: str, span: Span, message: str, instruction: int) -> None:
        self.reports.setdefault(check, []).append(Report(check, span, message, instruction))

    def of(self, check: str) -> list[Report]:
        return self.reports.get(check, [])


def _analyser(df: Dockerfile, build: BuildOptions) -> "_Analyser":
    key = (_KEY, build)
    got = df.derived.get(key)
    if got is None:
        got = df.derived[key] = _Analyser(df, build)
    return got


def analyse(df: Dockerfile, build: BuildOptions) -> Analysis:
    """BuildKit's checks for ``df`` built as ``build`` says (memoised)."""
    key = (_KEY, "all", build)
    got = df.derived.get(key)
    if got is None:
        got = df.derived[key] = _analyser(df, build).run()
    return got


def group_analysis(df: Dockerfile, stage: Stage | None, build: BuildOptions) -> Analysis:
    """The reports on one group's instructions (``stage`` None: the lines before the
    first FROM), memoised: a lint that re-runs one stage's checks analyses that stage
    (and the stages it is built FROM), not the file."""
    return _analyser(df, build).group(-1 if stage is None else stage.index)


def stage_context(df: Dockerfile, stage: Stage | None, ctx) -> object:
    """What a group's reports depend on besides its stage chain's lines and the lines
    before the first FROM (the lint engine's key for a per-stage rule, see
    ``rules._api.SCOPES``): the file-wide facts (:meth:`_Analyser.file_facts`), the
    comment lines right above the stage's FROM (InvalidDefinitionDescription reads
    them; they belong to the stage before) and, when the build sees a stage's
    parent elsewhere than the parser (a build arg in ``FROM ${BASE}``), that parent
    chain's lines."""
    a = _analyser(df, ctx.build)
    facts = a.file_facts()
    if stage is None:
        return facts
    lines = df.lines
    fi = stage.from_instruction
    start = df.instructions[fi].start_line
    prev_end = df.instructions[fi - 1].end_line if fi > 0 else -1
    above = tuple(lines[prev_end + 1:start]) if stage.index > 0 else ()
    chain: tuple = ()
    p, k = a.view.parents[stage.index], stage.index
    if p != stage.parent:
        parts = []
        while p is not None:
            b = a._bound(p)
            parts.append((b[1] - start, b[2]))
            p = a.view.parents[p]
        chain = tuple(parts)
    return (facts, above, chain, k)


def image_ref(df: Dockerfile, st: Stage, base: str | None):
    """An ImageRef for the stage's base as the build resolves it."""
    from dockwise.syntax.parser import parse_image_ref

    if base is None or st.base is None:
        return None
    if base == st.base.resolved:
        return st.base
    return parse_image_ref(st.base.raw, base, st.base.span, False)


def image_env(df: Dockerfile, st: Stage, base_name: str | None, build: BuildOptions) -> Env:
    """The environment a stage starts with when it is built on an image:
    the image's Env names (values unknown: empty), PATH."""
    from dockwise.images import catalog

    name = (base_name or "").lower()
    windows = _windows_base(name)
    if name == "scratch":
        return Env({} if windows else {"PATH": DEFAULT_PATH})
    base = image_ref(df, st, base_name)
    if base is None or not base_name or "$" in base_name:
        return Env(open=True)
    plat = st.platform if st.platform and "$" not in st.platform else build.target_platform
    cfg = catalog.image_config(base, plat)
    if cfg is None or cfg.env is None:
        return Env(open=True)
    values = {k: "" for k in cfg.env}
    if "PATH" not in values and not windows:
        values["PATH"] = DEFAULT_PATH
    elif "PATH" in values:
        values["PATH"] = DEFAULT_PATH
    return Env(values)


def _windows_base(name: str) -> bool:
    return any(w in name for w in ("windows", "nanoserver", "servercore", "ltsc"))


class _Analyser:
    def __init__(self, df: Dockerfile, build: BuildOptions) -> None:
        self.df = df
        self.build = build
        self.esc = df.escape
        self.out = Analysis()
        self.args = build.arg_values
        self.view: BuildView = view_for(df, build)
        self.root_sigs: dict[int, object] = {}
        # one analysis asks the same questions of many stages (``FROM ${BASE}``):
        # expansions by (word, environment's id) and base-image facts by base
        self._expanded: dict[tuple[str, int], tuple[dict, tuple]] = {}
        self._base_facts: dict[tuple, tuple] = {}
        # file-wide facts (prepare), per group and per stage results
        self._prepared = False
        self.majority_lower = False
        self.duplicates: set[int] = set()  # stages whose name an earlier stage has
        self.default_env: dict[str, str] | None = None
        self.default_stop = 0
        self.glob: tuple = ()
        self._keys: set[str] | None = None
        self._facts: bytes | None = None
        self._groups: dict[int, Analysis] = {}
        self._stages: dict[int, tuple[tuple[Report, ...], _State]] = {}
        self._chain_sigs: dict[int, bytes] = {}
        self._ignore: tuple | None = None

    def _expand(self, word: str, env: dict[str, str]) -> tuple:
        """``expand_detailed(word, env.get)`` memoised for this analysis (``env``
        is not changed while it runs): (value, refs, unset) or (None, refs, unset)
        when it fails."""
        key = (word, id(env))
        got = self._expanded.get(key)
        if got is None:
            try:
                res = expand_detailed(word, env.get, self.esc)
            except ExpandError as e:
                res = (None, e.referenced, e.unset)
            # the entry holds ``env``: while it lives, no other dict takes its id
            got = self._expanded[key] = (env, res)
        return got[1]

    def _base_of(self, st: Stage) -> tuple:
        """(image_env's values or None when open, base_config_sig) of a root
        stage, computed once per distinct base in this analysis."""
        base = self.view.bases[st.index]
        key = (base, st.base.raw if st.base is not None else None,
               st.base.resolved if st.base is not None else None, st.platform)
        got = self._base_facts.get(key)
        if got is None:
            env = image_env(self.df, st, base, self.build)
            got = self._base_facts[key] = (None if env.open else env.values, self.base_config_sig(st))
        return got

    # -- helpers -------------------------------------------------------------------

    def ins_span(self, ins: Instruction) -> Span:
        return ins.span

    def ref_span(self, ins: Instruction, within: Span | None, name: str) -> Span:
        """The ``$name`` / ``${name`` reference inside ``within`` (a word's span)
        on its line, else ``within``, else the instruction's keyword line."""
        lines = self.df.lines
        if within is not None and within.start.line == within.end.line:
            ln = within.start.line
            text = lines[ln] if 0 <= ln < len(lines) else ""
            seg = text[within.start.col:within.end.col]
            m = re.search(r"\$\{?" + re.escape(name) + r"(?![A-Za-z0-9_])", seg)
            if m:
                return Span(Pos(ln, within.start.col + m.start()), Pos(ln, within.start.col + m.end()))
            return within
        if within is not None:
            return within
        return ins.span

    # -- run ---------------------------------------------------------------------------
    # The analysis is done group by group (the instructions before the first FROM, then
    # each stage): :meth:`group` finds the reports on one group's instructions. A group's
    # reports depend on its stage chain's lines and on the few file-wide facts that
    # :meth:`file_facts` gathers (see :func:`stage_context`), so the lint engine reuses
    # a group's findings while both are unchanged.

    def prepare(self) -> None:
        """The file-wide facts every group reads (once per analysis)."""
        if self._prepared:
            return
        self._prepared = True
        df = self.df
        if not df.stages:
            return
        self.out.global_env = self.view.global_env
        self.out.declared_globals = set(self.view.declared)
        # validateCommandCasing's majority: keywords of every stage (global ARGs and ONBUILD
        # triggers are not counted; unknown instructions never get this far)
        lower = upper = 0
        for ins in df.instructions:
            if ins.stage >= 0 and ins.known:
                k = ins.raw_keyword
                if k == k.lower():
                    lower += 1
                elif k == k.upper():
                    upper += 1
        self.majority_lower = lower > upper
        seen: set[str] = set()
        for st in df.stages:
            if st.name is None:
                continue
            if st.name in seen:
                self.duplicates.add(st.index)
            seen.add(st.name)
        # validateBaseImagesWithDefaultArgs stops at the first base name that does not expand
        env, _declared, ok = meta_args(df, self.default_args(), {})
        self.default_env = env if ok else None
        self.default_stop = len(df.stages) if ok else 0
        if ok:
            for st in df.stages:
                word = by_source(df, df.instructions[st.from_instruction], "stages.from-word", from_word)
                if word is not None and self._expand(word, env)[0] is None:
                    self.default_stop = st.index
                    break
        # docker build --check without --target checks every stage
        self.out.dispatched = self.view.built if self.build.target else frozenset(range(len(df.stages)))
        first = df.instructions[df.stages[0].from_instruction].start_line
        self.glob = (df.escape, self.build, _ignore_stamp(df, self.build), tuple(df.lines[:first]))

    def file_facts(self) -> bytes:
        """A digest of the file-wide facts a group's reports depend on besides its stage
        chain's lines and the lines before the first FROM: the keyword casing majority,
        which stages repeat an earlier name, where the default-ARG check stops, which stages
        are dispatched, the stages' parents and bases as the build sees them, what is
        known of the root stages' base images (registry cache), the .dockerignore files,
        the last stage's name (TARGETSTAGE). No line numbers: findings may move."""
        if self._facts is None:
            import hashlib

            self.prepare()
            df = self.df
            if not df.stages:
                facts: tuple = ()
            else:
                roots: dict = {}
                per_stage = []
                for st in df.stages:
                    if self.view.parents[st.index] is None:
                        values, config_sig = self._base_of(st)
                        sig = (self.view.bases[st.index], None if values is None else tuple(sorted(values)),
                               config_sig)
                        per_stage.append(roots.setdefault(sig, len(roots)))
                    else:
                        per_stage.append(-1)
                facts = (self.majority_lower, tuple(sorted(self.duplicates)), self.default_stop,
                         tuple(sorted(self.out.dispatched)), self.view.parents, tuple(per_stage), tuple(roots),
                         self.glob[2], df.stages[-1].name)
            self._facts = hashlib.blake2b(repr(facts).encode("utf-8", "surrogatepass"), digest_size=20).digest()
        return self._facts

    def group_instructions(self, index: int) -> list[Instruction]:
        df = self.df
        if index < 0:
            return [i for i in df.instructions if i.stage < 0]
        return list(df.stage_instructions(df.stages[index]))

    def group(self, index: int) -> Analysis:
        """The reports on the instructions of one group (-1: before the first FROM)."""
        got = self._groups.get(index)
        if got is not None:
            return got
        self.prepare()
        out = Analysis()
        out.global_env, out.declared_globals, out.dispatched = (
            self.out.global_env, self.out.declared_globals, self.out.dispatched)
        saved, self.out = self.out, out
        try:
            instructions = self.group_instructions(index)
            self.parse_time(instructions)
            if index >= 0:
                st = self.df.stages[index]
                self.stage_name(st)
                self.command_casing(instructions)
                self.from_line(st)
                if index < self.default_stop:
                    self.default_arg_in_from(st)
        finally:
            self.out = saved
        if index >= 0:
            for r in self.stage(index)[0]:
                out.reports.setdefault(r.check, []).append(r)
        self._groups[index] = out
        return out

    def run(self) -> Analysis:
        """Every group's reports, in order."""
        df = self.df
        self.prepare()
        groups = [-1] if any(i.stage < 0 for i in df.instructions) else []
        groups += range(len(df.stages))
        for g in groups:
            for check, rs in self.group(g).reports.items():
                self.out.reports.setdefault(check, []).extend(rs)
        return self.out

    # -- parse time ------------------------------------------------------------------------

    def parse_time(self, instructions: Iterable[Instruction]) -> None:
        for ins in instructions:
            if not ins.known:
                continue
            # (MaintainerDeprecated is DL4000's own finding: dl4000_maintainer.py)
            if ins.keyword == "FROM":
                a = ins.args
                if len(a) == 3:
                    name = a[2].value
                    if name != name.lower():
                        self.out.add("StageNameCasing", a[2].span, f"Stage name '{name}' should be lowercase",
                                     ins.index)
                    cmd = ins.raw_keyword
                    lower, upper = cmd == cmd.lower(), cmd == cmd.upper()
                    as_kw = a[1].value
                    if (lower and as_kw != as_kw.lower()) or (upper and not lower and as_kw != as_kw.upper()):
                        self.out.add("FromAsCasing", a[1].span,
                                     f"'{as_kw}' and '{cmd}' keywords' casing do not match", ins.index)
                    if a[1].value.lower() == "as":
                        self.definition_description(ins, "FROM", [name.lower()])
            elif ins.keyword == "ARG":
                keys = [p.key for p in ins.pairs if p.key]
                self.definition_description(ins, "ARG", keys)

    def definition_description(self, ins: Instruction, what: str, keys: list[str]) -> None:
        """validateDefinitionDescription: the comments directly above (BuildKit's
        PrevComment: the comment lines right before the instruction, no blank
        line between) must start with the name."""
        if not keys:
            return
        comments = self.prev_comments(ins)
        if not comments:
            return
        first = comments[-1].split(" ")[0]
        if first in keys:
            return
        example = keys[0] if len(keys) == 1 else "<arg_key>"
        self.out.add("InvalidDefinitionDescription", ins.span,
                     f"Comment for {what} should follow the format: `# {example} <description>`", ins.index)

    def prev_comments(self, ins: Instruction) -> list[str]:
        """BuildKit's PrevComment of ``ins``: the comment lines between the
        previous instruction and this one, blank lines skipped (they do not end
        the block), an empty ``#`` line discarding what came before it, parser
        directives left out; text after ``#``, trimmed."""
        df = self.df
        lines = df.lines
        prev_end = -1
        if ins.index > 0:
            prev_end = df.instructions[ins.index - 1].end_line
        directive_lines = {d.span.start.line for d in df.directives}
        out: list[str] = []
        ln = ins.start_line - 1
        while ln > prev_end:
            raw = lines[ln].lstrip(" \t")
            if raw.startswith("#"):
                if ln in directive_lines:
                    ln -= 1
                    continue
                text = raw[1:].strip()
                if not text:
                    break
                out.append(text)
            elif raw.strip():
                break
            ln -= 1
        out.reverse()
        return out

    def stage_name(self, st: Stage) -> None:
        if st.name is None:
            return
        ins = self.df.instructions[st.from_instruction]
        span = st.name_span or ins.span
        if st.name in RESERVED_STAGE_NAMES:
            self.out.add("ReservedStageName", span,
                         f'Stage name should not use the same name as reserved stage "{st.name}"', ins.index)
        if st.index in self.duplicates:
            self.out.add("DuplicateStageName", span,
                         f'Duplicate stage name "{st.name}", stage names should be unique', ins.index)

    def command_casing(self, instructions: Iterable[Instruction]) -> None:
        """validateCommandCasing on a stage's instructions (the majority: :meth:`prepare`)."""
        majority_lower = self.majority_lower
        for ins in instructions:
            if ins.stage < 0 or not ins.known:
                continue
            k = ins.raw_keyword
            want = None
            if majority_lower and k.lower() != k:
                want = "lowercase"
            elif not majority_lower and k.upper() != k:
                want = "uppercase"
            if want:
                self.out.add("ConsistentInstructionCasing", ins.keyword_span,
                             f"Command '{k}' should match the case of the command majority ({want})", ins.index)

    # -- FROM lines ----------------------------------------------------------------------------

    def default_args(self) -> dict[str, str]:
        b = self.build
        return predefined_args(self.df, self.args, b.platform, b.host_platform, b.target)

    def from_line(self, st: Stage) -> None:
        df = self.df
        env = self.view.global_env
        keys = self._keys
        if keys is None:
            keys = self._keys = set(self.view.declared) | set(env)
        ins = df.instructions[st.from_instruction]
        if st.base is not None and ins.args:
            self.from_word(ins, ins.args[0].value, ins.args[0].span, env, keys)
        if st.platform is not None:
            flag = ins.flag("platform")
            span = flag.value_span if flag is not None and flag.value_span is not None else ins.span
            res = self.from_word(ins, st.platform, span, env, keys)
            if res is not None:
                value, matched, unmatched = res
                if len(matched) == 1 and not unmatched and "TARGETPLATFORM" in matched \
                        and value == env.get("TARGETPLATFORM"):
                    self.out.add("RedundantTargetPlatform", span,
                                 f"Setting platform to predefined {st.platform} in FROM is redundant as this is "
                                 "the default behavior", ins.index)
                if not matched and not unmatched:
                    p = parse_platform(value, self.build.host_platform)
                    name = st.name or ""
                    if p is not None and not (p[0] in name or p[1] in name):
                        self.out.add("FromPlatformFlagConstDisallowed", span,
                                     f'FROM --platform flag should not use constant value "{value}"', ins.index)

    def from_word(self, ins: Instruction, word: str, span: Span, env: dict[str, str],
                  keys: set[str]) -> tuple[str, set[str], set[str]] | None:
        value, refs, unset = self._expand(word, env)
        for name in sorted(unset):
            if name in keys:
                continue
            hint = suggest(name, keys)
            msg = f"FROM argument '{name}' is not declared" + (f" (did you mean {hint}?)" if hint else "")
            self.out.add("UndefinedArgInFrom", self.ref_span(ins, span, name), msg, ins.index)
        if value is None:
            return None
        return value, set(refs) - set(unset), set(unset)

    def default_arg_in_from(self, st: Stage) -> None:
        """validateBaseImagesWithDefaultArgs on one stage: its base name with the global
        ARGs' defaults (no build args) must be a valid reference (checked up to the
        first stage whose base name does not expand: :meth:`prepare`)."""
        env = self.default_env
        ins = self.df.instructions[st.from_instruction]
        if env is None or not ins.args:
            return
        raw = ins.args[0].value
        value, _r, _u = self._expand(raw, env)
        if value is not None and reference_error(value) is not None:
            self.out.add("InvalidDefaultArgInFrom", ins.args[0].span,
                         f"Default value for ARG {raw} results in empty or invalid base image name", ins.index)

    # -- dispatch ------------------------------------------------------------------------------

    def stage(self, index: int) -> tuple[tuple[Report, ...], _State]:
        """(reports, final state) of dispatching one stage (after its parents, which
        a stage is built FROM: earlier stages). A stage's result depends only on its
        FROM chain's lines, the global ARGs, the build, the base image's known
        configuration and the ignore file, so it is reused from :data:`_STAGE_CACHE`
        across document versions."""
        got = self._stages.get(index)
        if got is not None:
            return got
        chain = [index]
        while True:
            p = self.view.parents[chain[-1]]
            if p is None or p in self._stages:
                break
            chain.append(p)
        for k in reversed(chain):
            self._stages[k] = self._dispatch_stage(self.df.stages[k])
        return self._stages[index]

    def _bound(self, k: int) -> tuple:
        df = self.df
        st = df.stages[k]
        a = df.instructions[st.from_instruction].start_line
        b = df.instructions[df.stages[k + 1].from_instruction].start_line if k + 1 < len(df.stages) \
            else len(df.lines)
        return (st.from_instruction, a, tuple(df.lines[a:b]))

    def _dispatch_stage(self, st: Stage) -> tuple[tuple[Report, ...], _State]:
        df = self.df
        pidx = self.view.parents[st.index]
        if pidx is not None:
            # a parent is an earlier stage (stages.view names only those), dispatched first
            s = self._stages[pidx][1].copy()
            s.trackers = {}
            sig = self.root_sigs[pidx]  # the chain's root decides what the stage starts from
        else:
            s = _State()
            base = self.view.bases[st.index]
            values, config_sig = self._base_of(st)
            s.env = Env(open=True) if values is None else Env(values)
            s.windows = _windows_base((base or "").lower()) or st.windows
            sig = (base, frozenset(values) if values is not None else None, config_sig)
        self.root_sigs[st.index] = sig
        dispatched = st.index in self.out.dispatched
        # a stage's chain digest folds its lines into its parent's (a root: into nothing)
        chain = _chain_sig(self._bound(st.index), self._chain_sigs[pidx] if pidx is not None else b"")
        self._chain_sigs[st.index] = chain
        key = (self.glob, chain, sig, dispatched)
        got = _STAGE_CACHE.get(key)
        if got is not None:
            _STAGE_CACHE.move_to_end(key)
            reports, end = got
            return reports, end.copy()
        saved, self.out = self.out, Analysis()
        self.out.global_env, self.out.declared_globals, self.out.dispatched = (
            saved.global_env, saved.declared_globals, saved.dispatched)
        try:
            if not dispatched:
                # not built: nothing reported, but a later stage built FROM it
                # still starts from its state
                self.quiet(st, s)
            else:
                if self._ignore is None:
                    self._ignore = (_ignore_matcher(df, self.build),)
                ignore = self._ignore[0]
                self.base_platform(st)
                if pidx is not None:
                    for ins in df.stage_instructions(df.stages[pidx]):
                        if ins.keyword == "ONBUILD" and ins.trigger is not None:
                            self.dispatch(st, s, ins.trigger, ignore, at=df.instructions[st.from_instruction])
                for ins in df.stage_instructions(st):
                    if ins.keyword == "FROM" or not ins.known:
                        continue
                    self.dispatch(st, s, ins, ignore)
            mine = tuple(r for rs in self.out.reports.values() for r in rs)
        finally:
            self.out = saved
        _STAGE_CACHE[key] = (mine, s.copy())
        if len(_STAGE_CACHE) > _STAGE_CACHE_MAX:
            _STAGE_CACHE.popitem(last=False)
        return mine, s

    def root_sig_of(self, index: int):
        return self.root_sigs.get(index)

    def base_config_sig(self, st: Stage):
        """What the registry cache knows about the stage's base (its platforms):
        part of the stage's cache key, so news from the registry are seen."""
        from dockwise.images import catalog

        base_name = self.view.bases[st.index]
        ref = image_ref(self.df, st, base_name)
        if ref is None or not base_name or "$" in base_name:
            return None
        cfg = catalog.image_config(ref, self.build.target_platform)
        return None if cfg is None else (cfg.platforms, cfg.index)

    def quiet(self, st: Stage, s: _State) -> None:
        """The state a stage that is not built would leave (for stages FROM it)."""
        saved = self.out
        self.out = Analysis()
        try:
            for ins in self.df.stage_instructions(st):
                if ins.keyword != "FROM" and ins.known:
                    self.dispatch(st, s, ins, None)
        finally:
            self.out = saved

    def base_platform(self, st: Stage) -> None:
        """InvalidBaseImagePlatform, from what the registry cache knows."""
        from dockwise.images import catalog

        base_name = self.view.bases[st.index]
        ref = image_ref(self.df, st, base_name)
        if self.view.parents[st.index] is not None or ref is None or not base_name:
            return
        if base_name.lower() == "scratch":
            return
        if st.platform is not None:
            try:
                want_s, _r, unset = expand_detailed(st.platform, self.out.global_env.get, self.esc)
            except ExpandError:
                return
            if unset:
                return
        else:
            want_s = self.build.target_platform
        want = parse_platform(want_s, self.build.host_platform)
        if want is None:
            return
        cfg = catalog.image_config(ref, format_platform(want))
        if cfg is None or not cfg.platforms:
            return
        got = [parse_platform(p.split(" ")[0], self.build.host_platform) for p in cfg.platforms]
        got = [g for g in got if g is not None]
        actual = None
        if cfg.index:
            if any(g[:2] == want[:2] for g in got):
                return
            for g in got:
                if _compatible(want, g):
                    actual = g
                    break
        elif got and got[0][:2] != want[:2]:
            actual = got[0]
        if actual is None:
            return
        ins = self.df.instructions[st.from_instruction]
        span = ins.args[0].span if ins.args else ins.span
        self.out.add("InvalidBaseImagePlatform", span,
                     f'Base image {base_name} was pulled with platform "{format_platform(actual)}", '
                     f'expected "{format_platform(want)}" for current build', ins.index)

    def undefined(self, ins: Instruction, s: _State, unmatched: set[str], span: Span | None,
                  at: Instruction | None = None) -> None:
        """reportUnmatchedVariables."""
        if not unmatched or s.env.open:
            return
        loc = at or ins
        for name in sorted(unmatched):
            if name in s.build_args or name in NON_ENV_ARGS:
                continue
            hint = suggest(name, s.env.values.keys())
            msg = f"Usage of undefined variable '${name}'" + (f" (did you mean ${hint}?)" if hint else "")
            where = loc.span if at is not None else self.ref_span(ins, span, name)
            self.out.add("UndefinedVar", where, msg, loc.index)

    def word(self, ins: Instruction, s: _State, word: str | None, span: Span | None,
             at: Instruction | None = None) -> Expansion | None:
        if word is None:
            return None
        ex = expand(word, s.env, self.esc)
        self.undefined(ins, s, ex.unmatched, span, at)
        return ex

    def dispatch(self, st: Stage, s: _State, ins: Instruction, ignore, at: Instruction | None = None) -> None:
        kw = ins.keyword
        loc = at or ins
        report = self.out.add

        def rspan(span: Span) -> Span:
            return loc.span if at is not None else span

        if kw in ("ENV", "LABEL"):
            for p in ins.pairs:
                k = self.word(ins, s, p.key, p.key_span, at)
                v = self.word(ins, s, p.value if p.value is not None else "", p.value_span, at)
                key = k.value if k is not None and k.value is not None else p.key
                if p.legacy:
                    report("LegacyKeyValueFormat", rspan(p.span),
                           f'"{kw} key=value" should be used instead of legacy "{kw} key value" format', loc.index)
                if kw == "ENV":
                    if is_secret_key(key):
                        report("SecretsUsedInArgOrEnv", rspan(p.key_span),
                               f'Do not use ARG or ENV instructions for sensitive data (ENV "{key}")', loc.index)
                    if v is not None and v.value is not None:
                        s.env.values[key] = v.value
                    else:
                        s.env.values[key] = ""
            return
        if kw == "ARG":
            for p in ins.pairs:
                if not p.key:
                    continue
                if is_secret_key(p.key):
                    report("SecretsUsedInArgOrEnv", rspan(p.key_span),
                           f'Do not use ARG or ENV instructions for sensitive data (ARG "{p.key}")', loc.index)
                value: str | None = None
                if p.key in self.args:
                    value = self.args[p.key]
                elif p.value is not None:
                    ex = self.word(ins, s, p.value, p.value_span, at)
                    value = ex.value if ex is not None and ex.value is not None else ""
                elif p.key in self.out.global_env:
                    value = self.out.global_env[p.key]
                if value is not None and p.key not in NON_ENV_ARGS:
                    s.env.values[p.key] = value
                s.build_args.append(p.key)
            return
        if kw in ("CMD", "ENTRYPOINT", "HEALTHCHECK"):
            prev = s.trackers.get(kw)
            if prev is not None:
                p_ins = self.df.instructions[prev] if prev >= 0 else loc
                report("MultipleInstructionsDisallowed", p_ins.keyword_span if at is None else loc.span,
                       f"Multiple {ins.raw_keyword} instructions should not be used in the same stage because only "
                       "the last one will be used", p_ins.index)
            s.trackers[kw] = loc.index if at is None else -1
            if kw != "HEALTHCHECK" and not ins.json and ins.args and not s.shell_set:
                report("JSONArgsRecommended", rspan(ins.keyword_span),
                       f"JSON arguments recommended for {ins.raw_keyword} to prevent unintended behavior related to OS "
                       "signals", loc.index)
            return
        if kw == "SHELL":
            if ins.json and ins.args:
                s.shell_set = True
            return
        if kw == "WORKDIR":
            if not ins.args:
                return
            ex = self.word(ins, s, ins.args[0].value, ins.args[0].span, at)
            if ex is not None and ex.value is not None and not s.workdir_set and not is_abs(ex.value, s.windows):
                report("WorkdirRelativePath", rspan(ins.args[0].span),
                       f'Relative workdir "{ex.value}" can have unexpected results if the base image changes',
                       loc.index)
            s.workdir_set = True
            return
        if kw in ("USER", "STOPSIGNAL"):
            if ins.args:
                self.word(ins, s, ins.args[0].value, ins.args[0].span, at)
            return
        if kw == "VOLUME":
            for a in ins.args:
                self.word(ins, s, a.value, a.span, at)
            return
        if kw == "RUN":
            for f in ins.flags:
                if f.name != "mount" or not f.value:
                    continue
                for field in _csv_fields(f.value):
                    k, eq, v = field.partition("=")
                    if eq:
                        self.word(ins, s, v, f.value_span, at)
            return
        if kw == "EXPOSE":
            self.expose(ins, s, at)
            return
        if kw in ("COPY", "ADD"):
            self.copy(ins, s, ignore, at)
            return

    def expose(self, ins: Instruction, s: _State, at: Instruction | None) -> None:
        loc = at or ins
        for a in ins.args:
            try:
                words = expand_words(a.value, s.env.get, self.esc)
            except ExpandError:
                return
            span = loc.span if at is not None else a.span
            for raw in words:
                parts = raw.split(":")
                if len(parts) == 1:
                    ip, host, cport = "", "", parts[0]
                elif len(parts) == 2:
                    ip, host, cport = "", parts[0], parts[1]
                else:
                    ip, host, cport = ":".join(parts[:-2]), parts[-2], parts[-1]
                port, _, proto = cport.partition("/")
                if not port or proto.lower() not in ("", "tcp", "udp", "sctp"):
                    return  # BuildKit fails the build here
                if proto != proto.lower():
                    self.out.add("ExposeProtoCasing", span,
                                 f"Defined protocol '{raw}' in EXPOSE instruction should be lowercase", loc.index)
                if ip or host:
                    self.out.add("ExposeInvalidFormat", span,
                                 "EXPOSE instruction should not define an IP address or host-port mapping, "
                                 f"found '{raw}'", loc.index)

    def copy(self, ins: Instruction, s: _State, ignore, at: Instruction | None) -> None:
        loc = at or ins
        for name in ("chown", "chmod") + (("checksum",) if ins.keyword == "ADD" else ()):
            f = ins.flag(name)
            if f is not None and f.value is not None:
                self.word(ins, s, f.value, f.value_span, at)
        openers = {h.raw_opener for h in ins.heredocs}
        words = [a for a in ins.args if not (openers and a.value.lstrip("0123456789") in openers)]
        values: list[tuple[str | None, Span]] = []
        for a in words:
            ex = self.word(ins, s, a.value, a.span, at)
            values.append((ex.value if ex is not None else None, a.span))
        for h in ins.heredocs:  # ExpandRaw: the body of an unquoted heredoc
            if not h.quoted and h.body:
                ex = expand(h.body, s.env, "\\")
                self.undefined(ins, s, ex.unmatched, h.body_span, at)
        if ignore is None or (ins.keyword == "COPY" and ins.flag("from") is not None):
            return
        what = "Add" if ins.keyword == "ADD" else "Copy"
        for value, span in values[:-1]:  # the last one is the destination
            if value is None:
                continue
            if ins.keyword == "ADD" and (re.match(r"(?i)^https?://", value) or _is_git(value)):
                continue
            if ignore.ignores(value):
                self.out.add("CopyIgnoredFile", loc.span if at is not None else span,
                             f'Attempting to {what} file "{go_clean(value)}" that is excluded by .dockerignore',
                             loc.index)


def _compatible(want: tuple[str, str, str], got: tuple[str, str, str]) -> bool:
    """What containerd's platforms.Only(want) also accepts besides want's OS and
    architecture. Only asked when the index has no entry with both (BuildKit compares
    only those two), so the lower arm variants that an arm ``want`` accepts never reach it."""
    if want[0] != got[0]:
        return False
    if want[1] == "amd64":
        return got[1] == "386"
    if want[1] == "arm64":
        return got[1] == "arm" and got[2] in ("v8", "v7", "v6", "v5")
    return False


def _csv_fields(value: str) -> list[str]:
    import csv

    try:
        return next(csv.reader([value]))
    except (csv.Error, StopIteration):
        return value.split(",")


_GIT = lazyre.compile(r"(?i)^(git@|git://|ssh://|https?://.*\.git(#.*)?$|github\.com/)")


def _is_git(value: str) -> bool:
    return bool(_GIT.match(value))


def _ignore_stamp(df: Dockerfile, build: BuildOptions) -> tuple:
    from ._dockerignore import stamps

    return stamps(df.path, build.context)


def _ignore_matcher(df: Dockerfile, build: BuildOptions):
    """The build context's .dockerignore as a matcher, or None (no file, no
    Dockerfile path, or patterns that BuildKit would not check: exclusions)."""
    from ._dockerignore import load_for

    return load_for(df.path, build.context)


def findings(df: Dockerfile, ctx, check: str, fix: "Callable[[Dockerfile, Report], Fix | None] | None" = None
             ) -> list[Finding]:
    """The findings of BuildKit check ``check`` for a rule: BuildKit's message,
    prefixed with the check's name as BuildKit prints it."""
    out = []
    for r in analyse(df, ctx.build).of(check):
        out.append(Finding(r.span, f"{check}: {r.message}", fix(df, r) if fix is not None else None))
    return out


def group_findings(df: Dockerfile, stage: Stage | None, ctx, check: str,
                   fix: "Callable[[Dockerfile, Report], Fix | None] | None" = None) -> list[Finding]:
    """:func:`findings` on one group's instructions: the per-stage function of a
    BuildKit check's rule, ``rule(each="group", context=stage_context)``."""
    out = []
    for r in group_analysis(df, stage, ctx.build).of(check):
        out.append(Finding(r.span, f"{check}: {r.message}", fix(df, r) if fix is not None else None))
    return out
