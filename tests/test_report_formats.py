"""Every report format, validated against its consumer's schema (tests/schemas/,
sources in tests/schemas/README.md), and the behaviour hadolint users rely on:
-o/--output, --file-path-in-report, format pairing, exit statuses."""
from __future__ import annotations

import json
import re
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from dockwise import PROJECT_URL
from dockwise.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "tests" / "schemas"

BAD = 'FROM ubuntu\nMAINTAINER me <a@b.c>\nRUN apt-get update\nRUN apt-get install -y "curl" && echo "<&>"\n'
SECOND = "FROM python:latest\nRUN pip install flask\n"
CLEAN = "FROM scratch\nCOPY app /app\n"


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / ".config"))
    for k in ("NO_COLOR", "FORCE_COLOR", "HADOLINT_FORMAT"):
        monkeypatch.delenv(k, raising=False)
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "Dockerfile").write_text(BAD)
    (tmp_path / "web.Dockerfile").write_text(SECOND)
    (tmp_path / "Containerfile").write_text(CLEAN)
    (tmp_path / ".dockerignore").write_text(".git\n")
    (tmp_path / "app" / ".dockerignore").write_text(".git\n")
    return tmp_path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(["lint", "--no-config", *argv])
    out, err = capsys.readouterr()
    return rc, out, err


def validator(name: str):
    try:
        from jsonschema.validators import validator_for
    except ImportError:
        from need import missing

        missing("jsonschema", "jsonschema not installed (it is in .[test])")
    schema = json.loads((SCHEMAS / name).read_text())
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def test_sarif_validates_against_the_oasis_schema_with_fingerprints_and_help(project, capsys):
    rc, out, _ = run(capsys, "-f", "sarif", ".")
    assert rc == 1
    log = json.loads(out)
    validator("sarif-schema-2.1.0.json").validate(log)
    run0 = log["runs"][0]
    results = run0["results"]
    assert results and all(set(r["partialFingerprints"]) == {"dockwiseFingerprint/v1"} for r in results)
    prints = [r["partialFingerprints"]["dockwiseFingerprint/v1"] for r in results]
    assert len(set(prints)) == len(prints)  # distinct, even for the two DL3008 on one line
    docs = (ROOT / "docs" / "rules.md").read_text()
    anchors = {m.group(1).lower() for m in re.finditer(r"^## (\S+)", docs, re.M)}
    for rule in run0["tool"]["driver"]["rules"]:
        uri = rule["helpUri"]
        assert uri == f"{PROJECT_URL}/blob/main/docs/rules.md#{rule['id'].lower()}"
        assert uri.rsplit("#", 1)[1] in anchors, f"{uri}: no such section in docs/rules.md"
    assert run0["tool"]["driver"]["informationUri"] == PROJECT_URL


def test_fingerprints_survive_lines_added_above(project, capsys):
    def prints() -> dict[tuple[str, str], str]:
        _, out, _ = run(capsys, "-f", "sarif", "app/Dockerfile")
        return {(r["ruleId"], r["message"]["text"]): r["partialFingerprints"]["dockwiseFingerprint/v1"]
                for r in json.loads(out)["runs"][0]["results"]}

    before = prints()
    (project / "app" / "Dockerfile").write_text("# syntax=docker/dockerfile:1\n\n# a comment\n" + BAD)
    after = prints()
    assert before == after  # same findings, same fingerprints, although every line moved
    _, out, _ = run(capsys, "-f", "gitlab_codeclimate", "app/Dockerfile")
    gl = {i["fingerprint"] for i in json.loads(out)}
    (project / "app" / "Dockerfile").write_text(BAD.replace("curl", "wget"))
    _, out, _ = run(capsys, "-f", "gitlab_codeclimate", "app/Dockerfile")
    changed = {i["fingerprint"] for i in json.loads(out)}
    assert gl != changed and gl & changed  # the edited line's findings are new, the others kept


def test_gitlab_code_quality(project, capsys):
    rc, out, _ = run(capsys, "-f", "gitlab_codeclimate", ".")
    assert rc == 1
    issues = json.loads(out)
    validator("gitlab-code-quality.schema.json").validate(issues)
    assert {i["location"]["path"] for i in issues} == {"app/Dockerfile", "web.Dockerfile"}
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    sev = {i["check_name"]: i["severity"] for i in issues}
    assert sev["DL4000"] == "blocker" and sev["DL3006"] == "major"  # hadolint's mapping


def test_codeclimate_is_nul_separated_and_never_fails(project, capsys):
    rc, out, _ = run(capsys, "-f", "codeclimate", ".")
    assert rc == 0  # hadolint: the codeclimate format always exits 0
    chunks = out.split("\0")
    assert chunks[-1] == ""
    v = validator("code-climate-issue.schema.json")
    for c in chunks[:-1]:
        v.validate(json.loads(c))
    assert len(chunks) - 1 == len(json.loads(run(capsys, "-f", "json", ".")[1]))


def test_sonarqube_generic_issues(project, capsys):
    rc, out, _ = run(capsys, "-f", "sonarqube", ".")
    assert rc == 1
    data = json.loads(out)
    validator("sonar-generic-issues.schema.json").validate(data)
    rule_ids = {r["id"] for r in data["rules"]}
    assert {i["ruleId"] for i in data["issues"]} == rule_ids  # every issue's rule is described
    dl3006 = next(i for i in data["issues"] if i["ruleId"] == "DL3006")
    # FROM ubuntu: the image is columns 5..11 (0-based, end exclusive)
    assert dl3006["primaryLocation"]["textRange"] == {"startLine": 1, "endLine": 1, "startColumn": 5,
                                                      "endColumn": 11}


def test_checkstyle_xml(project, capsys):
    try:
        import xmlschema
    except ImportError:
        from need import missing

        missing("xmlschema", "xmlschema not installed (it is in .[test])")
    rc, out, _ = run(capsys, "-f", "checkstyle", ".")
    assert rc == 1
    xmlschema.XMLSchema(str(SCHEMAS / "checkstyle.xsd")).validate(out)
    root = ET.fromstring(out)
    files = {f.get("name"): f for f in root.iter("file")}
    assert set(files) == {"Containerfile", "app/Dockerfile", "web.Dockerfile"}
    assert len(files["Containerfile"]) == 0
    msgs = [e.get("message") for e in files["app/Dockerfile"]]
    assert "MAINTAINER is deprecated" in msgs


def test_junit_xml(project, capsys):
    rc, out, _ = run(capsys, "-f", "junit", ".")
    assert rc == 1
    root = ET.fromstring(out)
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert suites["Containerfile"].get("failures") == "0"
    assert int(suites["app/Dockerfile"].get("failures") or -1) == len(suites["app/Dockerfile"].findall("testcase/failure"))


def test_gnu_codacy_github(project, capsys):
    _, out, _ = run(capsys, "-f", "gnu", "app/Dockerfile")
    assert "dockwise:app/Dockerfile:1.6-11: DL3006 warning: " in out
    assert all(re.match(r"dockwise:app/Dockerfile:\d+\.\d+(-\d+(\.\d+)?)?: [A-Z]+\d+ \w+: ", ln)
               for ln in out.splitlines())
    rc, out, _ = run(capsys, "-f", "codacy", "app/Dockerfile")
    assert rc == 0  # hadolint: codacy never fails
    objs = [json.loads(ln) for ln in out.splitlines()]
    assert objs and all(set(o) == {"filename", "line", "message", "patternId"} for o in objs)
    rc, out, _ = run(capsys, "-f", "github", "app/Dockerfile")
    assert rc == 1
    lines = out.splitlines()
    assert "::warning file=app/Dockerfile,line=1,col=6,endLine=1,endColumn=12,title=dockwise (DL3006)::" \
           "app/Dockerfile:1:6: DL3006 " in out
    assert any(ln.startswith("::error ") and "DL4000" in ln for ln in lines)
    assert all(re.match(r"::(error|warning|notice) file=[^,]+,line=\d+,col=\d+,endLine=\d+,endColumn=\d+,"
                        r"title=dockwise %28|\(", ln) or ln.startswith("::") for ln in lines)


def test_github_escapes_workflow_command_characters():
    from dockwise.lint.engine import Violation
    from dockwise.lint.report import FileReport, format_github
    from dockwise.rules._api import Severity
    from dockwise.syntax.model import Pos, Span

    v = Violation("DL1", "x", Severity.INFO, "50% done\nnext", Span(Pos(0, 0), Pos(0, 1)))
    out = format_github([FileReport("a,b:c", [v])])
    assert out == ("::notice file=a%2Cb%3Ac,line=1,col=1,endLine=1,endColumn=2,title=dockwise (DL1)::"
                   "a,b:c:1:1: DL1 50%25 done%0Anext\n")


def test_output_files_pair_with_formats_like_hadolint(project, capsys):
    rc, out, err = run(capsys, "-f", "json", "-o", "report.json", "-f", "sarif", "--output-file", "report.sarif",
                       "-f", "gnu", "app/Dockerfile")
    assert rc == 1
    assert out.startswith("dockwise:app/Dockerfile:")  # the third format has no file: stdout
    assert json.loads((project / "report.json").read_text())[0]["file"] == "app/Dockerfile"
    assert json.loads((project / "report.sarif").read_text())["version"] == "2.1.0"
    rc, out, _ = run(capsys, "-o", "plain.txt", "app/Dockerfile")  # an output without a format: tty
    assert out == "" and "app/Dockerfile:1:6: DL3006 warning:" in (project / "plain.txt").read_text()
    rc, _, err = run(capsys, "-f", "json", "-o", str(project / "missing" / "r.json"), "app/Dockerfile")
    assert rc == 2 and "cannot write the report" in err


def test_file_path_in_report(project, capsys):
    for fmt in ("checkstyle", "gitlab_codeclimate", "sonarqube", "junit", "codeclimate"):
        _, out, _ = run(capsys, "-f", fmt, "--file-path-in-report", "docker/Dockerfile", "app/Dockerfile")
        assert "docker/Dockerfile" in out and "app/Dockerfile" not in out, fmt
    _, out, _ = run(capsys, "-f", "json", "--file-path-in-report", "docker/Dockerfile", "app/Dockerfile")
    assert "app/Dockerfile" in out  # as hadolint: only the formats above


def test_unknown_format_exits_2_naming_it(project, capsys):
    rc, _, err = run(capsys, "-f", "xml", "app/Dockerfile")
    assert rc == 2 and "unknown output format 'xml'" in err
    (project / ".hadolint.yaml").write_text("format: yaml\n")
    rc = main(["lint", "app/Dockerfile"])
    out, err = capsys.readouterr()
    assert rc == 2 and ".hadolint.yaml:1:" in err and "'yaml'" in err and out == ""
    (project / ".hadolint.yaml").write_text("format: checkstyle\n")
    rc = main(["lint", "app/Dockerfile"])
    assert rc == 1 and capsys.readouterr().out.startswith("<?xml")  # a known format from the config is used


def test_hadolint_format_env(project, capsys, monkeypatch):
    monkeypatch.setenv("HADOLINT_FORMAT", "gnu")
    rc = main(["lint", "app/Dockerfile"])
    assert rc == 1 and capsys.readouterr().out.startswith("dockwise:app/Dockerfile:")
    monkeypatch.setenv("HADOLINT_FORMAT", "nope")
    rc = main(["lint", "app/Dockerfile"])
    assert rc == 2 and "HADOLINT_FORMAT: unknown output format 'nope'" in capsys.readouterr().err


def test_project_urls_are_the_links_everywhere():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert meta["urls"]["Homepage"] == PROJECT_URL
    assert all(u.startswith(PROJECT_URL) for u in meta["urls"].values())
    pkg = json.loads((ROOT / "vscode-client" / "package.json").read_text())
    assert pkg["repository"]["url"].removesuffix(".git") == PROJECT_URL
    from dockwise import rules as registry

    assert all(r.meta.url.startswith(f"{PROJECT_URL}/blob/main/docs/rules.md#") for r in registry.ALL_RULES)
