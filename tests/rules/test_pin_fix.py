"""DL3006 / DL3007 fixes: pin the version `latest` stands for in the image table."""
from __future__ import annotations

import pytest
from fixutil import declined, fixed

from dockwise.images import catalog as images
from dockwise.lint.engine import LintSettings
from dockwise.lint.fixes import fix_text
from dockwise.syntax.parser import parse
from dockwise.rules.dl3007_latest_tag import current_tag


def _latest(repo):
    return images.size_table()["images"][repo]["latest"]


def _current(image: str) -> str:
    """``current_tag`` of ``FROM image``; fails the test when there is none."""
    ref = parse(f"FROM {image}\n").stages[0].base
    assert ref is not None, f"FROM {image}: no image reference"
    tag = current_tag(ref)
    assert tag is not None, f"{image}: no current tag in the table"
    return tag


def test_current_tag_follows_the_table():
    # the alias when the table names one (python:latest is python:3.14 in the snapshot)
    assert _current("python") == _latest("python")["alias_of"]
    assert _current("debian") == _latest("debian")["alias_of"]
    # else the shortest listed version the resolved version starts with
    assert _latest("node")["resolved_version"].startswith(_current("node") + ".")
    assert _current("ubuntu") == _latest("ubuntu")["resolved_version"]


@pytest.mark.parametrize(
    "code, src, want",
    [
        ("DL3007", "FROM ubuntu:latest\n", "FROM ubuntu:26.04\n"),
        ("DL3007", "FROM docker.io/library/python:latest AS base\n", "FROM docker.io/library/python:3.14 AS base\n"),
        ("DL3007", "FROM --platform=linux/arm64 node:latest\n", "FROM --platform=linux/arm64 node:26\n"),
        ("DL3006", "FROM python\nRUN echo hi\n", "FROM python:3.14\nRUN echo hi\n"),
        ("DL3006", "FROM debian AS b\nFROM b\n", "FROM debian:trixie AS b\nFROM b\n"),
        ("DL3006", "# escape=`\nFROM golang\n", "# escape=`\nFROM golang:1.26\n"),
    ],
)
def test_pinned(code, src, want):
    assert fixed(src, code) == ("unsafe", want)


def test_crlf_fix_all_pins_every_stage():
    src = "FROM ubuntu AS a\r\nFROM node:latest\r\nCOPY --from=a /x /x\r\n"
    settings = LintSettings.make(select=["DL3006", "DL3007"])
    assert fix_text(src, settings).text == src  # unsafe only
    res = fix_text(src, settings, unsafe=True)
    assert res.text == "FROM ubuntu:26.04 AS a\r\nFROM node:26\r\nCOPY --from=a /x /x\r\n"
    assert not res.remaining


@pytest.mark.parametrize(
    "code, src",
    [
        ("DL3006", "FROM example/app\n"),  # not an official image: unknown
        ("DL3006", "FROM alpine\n"),  # the table lists no version for alpine's latest
        ("DL3007", "FROM registry.example.com/python:latest\n"),
        ("DL3006", "ARG BASE=python\nFROM $BASE\n"),  # built from a variable
        ("DL3007", "ARG V=latest\nFROM python:${V}\n"),
    ],
)
def test_declined(code, src):
    assert declined(src, code)


def test_digest_and_stage_names_are_not_flagged():
    assert not fix_text("FROM python:latest@sha256:" + "a" * 64 + "\nFROM python:3 AS b\nFROM b\n",
                        LintSettings.make(select=["DL3006", "DL3007"]), unsafe=True).applied


def test_current_tag_follows_a_chain_of_aliases(monkeypatch):
    # a refreshed table may list latest -> 3 -> 3.14: the pin is the version at the end of the chain
    table = {"images": {"python": {"latest": {"alias_of": "3"}, "3": {"alias_of": "3.14"}, "3.14": {}},
                        "loop": {"latest": {"alias_of": "a"}, "a": {"alias_of": "b"}, "b": {"alias_of": "a"}}}}
    monkeypatch.setattr(images, "size_table", lambda: table)
    assert _current("python") == "3.14"
    assert _current("loop") == "a"  # a cycle ends where it closes
    assert fixed("FROM python:latest\n", "DL3007") == ("unsafe", "FROM python:3.14\n")
