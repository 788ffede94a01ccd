"""The rule API: metadata, findings, fixes. No LSP imports here or in any rule."""
from __future__ import annotations

import enum
import inspect
import sys
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Protocol

from dockwise.syntax.model import Dockerfile, Instruction, Span, Stage


class Severity(enum.IntEnum):
    """Order is importance; values map to LSP's DiagnosticSeverity 1..4."""

    ERROR = 1
    WARNING = 2
    INFO = 3
    STYLE = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> "Severity":
        key = text.strip().upper()
        if key == "HINT":
            key = "STYLE"
        if key == "INFORMATION":
            key = "INFO"
        try:
            return cls[key]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (error, warning, info, style)") from None


class Applicability(enum.Enum):
    SAFE = "safe"  # keeps what the build does; applied by fix-all and `dockwise fix`
    UNSAFE = "unsafe"  # plausible but may change the build; opt-in
    # offered one by one as an editor quick fix, never applied by fix-all or
    # `dockwise fix` (deleting a stage or an ARG is the user's call)
    MANUAL = "manual"
    DISPLAY_ONLY = "display-only"  # shown, never applied


@dataclass(frozen=True, slots=True)
class Edit:
    span: Span
    new_text: str


@dataclass(frozen=True, slots=True)
class Fix:
    title: str
    edits: tuple[Edit, ...]
    applicability: Applicability

    def __post_init__(self) -> None:
        edits = tuple(sorted(self.edits, key=lambda e: (e.span.start, e.span.end)))
        for a, b in zip(edits, edits[1:]):
            if b.span.start < a.span.end:
                raise ValueError(f"overlapping edits in fix {self.title!r}")
        object.__setattr__(self, "edits", edits)

    @classmethod
    def safe(cls, title: str, *edits: Edit) -> "Fix":
        return cls(title, tuple(edits), Applicability.SAFE)

    @classmethod
    def unsafe(cls, title: str, *edits: Edit) -> "Fix":
        return cls(title, tuple(edits), Applicability.UNSAFE)

    @classmethod
    def manual(cls, title: str, *edits: Edit) -> "Fix":
        return cls(title, tuple(edits), Applicability.MANUAL)

    @classmethod
    def display_only(cls, title: str, *edits: Edit) -> "Fix":
        return cls(title, tuple(edits), Applicability.DISPLAY_ONLY)


@dataclass(frozen=True, slots=True)
class Finding:
    """What a check yields; the engine turns it into a Violation.

    ``code`` and ``severity`` are for a rule that reports a family of codes
    (``RuleMeta.subcodes``, the ShellCheck rule's ``SC2086``): the finding's own
    code and default severity. Other rules leave them None (the rule's)."""

    span: Span
    message: str
    fix: Fix | None = None
    related: tuple[tuple[Span, str], ...] = ()
    code: str | None = None
    severity: "Severity | None" = None


@dataclass(frozen=True, slots=True)
class RuleMeta:
    code: str  # "DL3059" for hadolint's rules, "DWnnn" for ours
    name: str  # kebab-case, unique
    summary: str  # one line
    severity: Severity
    tags: frozenset[str]
    aliases: tuple[str, ...]  # other names users know: BuildKit check names, hadolint codes
    fixable: bool
    docstring: str  # the defining module's docstring as written (``docs`` is it cleaned up)
    module: str
    default_enabled: bool = True
    # a rule that reports a family of codes: their common prefix ("SC" for ShellCheck's
    # SC1000-SC9999); such codes are selectors of their own (``--ignore SC2086``)
    subcodes: str | None = None
    subcode_url: str | None = None  # documentation of one code of the family: "...{code}"
    # BuildKit marks it experimental: off unless selected or enabled in the file
    # with ``# check=experimental=<name>|all`` (BuildKit's ``skip`` never touches it)
    experimental: bool = False
    # codes of rules that report the same thing on the same instruction: when one
    # of them is selected and reports on an instruction, this rule's finding
    # there is dropped (no double report; see lint.engine)
    defers_to: tuple[str, ...] = ()
    # whether the rule only reports in stages whose layers reach the final image
    # (the target stage and the stages it is built FROM); documented per rule
    final_image_only: bool = False

    @property
    def scope(self) -> str:
        """Where the rule reports, for its documentation."""
        if self.final_image_only:
            return ("final image: only in the stages whose layers the built image contains (the target stage "
                    "and the stages it is built FROM)")
        return "every stage (the `final-image-only` setting can limit it to the final image's stages)"

    @property
    def docs(self) -> str:
        """The rule's documentation (Markdown): its module docstring, dedented. Computed
        when read (docs, ``dockwise rule``), not while the rules are imported."""
        return inspect.cleandoc(self.docstring)

    @property
    def url(self) -> str:
        from dockwise import rule_doc_url

        return rule_doc_url(self.code)


class ScriptResults(Protocol):
    """What the ShellCheck rule asks the lint layer for (``dockwise.lint.shellcheck``):
    ShellCheck's comments on each script text, or None for a script whose
    results are not there (yet: the editor publishes them when they arrive).
    A lookup that is false (``__bool__``) has no results for any script: the
    rule does not build the scripts to ask it."""

    def __call__(self, scripts: list[str]) -> list["tuple | None"]: ...


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """What ``docker build`` would be given: ``--build-arg NAME=VALUE``,
    ``--target STAGE``, ``--platform OS/ARCH[/VARIANT]`` and the build context
    folder. Rules whose result depends on the build read them (BuildKit's
    checks, the stage graph, unused ARGs). ``platform`` None: the build
    platform (``host_platform``)."""

    args: tuple[tuple[str, str], ...] = ()
    target: str | None = None
    platform: str | None = None
    context: str | None = None
    host_platform: str = "linux/amd64"

    @property
    def arg_values(self) -> dict[str, str]:
        return dict(self.args)

    @property
    def target_platform(self) -> str:
        return self.platform or self.host_platform


DEFAULT_BUILD = BuildOptions()


class RuleContext(Protocol):
    """What a check may read besides the model."""

    @property
    def options(self) -> dict: ...  # per-rule options from settings (may be empty)

    @property
    def shellcheck(self) -> ScriptResults | None: ...  # None: ShellCheck is not run

    @property
    def build(self) -> BuildOptions: ...  # the build the file is linted for


CheckFn = Callable[[Dockerfile, RuleContext], Iterable[Finding]]
EachFn = Callable[[Dockerfile, Instruction, RuleContext], Iterable[Finding]]
GroupFn = Callable[[Dockerfile, "Stage | None", RuleContext], Iterable[Finding]]
ContextFn = Callable[[Dockerfile, "Stage | None", RuleContext], object]

# What a rule's findings depend on. The engine reuses findings while that is
# unchanged, and *moves* them when the lines they depend on moved as a block
# (see engine.LintCache); a keystroke then re-runs the rules of one
# instruction or one stage. Every rule may also read ``df.path``, ``df.escape``,
# the line endings and the lines before the first FROM (global ARGs).
#
# Per-instruction rules, ``rule(each=SCOPE)``, ``fn(df, ins, ctx)``; the findings
# of ``ins`` may depend on its own lines and position in its stage, plus:
#   "instruction": the *declarations* (DECLARATIONS) of the instruction's stage
#                  chain (the stage and the stages it is built FROM): FROM (bases,
#                  names, platforms), ARG/ENV (variables in scope), SHELL, ONBUILD;
#                  plus the stages' ``windows`` flags
#   "stage":       every line of the stage chain (e.g. a fix that looks at the
#                  next RUN of the stage).
# Per-stage rules, ``rule(each="group")``, ``fn(df, stage, ctx)`` (``stage`` is
#   None for the instructions before the first FROM, a fragment): findings of the
#   group may depend on every line of the stage chain, on the stage's index,
#   on whether it is the last stage and on whether a later FROM builds on it;
#   with ``context=fn``, also on whatever ``fn(df, stage, ctx)`` stands for: a
#   hashable value, computed on every lint (keep it cheap), that must change
#   whenever anything else the group's findings depend on changes (other
#   stages' names, the file's keyword casing, the registry's answers, …). A
#   value that holds no line numbers lets the findings move with their lines.
#   Several rules may share one ``fn``: it is called once per group and lint.
#   (A rule about the final image is a per-stage rule that reports on the last
#   stage only, anywhere in its chain.)
# Whole-file rules, ``fn(df, ctx)``: with ``reads=KEYWORDS`` the findings may
#   depend only on the instructions with those (effective) keywords, their
#   stages and positions (re-run when one of them changes or moves); without,
#   on anything (re-run on every change: keep those cheap).
# Anything else (other stages, the final stage, df.errors, df.comments) is not
# allowed in a scope: such a rule stays a whole-file ``check``.
SCOPES = ("instruction", "stage", "group")
DECLARATIONS = frozenset({"FROM", "ARG", "ENV", "SHELL", "ONBUILD"})


@dataclass(frozen=True, slots=True)
class Rule:
    meta: RuleMeta
    check: CheckFn
    each: EachFn | None = None  # per-instruction check (``check`` runs it over every instruction)
    scope: str = "file"  # "file" | "instruction" | "stage" (see SCOPES)
    keywords: frozenset[str] | None = None  # effective keywords ``each`` cares about (None: all)
    group: GroupFn | None = None  # per-stage check (``check`` runs it over every group)
    reads: frozenset[str] | None = None  # a whole-file check that reads only these keywords
    moves: bool = True  # findings may be moved with their lines (False: they name line numbers)
    # a per-stage check's other inputs: ``context(df, stage_or_None, ctx)`` -> a hashable
    # value; the group's findings are reused only while it is equal (see SCOPES)
    context: "ContextFn | None" = None
    # findings that name line numbers and still move: ``retitle(text, lines moved)``
    # gives a moved finding's message and fix title
    retitle: "Callable[[str, int], str] | None" = None

    @property
    def code(self) -> str:
        return self.meta.code


def groups_of(df: Dockerfile) -> "list[Stage | None]":
    """The groups a per-stage rule runs on: None for the instructions before the
    first FROM (when there are any), then every stage."""
    out: list = [None] if any(i.stage < 0 for i in df.instructions) else []
    out += df.stages
    return out


def rule(
    *,
    code: str,
    name: str,
    summary: str,
    severity: Severity,
    tags: Iterable[str] = (),
    aliases: Iterable[str] = (),
    fixable: bool = False,
    default_enabled: bool = True,
    each: str | None = None,
    keywords: Iterable[str] | None = None,
    reads: Iterable[str] | None = None,
    moves: bool = True,
    subcodes: str | None = None,
    subcode_url: str | None = None,
    experimental: bool = False,
    defers_to: Iterable[str] = (),
    final_image_only: bool = False,
    context: "ContextFn | None" = None,
    retitle: "Callable[[str, int], str] | None" = None,
) -> Callable[[Callable[..., Iterable[Finding]]], Rule]:
    """Declare a rule; its docs are the defining module's docstring.

    Without ``each`` the function is the whole-file check ``fn(df, ctx)``
    (``reads``: the keywords of the only instructions it reads, see SCOPES).
    With ``each="instruction"`` or ``"stage"`` it is a per-instruction check
    ``fn(df, ins, ctx)``; ``keywords`` limits it to instructions whose effective
    keyword is one of those (ONBUILD RUN counts as RUN). With ``each="group"``
    it is a per-stage check ``fn(df, stage_or_None, ctx)``. The engine may
    reuse the findings of scoped checks across document versions, moved with
    their lines; ``moves=False`` when a finding's text names a line number
    (a fix title "… on line 8"): then they are computed again instead, unless
    ``retitle(text, lines_moved)`` rewrites such a text (message, fix title)
    for the moved finding.

    ``subcodes`` (a code prefix such as ``"SC"``) makes it a rule that reports
    a family of codes: each finding carries its own ``code`` and ``severity``,
    and those codes select, ignore and re-level findings one by one
    (``subcode_url``: where one code is documented, with ``{code}``)."""
    if each is not None and each not in SCOPES:
        raise ValueError(f"unknown scope {each!r}")
    if reads is not None and each is not None:
        raise ValueError("reads= is for whole-file checks")
    if retitle is not None and not moves:
        raise ValueError("retitle= is for findings that move")
    if context is not None and each != "group":
        raise ValueError("context= is for per-stage checks (each='group')")
    kws = frozenset(keywords) if keywords is not None else None
    rd = frozenset(reads) if reads is not None else None

    def wrap(fn) -> Rule:
        mod = sys.modules.get(fn.__module__)
        docs = (mod.__doc__ or "") if mod else ""
        meta = RuleMeta(
            code=code,
            name=name,
            summary=summary,
            severity=severity,
            tags=frozenset(tags),
            aliases=tuple(aliases),
            fixable=fixable,
            docstring=docs,
            module=fn.__module__,
            subcodes=subcodes,
            subcode_url=subcode_url,
            default_enabled=default_enabled and not experimental,
            experimental=experimental,
            defers_to=tuple(defers_to),
            final_image_only=final_image_only,
        )
        if each is None:
            return Rule(meta, fn, reads=rd, moves=moves, retitle=retitle)
        if each == "group":
            def check_groups(df: Dockerfile, ctx) -> list[Finding]:
                out: list[Finding] = []
                for st in groups_of(df):
                    out.extend(fn(df, st, ctx))
                return out

            check_groups.__name__ = fn.__name__
            check_groups.__doc__ = fn.__doc__
            return Rule(meta, check_groups, None, "stage", None, fn, None, moves, context, retitle)

        def check(df: Dockerfile, ctx) -> list[Finding]:
            out: list[Finding] = []
            for ins in df.instructions:
                if kws is None or ins.effective.keyword in kws:
                    out.extend(fn(df, ins, ctx))
            return out

        check.__name__ = fn.__name__
        check.__doc__ = fn.__doc__
        return Rule(meta, check, fn, each, kws, None, None, moves, None, retitle)

    return wrap


@dataclass(slots=True)
class Context:
    options: dict = field(default_factory=dict)
    shellcheck: ScriptResults | None = None
    build: BuildOptions = DEFAULT_BUILD


def iter_runs(df: Dockerfile) -> Iterator:
    """Every RUN, including ONBUILD RUN triggers, as (outer instruction, effective)."""
    for ins in df.instructions:
        eff = ins.effective
        if eff.keyword == "RUN":
            yield ins, eff
