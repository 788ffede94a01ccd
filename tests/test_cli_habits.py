"""Habits users bring from ruff and friends: discovery by name in any case,
.gitignore, --exclude/--extend-exclude, FORCE_COLOR/NO_COLOR, the fixable count
in the summary, --statistics, -q; shell completion; packaging metadata."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from dockwise.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
FIXABLE = "FROM ubuntu:latest\nMAINTAINER me\n"  # DL3007 (safe fix), DL4000 (fix), ...
CLEAN = "FROM scratch\nCOPY app /app\n"


@pytest.fixture
def tree(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for k in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(k, raising=False)
    files = {
        "dockerfile": CLEAN,
        "Dockerfile-dev": CLEAN,
        "Dockerfile.prod": CLEAN,
        "svc/api.dockerfile": CLEAN,
        "svc/web.Dockerfile": CLEAN,
        "svc/Containerfile.arm64": CLEAN,
        "svc/CONTAINERFILE": CLEAN,
        "docs/Dockerfile.md": "# not a Dockerfile\n",
        "Dockerfile.prod.orig": "garbage <<<<<<<\n",
        "Dockerfile.dockerignore": "*.tmp\n",
        "Dockerfile~": "backup\n",
        "build/Dockerfile": CLEAN,
        "vendor/lib/Dockerfile": CLEAN,
        "vendor/keep/Dockerfile": CLEAN,
        "gen/Dockerfile.generated": CLEAN,
    }
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    (tmp_path / ".gitignore").write_text("# build output\n/build/\nvendor/*\n!vendor/keep/\n*.generated\n")
    return tmp_path


def found(capsys, *argv: str) -> list[str]:
    rc = main(["lint", "--no-config", "-f", "json", "--statistics", *argv])  # statistics: no findings needed
    capsys.readouterr()
    from dockwise.lint.discover import Filters, expand_paths

    exclude = extend = None
    args = list(argv)
    if "--exclude" in args:
        exclude = args[args.index("--exclude") + 1].split(",")
    if "--extend-exclude" in args:
        extend = args[args.index("--extend-exclude") + 1].split(",")
    files, _ = expand_paths(["."], Filters(exclude=exclude, extend_exclude=extend or (),
                                           respect_gitignore="--no-respect-gitignore" not in args))
    assert rc in (0, 1)
    return sorted(files)


def test_discovery_names_any_case_and_gitignore(tree, capsys):
    assert found(capsys) == sorted([
        "Dockerfile-dev", "Dockerfile.prod", "dockerfile", os.path.join("svc", "CONTAINERFILE"),
        os.path.join("svc", "Containerfile.arm64"), os.path.join("svc", "api.dockerfile"),
        os.path.join("svc", "web.Dockerfile"), os.path.join("vendor", "keep", "Dockerfile"),
    ])


def test_lint_reports_exactly_the_discovered_files(tree, capsys):
    (tree / "Dockerfile.prod").write_text(FIXABLE)
    (tree / "build" / "Dockerfile").write_text(FIXABLE)  # git-ignored: never linted
    rc = main(["lint", "--no-config", "-f", "json", "."])
    data = json.loads(capsys.readouterr().out)
    assert rc == 1 and {d["file"] for d in data} == {"Dockerfile.prod"}


def test_no_respect_gitignore_and_excludes(tree, capsys):
    everything = found(capsys, "--no-respect-gitignore")
    assert os.path.join("build", "Dockerfile") in everything and os.path.join("gen", "Dockerfile.generated") in everything
    assert os.path.join("vendor", "lib", "Dockerfile") in everything
    got = found(capsys, "--extend-exclude", "svc/*.dockerfile,Dockerfile-*")
    assert os.path.join("svc", "api.dockerfile") not in got and "Dockerfile-dev" not in got
    assert os.path.join("svc", "web.Dockerfile") in got


def test_exclude_replaces_the_default_directory_list(tree, capsys):
    (tree / "node_modules" / "pkg").mkdir(parents=True)
    (tree / "node_modules" / "pkg" / "Dockerfile").write_text(CLEAN)
    assert os.path.join("node_modules", "pkg", "Dockerfile") not in found(capsys)
    got = found(capsys, "--exclude", "svc")
    assert os.path.join("node_modules", "pkg", "Dockerfile") in got
    assert not any(p.startswith("svc") for p in got)


def test_gitignore_is_read_safely(tree, capsys, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    (outside / ".gitignore").write_text("*\n")  # above the current directory: never read
    inner = tree / "svc"
    (inner / ".gitignore").write_bytes(b"web.Dockerfile\n\xff\xfe binary-ish but no NUL\n")
    got = found(capsys)
    assert os.path.join("svc", "web.Dockerfile") not in got and os.path.join("svc", "api.dockerfile") in got
    (inner / ".gitignore").unlink()
    os.symlink(outside / ".gitignore", inner / ".gitignore")  # a link: not followed
    assert os.path.join("svc", "web.Dockerfile") in found(capsys)


def test_gitignore_of_folders_between_cwd_and_the_searched_folder(tree, capsys, monkeypatch):
    (tree / "svc" / ".gitignore").write_text("api.*\n")
    from dockwise.lint.discover import iter_dockerfiles

    monkeypatch.chdir(tree)
    assert os.path.join("svc", "api.dockerfile") not in list(iter_dockerfiles("svc"))
    (tree / ".gitignore").write_text("svc/web.Dockerfile\n")
    sub = list(iter_dockerfiles("svc"))
    assert os.path.join("svc", "web.Dockerfile") not in sub and os.path.join("svc", "CONTAINERFILE") in sub


def test_explicit_files_are_linted_whatever_excludes_say(tree, capsys):
    (tree / "build" / "Dockerfile").write_text(FIXABLE)
    rc = main(["lint", "--no-config", "--extend-exclude", "build", "-f", "json", "build/Dockerfile"])
    assert rc == 1 and json.loads(capsys.readouterr().out)


def test_summary_counts_fixable(tree, capsys):
    (tree / "Dockerfile.prod").write_text(FIXABLE)
    main(["lint", "--no-config", "Dockerfile.prod"])
    err = capsys.readouterr().err.strip()
    assert err.startswith("Found ") and " fixable with `--fix`." in err
    n = int(err.split(" fixable with")[0].rsplit(" ", 1)[1])
    main(["fix", "--no-config", "Dockerfile.prod"])
    fixed = capsys.readouterr().err
    assert f"Fixed {n} problem" in fixed


def test_quiet_and_statistics(tree, capsys):
    (tree / "Dockerfile.prod").write_text(FIXABLE + "RUN echo a\nRUN echo b\nRUN echo c\n")
    assert main(["lint", "--no-config", "-q", "Dockerfile.prod"]) == 1
    out, err = capsys.readouterr()
    assert out and err == ""
    assert main(["lint", "--no-config", "--statistics", "Dockerfile.prod"]) == 1
    out, _ = capsys.readouterr()
    rows = [ln.split("\t") for ln in out.splitlines()]
    assert rows[0][:2] == ["2", "DL3059"] and rows[0][2].endswith("consecutive-run")
    assert main(["lint", "--no-config", "--statistics", "-f", "json", "Dockerfile.prod"]) == 1
    stats = json.loads(capsys.readouterr().out)
    assert {"code": "DL3059", "name": "consecutive-run", "count": 2, "fixable": True} in stats


def test_colour_follows_force_color_and_no_color(tree, capsys, monkeypatch):
    (tree / "Dockerfile.prod").write_text(FIXABLE)
    main(["lint", "--no-config", "Dockerfile.prod"])
    assert "\x1b[" not in capsys.readouterr().out  # not a terminal
    monkeypatch.setenv("FORCE_COLOR", "1")
    main(["lint", "--no-config", "Dockerfile.prod"])
    assert "\x1b[" in capsys.readouterr().out
    monkeypatch.setenv("NO_COLOR", "1")
    main(["lint", "--no-config", "Dockerfile.prod"])
    assert "\x1b[" not in capsys.readouterr().out
    monkeypatch.delenv("NO_COLOR")
    main(["lint", "--no-config", "--no-color", "Dockerfile.prod"])
    assert "\x1b[" not in capsys.readouterr().out


# -- completion ------------------------------------------------------------------------------


def _complete(script: Path, words: list[str]) -> list[str]:
    """Source the script in a real bash and ask it to complete the last word."""
    words_q = " ".join("'" + w.replace("'", "'\\''") + "'" for w in words)
    code = (f"source {script}\nCOMP_WORDS=({words_q})\nCOMP_CWORD={len(words) - 1}\n"
            "COMP_LINE=\"${COMP_WORDS[*]}\"\nCOMP_POINT=${#COMP_LINE}\n"
            "$(complete -p dockwise | sed -E 's/.* -F ([^ ]+) .*/\\1/') dockwise \"${COMP_WORDS[-1]}\" "
            "\"${COMP_WORDS[-2]}\"\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n")
    p = subprocess.run(["bash", "--norc", "--noprofile", "-c", code], capture_output=True, text=True, timeout=30,
                       cwd=script.parent)
    assert p.returncode == 0, p.stderr
    return [ln for ln in p.stdout.splitlines() if ln]


def test_bash_completion_in_a_real_bash(tmp_path, capsys):
    if not any(os.access(os.path.join(d, "bash"), os.X_OK) for d in os.environ.get("PATH", "").split(os.pathsep)):
        print("bash not found; cannot test the completion script")
        from need import missing

        missing("bash", "no bash")
    assert main(["completion", "bash"]) == 0
    script = tmp_path / "dockwise.bash"
    script.write_text(capsys.readouterr().out)
    (tmp_path / "Dockerfile.web").write_text(CLEAN)
    assert _complete(script, ["dockwise", "li"]) == ["lint"]
    assert "completion" in _complete(script, ["dockwise", "comp"])
    assert sorted(_complete(script, ["dockwise", "lint", "--fo"])) == ["--force-exclude", "--format"]
    assert _complete(script, ["dockwise", "lint", "--form"]) == ["--format"]
    assert sorted(_complete(script, ["dockwise", "lint", "-f", "gi"])) == ["github", "gitlab_codeclimate"]
    assert _complete(script, ["dockwise", "--failure-t"]) == ["--failure-threshold"]  # hadolint style
    assert _complete(script, ["dockwise", "-t", "w"]) == ["warning"]
    assert _complete(script, ["dockwise", "fix", "--uns"]) == ["--unsafe-fixes"]
    assert _complete(script, ["dockwise", "lint", "Dockerfile.w"]) == ["Dockerfile.web"]
    assert _complete(script, ["dockwise", "completion", "z"]) == ["zsh"]


def test_zsh_and_fish_scripts(capsys):
    assert main(["completion", "zsh"]) == 0
    zsh = capsys.readouterr().out
    assert zsh.startswith("#compdef dockwise") and "bashcompinit" in zsh and "complete -o filenames" in zsh
    assert main(["completion", "fish"]) == 0
    fish = capsys.readouterr().out
    assert "complete -c dockwise -n '__fish_seen_subcommand_from lint; or not __fish_seen_subcommand_from" in fish
    assert "-s f -l format -x -a 'tty json checkstyle" in fish
    for shell, text in (("zsh", zsh), ("fish", fish)):
        exe = next((os.path.join(d, shell) for d in os.environ.get("PATH", "").split(os.pathsep)
                    if os.access(os.path.join(d, shell), os.X_OK)), None)
        if exe is None:
            print(f"{shell} not installed: its script is checked for shape only")
            continue
        p = subprocess.run([exe, "-n"], input=text, capture_output=True, text=True, timeout=30)
        assert p.returncode == 0, p.stderr


# -- packaging ------------------------------------------------------------------------------


def test_sdist_and_wheel_carry_the_license_and_metadata(tmp_path):
    """PEP 639: the licence expression and LICENSE in both distributions, built
    the way a release is (python -m build: the wheel is built from the sdist,
    with the build requirements pyproject.toml pins)."""
    try:
        import build  # noqa: F401
    except ImportError:
        from need import missing

        missing("build", "the 'build' package (in .[test]) is not installed")
    p = subprocess.run([sys.executable, "-m", "build", "--outdir", str(tmp_path), str(ROOT)],
                       capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    (whl,) = tmp_path.glob("dockwise-*.whl")
    z = zipfile.ZipFile(whl)
    names = z.namelist()
    lic = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
    assert lic, names
    assert "Apache License" in z.read(lic[0]).decode()
    meta = z.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "License-Expression: Apache-2.0" in meta and "License-File: LICENSE" in meta
    assert "Requires-Python: >=3.11" in meta
    assert "Classifier: Programming Language :: Python :: 3.11" in meta
    assert "Project-URL: Homepage, https://" in meta
    assert "Classifier: License ::" not in meta  # PEP 639: the expression replaces licence classifiers
    (sdist,) = tmp_path.glob("dockwise-*.tar.gz")
    with tarfile.open(sdist) as tf:
        members = tf.getnames()
        pkg_info = tf.extractfile(next(m for m in members if m.count("/") == 1 and m.endswith("/PKG-INFO")))
        assert pkg_info is not None and "License-Expression: Apache-2.0" in pkg_info.read().decode()
    assert any(m.endswith("/LICENSE") and m.count("/") == 1 for m in members), members
