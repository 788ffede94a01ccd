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

from dockwise.syntax.expand import ExpandError, expand_detailed, expand_words
from dockwise.syntax.model import Dockerfile, Instruction, Pos, Span, Stage
from dockwise.syntax.stages import BuildView, format_platform, meta_args, parse_platform, predefined_args, view_for

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
_REFERENCE = re.compile(r"^(" + _NAME + r")(?::(" + _TAG + r"))?(?:@(" + _DIGEST + r"))?$", re.ASCII)
_ANCHORED_NAME = re.compile(r"^(?:(" + _DOMAIN + r")/)?(" + _REMOTE + r")$", re.ASCII)
_IDENTIFIER = re.compile(r"^[a-f0-9]{64}$")
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


_SECRET = re.compile(r"(?i)(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token)(?:_|$)")
_SECRET_ALLOW = re.compile(r"(?i)(?:_|^)(?:public|file|version)(?:_|$)")


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


# stage results reused across document versions (see _Analyser.dispatch_all)
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


def analyse(df: Dockerfile, build: BuildOptions) -> Analysis:
    """BuildKit's checks for ``df`` built as ``build`` says (memoised)."""
    key = (_KEY, build)
    got = df.derived.get(key)
    if got is None:
        got = df.derived[key] = _Analyser(df, build).run()
    return got


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

    def run(self) -> Analysis:
        df = self.df
        self.parse_time()
        if not df.stages:
            return self.out
        self.stage_names()
        self.command_casing()
        self.from_lines()
        self.default_args_in_from()
        # docker build --check without --target checks every stage
        self.out.dispatched = self.view.built if self.build.target else frozenset(range(len(df.stages)))
        self.dispatch_all()
        return self.out

    # -- parse time ------------------------------------------------------------------------

    def parse_time(self) -> None:
        df = self.df
        for ins in df.instructions:
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

    def stage_names(self) -> None:
        seen: set[str] = set()
        for st in self.df.stages:
            if st.name is None:
                continue
            ins = self.df.instructions[st.from_instruction]
            span = st.name_span or ins.span
            if st.name in RESERVED_STAGE_NAMES:
                self.out.add("ReservedStageName", span,
                             f'Stage name should not use the same name as reserved stage "{st.name}"', ins.index)
            if st.name in seen:
                self.out.add("DuplicateStageName", span,
                             f'Duplicate stage name "{st.name}", stage names should be unique', ins.index)
            seen.add(st.name)

    def command_casing(self) -> None:
        """validateCommandCasing: keywords of every stage (global ARGs and ONBUILD
        triggers are not counted; unknown instructions never get this far)."""
        df = self.df
        cmds = [ins for ins in df.instructions if ins.stage >= 0 and ins.known]
        lower = upper = 0
        for ins in cmds:
            k = ins.raw_keyword
            if k == k.lower():
                lower += 1
            elif k == k.upper():
                upper += 1
        majority_lower = lower > upper
        for ins in cmds:
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

    def from_lines(self) -> None:
        df = self.df
        env = self.view.global_env
        declared = set(self.view.declared)
        self.out.global_env = env
        self.out.declared_globals = declared
        keys = declared | set(env)
        for st in df.stages:
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

    def default_args_in_from(self) -> None:
        """validateBaseImagesWithDefaultArgs: the base names with the global
        ARGs' defaults (no build args) must be valid references."""
        env, _declared, ok = meta_args(self.df, self.default_args(), {})
        if not ok:
            return
        for st in self.df.stages:
            ins = self.df.instructions[st.from_instruction]
            if not ins.args:
                continue
            raw = ins.args[0].value
            value, _r, _u = self._expand(raw, env)
            if value is None:
                return
            if reference_error(value) is not None:
                self.out.add("InvalidDefaultArgInFrom", ins.args[0].span,
                             f"Default value for ARG {raw} results in empty or invalid base image name", ins.index)

    # -- dispatch ------------------------------------------------------------------------------

    def dispatch_all(self) -> None:
        """Dispatch every stage in order. A stage's result (its reports and the
        state it leaves) depends only on its FROM chain's lines, the global
        ARGs, the build, the base image's known configuration and the ignore
        file, so it is reused from :data:`_STAGE_CACHE` across document
        versions: typing in one stage re-dispatches that stage (and the stages
        built FROM it)."""
        df = self.df
        finals: dict[int, _State] = {}
        ignore = None
        ignore_sig = _ignore_stamp(df, self.build)
        first = df.instructions[df.stages[0].from_instruction].start_line
        glob = (df.escape, self.build, ignore_sig, tuple(df.lines[:first]))
        bounds = []
        for k, st in enumerate(df.stages):
            a = df.instructions[st.from_instruction].start_line
            b = df.instructions[df.stages[k + 1].from_instruction].start_line if k + 1 < len(df.stages) \
                else len(df.lines)
            bounds.append((st.from_instruction, a, tuple(df.lines[a:b])))
        chain_sigs: dict[int, bytes] = {}  # per stage: a digest of its FROM chain's lines
        for st in df.stages:
            pidx = self.view.parents[st.index]
            if pidx is not None:
                # a parent is an earlier stage (stages.view names only those), so it is dispatched
                s = finals[pidx].copy()
                s.trackers = {}
                sig = self.root_sig_of(pidx)  # the chain's root decides what the stage starts from
            else:
                s = _State()
                base = self.view.bases[st.index]
                values, config_sig = self._base_of(st)
                s.env = Env(open=True) if values is None else Env(values)
                s.windows = _windows_base((base or "").lower()) or st.windows
                sig = (base, frozenset(values) if values is not None else None, config_sig)
            dispatched = st.index in self.out.dispatched
            # a stage's chain digest folds its lines into its parent's (a root: into nothing)
            chain = _chain_sig(bounds[st.index], chain_sigs[pidx] if pidx is not None else b"")
            chain_sigs[st.index] = chain
            key = (glob, chain, sig, dispatched)
            got = _STAGE_CACHE.get(key)
            if got is not None:
                reports, end = got
                _STAGE_CACHE.move_to_end(key)
                for r in reports:
                    self.out.reports.setdefault(r.check, []).append(r)
                finals[st.index] = end.copy()
                self.root_sigs[st.index] = key[2]
                continue
            self.root_sigs[st.index] = key[2]
            saved, self.out = self.out, Analysis()
            try:
                if not dispatched:
                    # not built: nothing reported, but a later stage built FROM it
                    # still starts from its state
                    self.quiet(st, s)
                else:
                    if ignore is None:
                        ignore = _ignore_matcher(df, self.build)
                    self.base_platform(st)
                    if pidx is not None:
                        for ins in df.stage_instructions(df.stages[pidx]):
                            if ins.keyword == "ONBUILD" and ins.trigger is not None:
                                self.dispatch(st, s, ins.trigger, ignore, at=df.instructions[st.from_instruction])
                    for ins in df.stage_instructions(st):
                        if ins.keyword == "FROM" or not ins.known:
                            continue
                        self.dispatch(st, s, ins, ignore)
                mine = [r for rs in self.out.reports.values() for r in rs]
            finally:
                self.out = saved
            for r in mine:
                self.out.reports.setdefault(r.check, []).append(r)
            finals[st.index] = s
            _STAGE_CACHE[key] = (tuple(mine), s.copy())
            if len(_STAGE_CACHE) > _STAGE_CACHE_MAX:
                _STAGE_CACHE.popitem(last=False)

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


_GIT = re.compile(r"(?i)^(git@|git://|ssh://|https?://.*\.git(#.*)?$|github\.com/)")


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
