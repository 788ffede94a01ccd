"""The VS Code extension's settings (``contributes.configuration`` in
``vscode-client/package.json`` and the table in ``vscode-client/README.md``),
generated from :data:`dockwise.editor.settings.SETTINGS_SCHEMA` plus the settings only
the extension reads (interpreter, path, trace).

``python -m dockwise.cli.vscode_manifest --check`` fails when either drifted (the
test suite runs it); ``--write`` regenerates them and leaves the rest of both
files as it is. The extension sends every ``dockwise.*`` property that
is not client-only to the server, so a setting added to the schema reaches the
server once this is re-run.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_JSON = ROOT / "vscode-client" / "package.json"
README = ROOT / "vscode-client" / "README.md"
START, END = "<!-- settings:start -->", "<!-- settings:end -->"
TITLE = "dockwise"
# one language server per window: settings it honours per workspace folder
# (it asks for them with each folder's scopeUri) are "resource", the others
# "window", so VS Code's UI offers folder values only where they work
SCOPE = "window"

_ARGV = {"type": "array", "items": {"type": "string"}, "default": []}
# names without the "dockwise." prefix; src/settings.ts has the same list
CLIENT_SETTINGS: dict[str, dict[str, Any]] = {
    "interpreter": {
        **_ARGV,
        "markdownDescription": "Python interpreter (and arguments) that runs the bundled server, e.g. "
        '`["/usr/bin/python3.12"]`. Empty: the Python extension\'s active interpreter when that '
        "extension is installed, else `python3` (`python` on Windows). The bundled server runs on the CPython versions and platform the package was built for (3.11–3.14 by default; see `bundled/bundle.json`).",
    },
    "path": {
        **_ARGV,
        "markdownDescription": "Command of an installed dockwise to run instead of the bundled one, e.g. "
        '`["/usr/local/bin/dockwise"]` (`serve` is appended). Overrides `dockwise.interpreter`.',
    },
    "trace.server": {
        "type": "string",
        "enum": ["off", "messages", "verbose"],
        "default": "off",
        "markdownDescription": "Trace the messages between VS Code and the server in the `dockwise` "
        "output channel.",
    },
}


def _json_type(t: str | tuple[str, ...]) -> str | list[str]:
    return list(t) if isinstance(t, tuple) else t


def setting_property(spec: Any) -> dict[str, Any]:
    """One ``contributes.configuration.properties`` entry for a SettingSpec."""
    types = spec.type if isinstance(spec.type, tuple) else (spec.type,)
    prop: dict[str, Any] = {"type": _json_type(spec.type)}
    if "array" in types:
        prop["items"] = {"type": "string"}
    if "object" in types:
        prop["additionalProperties"] = {"type": "string"}
    if spec.enum:
        prop["enum"] = list(spec.enum)
    prop["default"] = spec.default
    prop["markdownDescription"] = spec.description
    return prop


def configuration() -> dict[str, Any]:
    """The whole ``contributes.configuration`` object."""
    from dockwise.editor.settings import SECTION, SETTINGS_SCHEMA

    props: dict[str, Any] = {}
    rows = [(s.name, setting_property(s), s.scope) for s in SETTINGS_SCHEMA]
    rows += [(name, prop, SCOPE) for name, prop in CLIENT_SETTINGS.items()]
    for order, (name, prop, scope) in enumerate(rows):
        props[f"{SECTION}.{name}"] = {**prop, "scope": scope, "order": order}
    return {"title": TITLE, "properties": props}


def render(package: dict[str, Any]) -> str:
    """package.json text with a fresh ``contributes.configuration``."""
    package.setdefault("contributes", {})["configuration"] = configuration()
    return json.dumps(package, indent=2, ensure_ascii=False) + "\n"


def settings_table() -> str:
    """Markdown table of every contributed setting (for the extension's README)."""
    rows = ["| setting | default | meaning |", "|---|---|---|"]
    for key, p in configuration()["properties"].items():
        default = "all default rules" if key == "dockwise.select" else f"`{json.dumps(p['default'])}`"
        desc = p["markdownDescription"].replace("|", "\\|")
        if p.get("enum"):
            desc += " One of " + ", ".join(f"`{e}`" for e in p["enum"]) + "."
        rows.append(f"| `{key}` | {default} | {desc} |")
    return "\n".join(rows)


def render_readme(text: str) -> str:
    if START not in text or END not in text:
        raise ValueError(f"no {START} … {END} markers")
    head, rest = text.split(START, 1)
    return f"{head}{START}\n{settings_table()}\n{END}{rest.split(END, 1)[1]}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m dockwise.cli.vscode_manifest", description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--write", action="store_true", help="update vscode-client/package.json and README.md")
    ap.add_argument("--check", action="store_true", help="exit 1 when either is out of date")
    ap.add_argument("--package-json", type=Path, default=PACKAGE_JSON, help=argparse.SUPPRESS)
    ap.add_argument("--readme", type=Path, default=README, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    targets = {a.package_json: lambda old: render(json.loads(old)), a.readme: render_readme}
    stale = []
    for path, make in targets.items():
        try:
            old = path.read_text(encoding="utf-8")
            new = make(old)
        except (OSError, ValueError) as exc:
            print(f"{path}: {exc}", file=sys.stderr)
            return 2
        if new != old:
            stale.append(path)
            if a.write:
                path.write_text(new, encoding="utf-8")
    if stale and not a.write:
        for path in stale:
            print(f"{path} is out of date: run python -m dockwise.cli.vscode_manifest --write", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
