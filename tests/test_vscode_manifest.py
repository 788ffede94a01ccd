"""The VS Code extension's contributed settings match the server's schema."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from dockwise.editor.settings import SETTINGS_SCHEMA, Settings
from dockwise.cli.vscode_manifest import CLIENT_SETTINGS, PACKAGE_JSON, README, main

ROOT = Path(__file__).resolve().parents[1]


def _props() -> dict:
    return json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))["contributes"]["configuration"]["properties"]


def test_package_json_is_up_to_date():
    assert main(["--check"]) == 0, "run: python -m dockwise.cli.vscode_manifest --write"


def test_every_server_setting_is_contributed_with_its_default_and_choices():
    props = _props()
    for s in SETTINGS_SCHEMA:
        p = props[f"dockwise.{s.name}"]
        assert p["default"] == s.default, s.name
        assert p["type"] == (list(s.type) if isinstance(s.type, tuple) else s.type), s.name
        assert p.get("enum") == (list(s.enum) if s.enum else None), s.name
        assert p["markdownDescription"] == s.description
    for name in CLIENT_SETTINGS:
        assert f"dockwise.{name}" in props
    assert len(props) == len(SETTINGS_SCHEMA) + len(CLIENT_SETTINGS)


def test_the_contributed_defaults_are_the_servers_defaults():
    """What the extension sends when the user set nothing (package.json defaults,
    dotted names nested as VS Code does) is read by the server without complaint."""
    payload: dict = {}
    for key, p in _props().items():
        name = key.removeprefix("dockwise.")
        if name in CLIENT_SETTINGS:
            continue
        head, _, tail = name.partition(".")
        if tail:
            payload.setdefault(head, {})[tail] = p["default"]
        else:
            payload[name] = p["default"]
    got = Settings.from_dict(payload)
    assert got.warnings == []
    assert got == Settings()
    assert Settings.from_dict({"dockwise": payload}) == Settings()


def test_client_only_settings_agree_with_the_typescript_client():
    ts = (ROOT / "vscode-client" / "src" / "settings.ts").read_text(encoding="utf-8")
    m = re.search(r"export const CLIENT_ONLY = \[([^\]]*)\]", ts)
    assert m, "CLIENT_ONLY not found in src/settings.ts"
    assert re.findall(r'"([^"]+)"', m.group(1)) == list(CLIENT_SETTINGS)


def test_check_reports_drift_and_write_repairs_it_keeping_the_rest(tmp_path, capsys):
    copy, readme = tmp_path / "package.json", tmp_path / "README.md"
    shutil.copy(PACKAGE_JSON, copy)
    readme.write_text(README.read_text(encoding="utf-8").replace("`dockwise.images.online`", "`dockwise.images.offline`"))
    data = json.loads(copy.read_text(encoding="utf-8"))
    del data["contributes"]["configuration"]["properties"]["dockwise.images.online"]
    data["contributes"]["configuration"]["properties"]["dockwise.gone"] = {"type": "string"}
    copy.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")

    args = ["--package-json", str(copy), "--readme", str(readme)]
    assert main(["--check", *args]) == 1
    err = capsys.readouterr().err
    assert f"{copy} is out of date" in err and f"{readme} is out of date" in err
    assert main(["--write", *args]) == 0
    assert main(["--check", *args]) == 0
    assert copy.read_text(encoding="utf-8") == PACKAGE_JSON.read_text(encoding="utf-8")
    assert readme.read_text(encoding="utf-8") == README.read_text(encoding="utf-8")


def test_readme_lists_every_contributed_setting():
    text = README.read_text(encoding="utf-8")
    for key in _props():
        assert f"| `{key}` |" in text


def test_language_contribution_adds_names_to_the_builtin_dockerfile_language():
    data = json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))
    langs = {lang["id"]: lang for lang in data["contributes"]["languages"]}
    docker = langs["dockerfile"]
    # only names are added: no aliases, grammar or language configuration that would compete with VS Code's own
    assert set(docker) == {"id", "filenames", "filenamePatterns"}
    assert "Containerfile" in docker["filenames"]
    for pattern in ("Dockerfile.*", "*.Dockerfile", "*.dockerfile", "Containerfile.*", "*.Containerfile"):
        assert pattern in docker["filenamePatterns"]
    # BuildKit's per-Dockerfile ignore files (Dockerfile.dockerignore) stay ignore files:
    # VS Code prefers the longer matching pattern
    assert "*.dockerignore" in langs["ignore"]["filenamePatterns"]
    assert data["activationEvents"] == ["onLanguage:dockerfile"]
