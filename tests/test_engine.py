"""Engine: selection, severities, pragmas, isolation of failing rules."""
import logging

from dockwise import rules
from dockwise.lint.engine import LintSettings, exceeds, lint_model, lint_text
from dockwise.syntax.parser import parse
from dockwise.rules._api import Rule, RuleMeta, Severity

SRC = "FROM ubuntu\nMAINTAINER me\nRUN apt-get update\nRUN echo\n"
# the rules these tests exercise; pinned so that new rules do not change them
FIRST = ("DL3006", "DL3007", "DL3009", "DL3059", "DL4000", "DW000", "DW100", "DW101")
PINNED = LintSettings.make(select=FIRST)


def got(settings, src=SRC):
    return sorted({v.code for v in lint_text(src, settings).violations})


def test_default_selection_is_every_default_enabled_rule():
    from dockwise.lint.engine import selected_codes

    assert selected_codes(LintSettings()) == sorted(r.code for r in rules.ALL_RULES if r.meta.default_enabled)
    assert {"DL3006", "DL3009", "DL3059", "DL4000"} <= set(got(LintSettings()))
    assert got(PINNED) == ["DL3006", "DL3009", "DL3059", "DL4000"]


def test_select_ignore_by_code_name_alias_prefix_tag():
    assert got(LintSettings.make(select=["DL300"])) == ["DL3006", "DL3009"]
    assert got(LintSettings.make(select=FIRST, ignore=["maintainer-deprecated", "DL3059"])) == ["DL3006", "DL3009"]
    assert got(LintSettings.make(select=FIRST, ignore=["MaintainerDeprecated"])) == ["DL3006", "DL3009", "DL3059"]
    assert "DL3009" in got(LintSettings.make(select=["tag:apt"]))
    apt = [rules.get(c) for c in got(LintSettings.make(select=["tag:apt"]))]
    assert all(r is not None and "apt" in r.meta.tags for r in apt)


def test_severity_override_and_off():
    vs = lint_text(SRC, LintSettings.make(severity={"DL3006": "error", "DL3059": "off"})).violations
    assert {v.code: v.severity for v in vs}["DL3006"] == Severity.ERROR
    assert "DL3059" not in {v.code for v in vs}


def test_severity_lsp_names_hint_and_information():
    # the LSP names of the two lowest levels are accepted as settings values
    vs = lint_text(SRC, LintSettings.make(severity={"DL3006": "Hint", "DL4000": "information"})).violations
    levels = {v.code: v.severity for v in vs}
    assert (levels["DL3006"], levels["DL4000"]) == (Severity.STYLE, Severity.INFO)


def test_failure_threshold():
    vs = lint_text("FROM a:1\nRUN a\nRUN b\n").violations  # DL3059 is info
    assert exceeds(vs, "info") and not exceeds(vs, "warning") and exceeds(vs, "none")


def test_hadolint_pragmas():
    src = (
        "# hadolint ignore=DL3006\nFROM ubuntu\n"
        "# hadolint ignore=DL3059,DL3009\nRUN apt-get update\n"
        "# hadolint ignore=DL3059 # a reason\nRUN echo\nRUN other\n"
    )
    vs = lint_text(src, PINNED).violations
    assert [(v.code, v.line) for v in vs] == [("DL3059", 7)]


def test_pragma_must_be_directly_above_and_covers_multiline():
    src = "FROM a:1\nRUN a\n# hadolint ignore=DL3059\n\nRUN b\n"
    assert [v.code for v in lint_text(src, PINNED).violations] == ["DL3059"]
    src = "FROM a:1\n# hadolint ignore=DL3009\nRUN echo x \\\n && apt-get update\n"
    assert lint_text(src, PINNED).violations == []


def test_global_and_stage_and_own_pragmas():
    assert lint_text("FROM ubuntu\n# hadolint global ignore=DL3006\n", PINNED).violations == []
    src = "FROM a:1\n# hadolint stage ignore=DL3059\nFROM b:1\nRUN a\nRUN b\nFROM c:1\nRUN a\nRUN b\n"
    assert [v.line for v in lint_text(src, PINNED).violations] == [8]
    assert lint_text("# dockwise: ignore=untagged-image\nFROM ubuntu\n", PINNED).violations == []
    # a lower-case code: hadolint drops the whole pragma silently; we report it (DW101) and honour it
    assert [v.code for v in lint_text("# hadolint ignore=dl3006\nFROM ubuntu\n", PINNED).violations] == ["DW101"]


def test_disable_ignore_pragma():
    s = LintSettings.make(select=FIRST, disable_ignore_pragma=True)
    assert [v.code for v in lint_text("# hadolint ignore=DL3006\nFROM ubuntu\n", s).violations] == ["DL3006"]


def test_failing_rule_becomes_internal_error_and_others_run(monkeypatch, caplog):
    def boom(df, ctx):
        raise ValueError("kaput")

    meta = RuleMeta("DW998", "always-broken", "x", Severity.INFO, frozenset(), (), False, "", __name__)
    broken = Rule(meta, boom)
    monkeypatch.setattr(rules, "ALL_RULES", rules.ALL_RULES + (broken,))
    monkeypatch.setitem(rules._BY_KEY, "dw998", broken)
    with caplog.at_level(logging.ERROR, logger="dockwise.lint.engine"):
        vs = lint_model(parse("FROM ubuntu\n"), LintSettings.make(select=["DL3006", "DW998"]))
    assert [v.code for v in vs] == ["DW999", "DL3006"] or sorted(v.code for v in vs) == ["DL3006", "DW999"]
    err = [v for v in vs if v.code == "DW999"][0]
    assert "DW998" in err.message and "kaput" in err.message
    assert "rule DW998 failed" in caplog.text
