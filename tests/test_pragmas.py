"""In-file pragmas (dockwise.lint.pragmas) as the engine applies them, and rule
DW101 (unknown-pragma-code) which reports what hadolint/BuildKit drop silently.

Only the rules named in each case are selected, so rules added later do not
change these tables."""
import pytest

from dockwise.lint.engine import LintSettings, collect_suppressions, lint_text, shell_pragmas
from dockwise.syntax.parser import parse
from dockwise.lint.pragmas import BUILDKIT_CHECKS, HADOLINT_CODES, analyse
from dockwise.rules._api import Severity

BASE = ["DL3006", "DL3059", "DL4000", "DW100"]


def found(src, select=BASE, **kw):
    vs = lint_text(src, LintSettings.make(select=select, **kw)).violations
    return [(v.code, v.line) for v in vs]


def problems(src):
    return [(p.span.start.line + 1, p.span.start.col, p.span.end.col, p.message) for p in analyse(parse(src)).problems]


def dw101(src):
    return [(v.line, v.span.start.col, v.span.end.col) for v in lint_text(src, LintSettings.make(select=["DW101"])).violations]


# -- what each form hides --------------------------------------------------------------

SUPPRESSION_CASES = [
    # (source, expected findings among BASE)
    ("# hadolint ignore=DL3006\nFROM ubuntu\n", []),
    ("# hadolint ignore=DL3006 # reason\nFROM ubuntu\n", []),
    ("# hadolint ignore=DL3006\n\nFROM ubuntu\n", [("DL3006", 3)]),  # a blank line breaks it
    ("FROM a:1\n# hadolint ignore=DL4000\nRUN x\nMAINTAINER m\n", [("DL4000", 4)]),  # next instruction only
    # stacked comments: both apply (hadolint #370 keeps only the lower one)
    ("FROM a:1\n# hadolint ignore=DL4000\n# hadolint ignore=DL3006\nMAINTAINER m\nMAINTAINER n\n", [("DL4000", 5)]),
    ("# hadolint ignore=DL3006\n# a note\nFROM ubuntu\n", []),
    ("FROM a:1\nMAINTAINER m\n# hadolint global ignore=DL4000\n", []),
    ("FROM a:1\n# hadolint stage ignore=DL3059\nFROM b:1\nRUN a\nRUN b\nFROM c:1\nRUN a\nRUN b\n", [("DL3059", 8)]),
    # a stage pragma above FROM also covers findings on the FROM line itself
    ("# hadolint stage ignore=DL3006\nFROM ubuntu\nFROM debian\n", [("DL3006", 3)]),
    ("# hadolint stage ignore=DL3006\n# why\nFROM ubuntu\nFROM debian\n", [("DL3006", 4)]),
    # unknown code: the known ones still work (hadolint drops the whole pragma)
    ("# hadolint ignore=DL3006,DL9999\nFROM ubuntu\n", []),
    # lower case: honoured, reported by DW101
    ("# hadolint ignore=dl3006\nFROM ubuntu\n", []),
    ("# Hadolint Ignore=DL3006\nFROM ubuntu\n", []),
    # names and aliases in a hadolint pragma: honoured (and reported)
    ("# hadolint ignore=untagged-image\nFROM ubuntu\n", []),
    ("# hadolint ignore=DL3006 DL4000\nFROM ubuntu\n", []),
    # malformed: not applied
    ("# hadolint ignore DL3006\nFROM ubuntu\n", [("DL3006", 2)]),
    ("# hadolint ignore=\nFROM ubuntu\n", [("DL3006", 2)]),
    # dockwise's own forms: any code, name or alias, any case
    ("# dockwise: ignore=untagged-image\nFROM ubuntu\n", []),
    ("# dockwise: ignore=MaintainerDeprecated\nFROM a:1\nMAINTAINER m\n", [("DL4000", 3)]),
    ("FROM a:1\n# dockwise: ignore=MaintainerDeprecated\nMAINTAINER m\n", []),
    ("FROM a:1\n# dockwise:ignore=dl4000\nMAINTAINER m\n", []),
    ("FROM a:1\nMAINTAINER m\n# dockwise: global ignore=maintainer-deprecated\n", []),
    ("FROM a:1\n# dockwise: stage ignore=DL3059\nRUN a\nRUN b\n", []),
    ("FROM a:1\nRUN a \\\n\n  b\n# dockwise: global ignore=DW100\n", []),
    ("FROM a:1\nRUN a \\\n\n  b\n# dockwise: global ignore=NoEmptyContinuation\n", []),
    # BuildKit's check directive at the top of the file
    ("# check=skip=MaintainerDeprecated\nFROM a:1\nMAINTAINER m\n", []),
    ("# check=skip=JSONArgsRecommended,MaintainerDeprecated\nFROM a:1\nMAINTAINER m\n", []),
    ("# check=skip=all\nFROM ubuntu\nMAINTAINER m\nRUN a \\\n\n b\n", [("DL3006", 2)]),  # only BuildKit-aliased rules
    ("# check=skip=maintainerdeprecated\nFROM a:1\nMAINTAINER m\n", []),  # wrong case: applied, reported
    ("# check=skip=DL4000\nFROM a:1\nMAINTAINER m\n", [("DL4000", 3)]),  # not a BuildKit name: not applied
    ("# syntax=docker/dockerfile:1\n# check=skip=MaintainerDeprecated\nFROM a:1\nMAINTAINER m\n", []),
    # per-instruction check comments (value cut at the first blank)
    ("FROM a:1\n# check=skip=MaintainerDeprecated // legacy\nMAINTAINER m\nMAINTAINER n\n", [("DL4000", 4)]),
    ("FROM a:1\n# check=skip=MaintainerDeprecated\n\n# more words\nMAINTAINER m\n", []),  # BuildKit's comment block
    ("FROM a:1\n# check=skip=NoEmptyContinuation\n# check=skip=MaintainerDeprecated\nMAINTAINER m\n",
     [("DL4000", 4)]),  # only the first check comment counts
]


@pytest.mark.parametrize("src,expected", SUPPRESSION_CASES)
def test_suppression(src, expected):
    assert found(src) == expected


def test_disable_ignore_pragma_turns_off_every_ignore_form():
    src = (
        "# check=skip=MaintainerDeprecated\n# hadolint ignore=DL3006\nFROM ubuntu\n"
        "# dockwise: ignore=DL4000\nMAINTAINER m\n# hadolint global ignore=DL4000\n"
    )
    assert found(src) == []
    assert found(src, disable_ignore_pragma=True) == [("DL3006", 3), ("DL4000", 5)]


def test_disable_ignore_pragma_from_a_lower_layer():
    base = LintSettings.make(disable_ignore_pragma=True)
    s = LintSettings.make(select=BASE, base=base)
    assert [v.code for v in lint_text("# hadolint ignore=DL3006\nFROM ubuntu\n", s).violations] == ["DL3006"]


def test_check_error_true_raises_buildkit_aliased_rules_only():
    src = "# check=error=true\nFROM ubuntu\nMAINTAINER m\nRUN a \\\n\n b\n"
    vs = {v.code: v.severity for v in lint_text(src, LintSettings.make(select=BASE)).violations}
    assert vs == {"DL3006": Severity.WARNING, "DL4000": Severity.ERROR, "DW100": Severity.ERROR}
    # error=false, and error= in a per-instruction comment, change nothing
    for src in ("# check=error=false\nFROM a:1\nRUN a \\\n\n b\n", "FROM a:1\n# check=error=true\nRUN a \\\n\n b\n"):
        (v,) = lint_text(src, LintSettings.make(select=["DW100"])).violations
        assert v.severity == Severity.WARNING


def test_skipped_rule_is_not_raised():
    src = "# check=skip=NoEmptyContinuation;error=true\nFROM a:1\nMAINTAINER m\nRUN a \\\n\n b\n"
    assert [(v.code, v.severity.label) for v in lint_text(src, LintSettings.make(select=BASE)).violations] == [
        ("DL4000", "error")
    ]


def test_collect_suppressions_api():
    sup = collect_suppressions(parse("# hadolint global ignore=DL3006\n# check=skip=all\nFROM ubuntu\n"))
    assert "DL3006" in sup.global_codes
    assert sup.suppressed({"DL3006"}, 5)
    assert not sup.suppressed({"DL3007"}, 5)


# -- DW101 ----------------------------------------------------------------------------------

DW101_CASES = [
    # (source, expected [(line, start col, end col)])
    ("# hadolint ignore=DL3006\nFROM ubuntu\n", []),
    ("# hadolint ignore=DL3008,SC2086,DL3005\nFROM ubuntu\nRUN x\n", []),  # hadolint codes we lack, retired codes
    ("# hadolint ignore=DL3006,DL9999\nFROM ubuntu\n", [(1, 25, 31)]),
    ("# hadolint ignore=crazy\nFROM ubuntu\n", [(1, 18, 23)]),
    ("# hadolint ignore=dl3006\nFROM ubuntu\n", [(1, 18, 24)]),
    ("# hadolint ignore=maintainer-deprecated\nFROM a:1\n", [(1, 18, 39)]),
    ("# hadolint ignore=DW100\nFROM a:1\n", [(1, 18, 23)]),
    ("# hadolint ignore=DL3006 DL4000\nFROM a:1\n", [(1, 25, 31)]),
    ("# hadolint ignore=DL3006 because it is fine\nFROM a:1\n", [(1, 25, 43)]),
    ("# hadolint ignore=DL3006 # because it is fine\nFROM a:1\n", []),
    ("# hadolint ignore DL3006\nFROM a:1\n", [(1, 0, 24)]),
    ("# hadolint ignore=\nFROM a:1\n", [(1, 0, 18)]),
    ("# Hadolint ignore=DL3006\nFROM a:1\n", [(1, 2, 17)]),
    ("# hadolint is used in CI\nFROM a:1\n", []),  # not a pragma
    ("# hadolint shell=powershell\nFROM a:1\n", []),
    ("# hadolint shell=\nFROM a:1\n", [(1, 0, 17)]),
    ("# hadolint global shell=pwsh\nFROM a:1\n", [(1, 0, 28)]),
    ("# dockwise: ignore=untagged-image,DL3006,maintainerdeprecated\nFROM a:1\n", []),
    ("# dockwise: ignore=untagged-imag\nFROM a:1\n", [(1, 19, 32)]),
    ("# dockwise: ignor=DL3006\nFROM a:1\n", [(1, 0, 24)]),
    ("# dockwise: stage ignore=DL3006,,DL4000\nFROM a:1\n", [(1, 32, 32)]),
    ("# check=skip=MaintainerDeprecated,JSONArgsRecommended\nFROM a:1\n", []),
    ("# check=skip=all;error=true;experimental=InvalidDefinitionDescription\nFROM a:1\n", []),
    ("# check=skip=jsonargsrecommended\nFROM a:1\n", [(1, 13, 32)]),
    ("# check=skip=Foo\nFROM a:1\n", [(1, 13, 16)]),
    ("# check=skip=DL4000\nFROM a:1\n", [(1, 13, 19)]),
    ("# check=foo=1\nFROM a:1\n", [(1, 8, 13)]),
    ("# check=skip\nFROM a:1\n", [(1, 8, 12)]),
    ("# check=error=maybe\nFROM a:1\n", [(1, 8, 19)]),
    ("FROM a:1\n# check=skip=Nope // reason\nRUN x\n", [(2, 13, 17)]),
    ("FROM a:1\n# check=error=true\nRUN x\n", [(2, 8, 18)]),
    # a pragma inside a continued RUN still gets its codes checked
    ("FROM a:1\nRUN a \\\n# hadolint ignore=DL9999\n  b\n", [(3, 18, 24)]),
]


@pytest.mark.parametrize("src,expected", DW101_CASES)
def test_dw101_table(src, expected):
    assert dw101(src) == expected


def test_dw101_messages_say_what_happens():
    (msg,) = [m for *_, m in problems("# hadolint ignore=DL3006,DL9999\nFROM ubuntu\n")]
    assert "DL9999" in msg and "other codes still apply" in msg and "hadolint silently ignores the whole pragma" in msg
    (msg,) = [m for *_, m in problems("# hadolint ignore=dl3006\nFROM ubuntu\n")]
    assert "write 'DL3006'" in msg and "dockwise applies it" in msg
    (msg,) = [m for *_, m in problems("# hadolint ignore=DW100\nFROM a:1\n")]
    assert "# dockwise: ignore=DW100" in msg
    (msg,) = [m for *_, m in problems("# check=skip=jsonargsrecommended\nFROM a:1\n")]
    assert "JSONArgsRecommended" in msg and "case-sensitive" in msg
    (msg,) = [m for *_, m in problems("# check=skip=DL4000\nFROM a:1\n")]
    assert "# dockwise: ignore=DL4000" in msg
    (msg,) = [m for *_, m in problems("# dockwise: ignore=untagged-imag\nFROM a:1\n")]
    assert "did you mean untagged-image?" in msg
    (msg,) = [m for *_, m in problems("# check=foo=1\nFROM a:1\n")]
    assert 'invalid check option "foo"' in msg and "BuildKit fails the build" in msg


@pytest.mark.parametrize(
    "src, want",
    [
        ("# hadolint ignore=DL3008 DL3015\nFROM ubuntu\n",
         [(1, 25, 31, "codes must be separated by commas; hadolint ignores this whole pragma")]),
        ("# dockwise: ignore=DL3008 DL3015\nFROM ubuntu\n", [(1, 26, 32, "codes must be separated by commas")]),
        ("# hadolint ignore=DL3008 pinned by the base\nFROM ubuntu\n",
         [(1, 25, 43, "text after a code must follow a second '#' (# hadolint ignore=DL3008 # reason); "
                      "hadolint ignores this whole pragma")]),
        ("# dockwise: ignore=DL3008 pinned by the base\nFROM ubuntu\n",
         [(1, 26, 44, "text after a code must follow a second '#' (# hadolint ignore=DL3008 # reason)")]),
    ],
)
def test_dw101_list_messages_say_whether_hadolint_drops_the_pragma(src, want):
    assert problems(src) == want


def test_dw101_is_a_warning_and_can_itself_be_ignored():
    (v,) = lint_text("# hadolint ignore=DL9999\nFROM a:1\n", LintSettings.make(select=["DW101"])).violations
    assert v.severity == Severity.WARNING and v.name == "unknown-pragma-code"
    src = "# dockwise: global ignore=DW101\n# hadolint ignore=DL9999\nFROM a:1\n"
    assert lint_text(src, LintSettings.make(select=["DW101"])).violations == []


def test_dw101_still_checks_with_pragmas_disabled():
    s = LintSettings.make(select=["DW101"], disable_ignore_pragma=True)
    assert [v.code for v in lint_text("# hadolint ignore=DL9999\nFROM a:1\n", s).violations] == ["DW101"]


def test_known_code_tables():
    assert {"DL3006", "DL3059", "DL4006", "DL1001", "DL3005"} <= HADOLINT_CODES
    assert "DL4002" not in HADOLINT_CODES and "DL3068" not in HADOLINT_CODES
    assert len(BUILDKIT_CHECKS) == 22 and "MaintainerDeprecated" in BUILDKIT_CHECKS


def test_every_buildkit_alias_is_a_known_check_name():
    """A rule alias that looks like a BuildKit name must be spelt as BuildKit does,
    or `# check=skip=` would not reach it."""
    import re

    from dockwise import rules

    for r in rules.ALL_RULES:
        for a in r.meta.aliases:
            if re.fullmatch(r"[A-Z][A-Za-z]+", a) and not re.fullmatch(r"(DL|SC|DW)\d+", a):
                assert a in BUILDKIT_CHECKS, (r.code, a)


# -- shell pragmas ----------------------------------------------------------------------------


def test_shell_pragmas_per_stage():
    src = (
        "# hadolint shell=powershell\nARG X=1\nFROM a AS one\nRUN x\n"
        "# hadolint shell=cmd\nFROM b AS two\n# hadolint shell=bash\nRUN y\nFROM c\n"
    )
    assert shell_pragmas(parse(src)) == {-1: "powershell", 1: "bash"}
    assert shell_pragmas(parse("FROM a\nRUN x\n# hadolint shell=pwsh\nRUN y\n")) == {0: "pwsh"}
    assert shell_pragmas(parse("FROM a\n# hadolint shell=pwsh\n")) == {0: "pwsh"}
    assert shell_pragmas(parse("FROM a\n# hadolint shell=\n")) == {}
    assert shell_pragmas(parse("FROM a\n")) == {}


def test_shell_pragma_changes_no_finding():
    assert found("# hadolint shell=powershell\nFROM ubuntu\n") == [("DL3006", 2)]


# -- layered settings (config files under editor settings / command line) ------------------------


def codes(src, s):
    return sorted({v.code for v in lint_text(src, s).violations})


SRC = "FROM ubuntu\nMAINTAINER me\nRUN a\nRUN b\n"


def test_layers_select_replaces_extend_and_ignore_refine():
    config = LintSettings.make(select=["DL3006", "DL4000"], ignore=["DL4000"])
    assert codes(SRC, config) == ["DL3006"]
    assert codes(SRC, LintSettings.make(base=config)) == ["DL3006"]
    assert codes(SRC, LintSettings.make(extend_select=["DL4000"], base=config)) == ["DL3006", "DL4000"]
    assert codes(SRC, LintSettings.make(ignore=["DL3006"], base=config)) == []
    assert codes(SRC, LintSettings.make(select=["DL3059"], base=config)) == ["DL3059"]


def test_layers_lower_ignores_stand_unless_named_exactly():
    config = LintSettings.make(ignore=["DL4000"])
    pick = ["DL3006", "DL3059", "DL4000"]
    assert [c for c in codes(SRC, LintSettings.make(select=["DL3", "DL4"], base=config)) if c in pick] == [
        "DL3006", "DL3059"]
    assert [c for c in codes(SRC, LintSettings.make(select=["ALL"], base=config)) if c in pick] == ["DL3006", "DL3059"]
    assert codes(SRC, LintSettings.make(select=["DL3006", "maintainer-deprecated"], base=config)) == [
        "DL3006", "DL4000"]
    assert "DL4000" in codes(SRC, LintSettings.make(extend_select=["MaintainerDeprecated"], base=config))
    assert "DL4000" not in codes(SRC, LintSettings.make(extend_select=["tag:deprecated"], base=config))
    # the same layer: ignore still wins over select
    assert codes(SRC, LintSettings.make(select=["DL4000"], ignore=["DL4000"])) == []


def test_layers_severity_later_layer_wins_within_a_layer_specific_wins():
    config = LintSettings.make(select=BASE, severity={"DL3006": "error"})
    top = LintSettings.make(severity={"DL30": "info"}, base=config)
    sev = {v.code: v.severity.label for v in lint_text(SRC, top).violations}
    assert sev["DL3006"] == "info" and sev["DL3059"] == "info"
    one = LintSettings.make(select=BASE, severity={"DL30": "info", "DL3006": "error", "ALL": "style"})
    sev = {v.code: v.severity.label for v in lint_text(SRC, one).violations}
    assert sev == {"DL3006": "error", "DL3059": "info", "DL4000": "style"}


def test_layers_are_hashable_and_options_merge():
    base = LintSettings.make(options={"DL3059": {"a": 1, "nested": {"x": [1, 2]}}})
    top = LintSettings.make(options={"consecutive-run": {"b": 2}}, base=base)
    hash(top)
    from dockwise.lint.engine import _runtime

    opts, disabled = _runtime(top)
    assert opts["DL3059"] == {"a": 1, "nested": {"x": [1, 2]}, "b": 2} and disabled is False


def test_rule_receives_its_options(monkeypatch):
    from dockwise import rules
    from dockwise.rules._api import Finding, Rule, RuleMeta

    seen = []

    def check(df, ctx):
        seen.append(ctx.options)
        return [Finding(df.line_span(0), "x")]

    meta = RuleMeta("DW997", "options-probe", "x", Severity.INFO, frozenset(), (), False, "", __name__)
    probe = Rule(meta, check)
    monkeypatch.setattr(rules, "ALL_RULES", rules.ALL_RULES + (probe,))
    monkeypatch.setitem(rules._BY_KEY, "dw997", probe)
    monkeypatch.setitem(rules._BY_KEY, "options-probe", probe)
    s = LintSettings.make(select=["DW997"], options={"options-probe": {"threshold_mb": 200, "names": ["a"]}})
    from dockwise.lint import engine

    # the engine caches plans per settings value: one made for an earlier probe object (the
    # same test run before in this process) must not answer for this one
    engine._plan.cache_clear()
    engine._runtime.cache_clear()
    try:
        lint_text("FROM a:1\n", s)
    finally:
        engine._plan.cache_clear()
        engine._runtime.cache_clear()
    assert seen == [{"threshold_mb": 200, "names": ["a"]}]
