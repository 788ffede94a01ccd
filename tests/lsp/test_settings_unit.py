"""dockwise.editor.settings: lenient parsing, both payload shapes, schema in step."""
from __future__ import annotations

import dataclasses

import pytest

from dockwise.lint.engine import LintSettings
from dockwise.editor.settings import SETTINGS_SCHEMA, Settings, attr_name, merge_payloads


def test_defaults():
    s = Settings.from_dict(None)
    assert s == Settings()
    assert (s.select, s.ignore, s.extendSelect, s.severity) == (None, [], [], {})
    assert (s.debounceMs, s.diagnosticMode, s.logLevel) == (0, "auto", "info")
    assert s.warnings == []


def test_schema_matches_dataclass():
    names = [f.name for f in dataclasses.fields(Settings) if f.name != "warnings"]
    assert [attr_name(row.name) for row in SETTINGS_SCHEMA] == names
    defaults = Settings()
    for row in SETTINGS_SCHEMA:
        assert row.default == getattr(defaults, attr_name(row.name)), row.name
        assert row.description.strip()
        if row.enum is not None:
            assert row.default in row.enum


@pytest.mark.parametrize("wrap", [False, True])
def test_flat_and_wrapped(wrap):
    d = {
        "select": ["DL3006", "DL3007"],
        "ignore": ["DL3007"],
        "extendSelect": ["tag:apt"],
        "severity": {"DL3006": "Error", "DL4000": "hint"},
        "debounceMs": 0,
        "diagnosticMode": "PULL",
        "logLevel": "debug",
    }
    s = Settings.from_dict({"dockwise": d} if wrap else d)
    assert s.warnings == []
    assert s.select == ["DL3006", "DL3007"]
    assert s.ignore == ["DL3007"]
    assert s.extendSelect == ["tag:apt"]
    assert s.severity == {"DL3006": "error", "DL4000": "style"}
    assert (s.debounceMs, s.diagnosticMode, s.logLevel) == (0, "pull", "debug")
    assert s.to_dict()["diagnosticMode"] == "pull"


def test_snake_case_and_strings():
    s = Settings.from_dict({"extend_select": "DL3006, DL3007", "debounce_ms": "250", "ignore": "DL4000"})
    assert s.extendSelect == ["DL3006", "DL3007"]
    assert s.ignore == ["DL4000"]
    assert s.debounceMs == 250
    assert s.warnings == []


@pytest.mark.parametrize(
    "key,value,expected",
    [
        ("select", 5, None),
        ("ignore", {"a": 1}, []),
        ("extendSelect", 3.5, []),
        ("severity", ["DL3006"], {}),
        ("debounceMs", "soon", 0),
        ("debounceMs", True, 0),
        ("debounceMs", -5, 0),
        ("debounceMs", 10**9, 10_000),
        ("debounceMs", None, 0),
        ("diagnosticMode", "sometimes", "auto"),
        ("diagnosticMode", 1, "auto"),
        ("logLevel", "loud", "info"),
    ],
)
def test_bad_values_fall_back_with_a_warning(key, value, expected):
    s = Settings.from_dict({key: value})
    assert getattr(s, key) == expected
    assert len(s.warnings) == 1 and key in s.warnings[0]


def test_null_means_default():
    s = Settings.from_dict({"select": None, "ignore": None, "extendSelect": None, "severity": None})
    assert s == Settings() and s.warnings == []


def test_bad_entries_are_dropped_individually():
    s = Settings.from_dict({"ignore": ["DL3006", 7, ""], "severity": {"DL3006": "loud", "DL3007": "warn", "": "error"}})
    assert s.ignore == ["DL3006"]
    assert s.severity == {"DL3007": "warning"}
    assert len(s.warnings) == 3


@pytest.mark.parametrize("payload", [[], "x", 3, {"dockwise": 5}, {"unknown": 1}])
def test_never_raises(payload):
    s = Settings.from_dict(payload)
    assert s == Settings()


def test_merge_payloads_later_wins_and_normalises_keys():
    merged = merge_payloads({"ignore": ["A"], "debounce_ms": 5}, None, {"dockwise": {"debounceMs": 7}}, "junk")
    assert merged == {"ignore": ["A"], "debounceMs": 7}


def test_looks_like_settings():
    assert Settings.looks_like_settings({"dockwise": {}})
    assert Settings.looks_like_settings({"ignore": []})
    assert not Settings.looks_like_settings({"python": {}})
    assert not Settings.looks_like_settings(None)
    assert not Settings.looks_like_settings([])


def test_to_lint_settings():
    s = Settings.from_dict({"select": ["DL30"], "extendSelect": ["DL4000"], "ignore": ["DL3007"],
                            "severity": {"DL3006": "error"}})
    ls = s.to_lint_settings()
    assert isinstance(ls, LintSettings)
    assert ls == LintSettings.make(select=["DL30"], extend_select=["DL4000"], ignore=["DL3007"],
                                   severity={"DL3006": "error"})
    assert Settings().to_lint_settings() == LintSettings()


def test_nested_and_dotted_image_settings():
    s = Settings.from_dict({"dockwise": {"images": {"online": False, "platform": "Linux/ARM64"}, "unsafeFixes": True}})
    assert s.warnings == []
    assert (s.images_online, s.images_platform, s.images_inlayHints, s.unsafeFixes) == (False, "linux/arm64", True, True)
    flat = Settings.from_dict({"images.inlayHints": "off", "images.platform": None})
    assert flat.warnings == [] and flat.images_inlayHints is False and flat.images_platform is None
    assert Settings.from_dict(flat.to_dict()) == flat
    bad = Settings.from_dict({"images": {"online": "maybe", "platform": "x86", "colour": 1}})
    assert bad.images_online is True and bad.images_platform is None
    assert len(bad.warnings) == 3 and any("images.colour" in w for w in bad.warnings)
    # layering nested payloads keeps the keys of both
    merged = merge_payloads({"images": {"online": False}}, {"dockwise": {"images": {"platform": "linux/arm64"}}})
    s2 = Settings.from_dict(merged)
    assert (s2.images_online, s2.images_platform) == (False, "linux/arm64")
