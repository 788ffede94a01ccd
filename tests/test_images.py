"""The offline image knowledge: sizes, smaller variants, end of life, non-root bases."""
import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dockwise.images import catalog as images
from dockwise.syntax.model import ImageRef
from dockwise.syntax.parser import parse

DATA = Path(images.__file__).parent / "data"


def ref(text: str) -> ImageRef:
    base = parse(f"FROM {text}\n").stages[0].base
    assert base is not None, f"FROM {text}: no image reference"
    return base


def size(text: str, platform: str | None = images.DEFAULT_PLATFORM) -> images.SizeInfo:
    """``images.lookup`` of ``FROM text``; fails the test when the size is unknown."""
    info = images.lookup(ref(text), platform)
    assert info is not None, f"{text} {platform}: no size"
    return info


def eol_of(text: str) -> images.EolEntry:
    """``images.eol_entry`` of ``FROM text``; fails the test when nothing is known."""
    e = images.eol_entry(ref(text))
    assert e is not None, f"{text}: no end-of-life fact"
    return e


# -- data files ----------------------------------------------------------------------------


def test_size_table_keeps_dates_and_attribution():
    t = images.size_table()
    assert t["source"] == "docker-library/repo-info"
    assert "docker-library/repo-info" in t["attribution"]
    assert t["as_of_range"]["oldest"] <= t["as_of_range"]["newest"]
    for name, tags in t["images"].items():
        for tag, e in tags.items():
            assert re.fullmatch(r"\d{4}-\d\d-\d\d", e["as_of"]), (name, tag)
            assert e["commit"] and e["source_file"], (name, tag)
            assert all(isinstance(n, int) and n > 0 for n in e["platforms"].values()), (name, tag)


def test_eol_table_has_dates_and_sources():
    t = images.eol_table()
    assert {"python", "node", "go", "ruby", "php", "temurin", "openjdk-image", "ubuntu", "debian", "alpine",
            "centos", "fedora"} <= set(t["products"])
    for key, p in t["products"].items():
        assert p["source"].startswith("https://"), key
        assert p["images"], key
        for cycle, v in p["cycles"].items():
            d = v if isinstance(v, str) else v["eol"]
            dt.date.fromisoformat(d)
        if "any_tag" in p:
            dt.date.fromisoformat(p["any_tag"]["eol"])


def test_data_files_are_package_data():
    assert (DATA / "image-sizes.json").is_file() and (DATA / "eol.json").is_file()
    json.loads((DATA / "eol.json").read_text())


def test_import_is_light_and_lazy():
    code = (
        "import sys, dockwise.images.catalog as i;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dockwise', 'pygls', 'lsprotocol', 'tree_sitter', 'yaml')));"
        "print(i.size_table.cache_info().currsize, i.eol_table.cache_info().currsize)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out == ["['dockwise', 'dockwise.images', 'dockwise.images.catalog', 'dockwise.lazyre']", "0 0"]


# -- sizes -----------------------------------------------------------------------------------


def test_lookup_exact():
    info = size("python:3.12")
    assert info.size == 410908459 and info.exact and info.tag == "3.12" and info.platform == "linux/amd64"
    assert info.as_of and "repo-info" in info.source
    assert round(info.mb, 1) == 410.9


@pytest.mark.parametrize(
    "text,repo",
    [("python:3.12", "python"), ("docker.io/library/python:3.12", "python"), ("library/python", "python"),
     ("index.docker.io/library/python", "python"), ("amd64/python:3", "python"),
     ("public.ecr.aws/docker/library/python:3", "python"), ("bitnami/python:3", "bitnami/python"),
     ("ghcr.io/org/app:1", "ghcr.io/org/app")],
)
def test_repository_normalisation(text, repo):
    assert images.repository(ref(text)) == repo


def test_lookup_per_platform():
    assert size("node:22", "linux/arm64").platform == "linux/arm64"
    assert size("arm64v8/node:22").platform == "linux/arm64"
    assert size("node:22", "$BUILDPLATFORM").platform == "linux/amd64"
    assert images.lookup(ref("python:3.12"), "linux/s390x") is None


def test_lookup_windows_prefix():
    info = images.lookup(ref("hello-world"), "windows/amd64")
    assert info is not None and info.platform.startswith("windows/amd64 10.0.")


def test_lookup_estimates():
    info = size("python:3.12.4")
    assert not info.exact and info.tag == "3.12"
    info = size("python:3.12-bookworm")
    assert not info.exact and info.tag == "3.12"
    assert images.lookup(ref("python:3.9")) is None
    assert images.lookup(ref("mycorp/python:3.12")) is None
    assert images.lookup(ref("$BASE")) is None


def test_smaller_variants_same_version():
    vs = images.smaller_variants(ref("python:3.12"))
    assert [v.tag for v in vs] == ["3.12-alpine", "3.12-slim"]
    assert vs[1].info.size == 43188023 and vs[1].saving == 410908459 - 43188023
    assert vs[1].reference == "python:3.12-slim"


def test_smaller_variants_keep_the_users_spelling():
    assert [v.tag for v in images.smaller_variants(ref("python:3.12.4"))] == ["3.12.4-alpine", "3.12.4-slim"]
    assert [v.tag for v in images.smaller_variants(ref("python"))] == ["alpine", "slim"]
    assert [v.tag for v in images.smaller_variants(ref("node:lts"))] == ["lts-alpine", "lts-slim"]
    assert [v.tag for v in images.smaller_variants(ref("python:3.12-bookworm"))] == ["3.12-slim-bookworm"]


def test_smaller_variants_java_and_php():
    assert [v.tag for v in images.smaller_variants(ref("eclipse-temurin:21"))] == [
        "21-jre-alpine", "21-jre", "21-jdk-alpine"]
    assert [v.tag for v in images.smaller_variants(ref("php:8.4"))] == ["8.4-alpine"]


def test_no_variants_for_small_or_unknown():
    assert images.smaller_variants(ref("python:3.12-slim")) == []
    assert images.smaller_variants(ref("python:3.12-alpine")) == []
    assert images.smaller_variants(ref("golang:1.27")) == []
    assert images.smaller_variants(ref("node:18")) == []


@pytest.mark.parametrize(
    "tag,version,flavours",
    [("3.12.4-slim-bookworm", "3.12.4", ("slim", "bookworm")), (None, "", ()), ("latest", "", ()),
     ("alpine", "", ("alpine",)), ("alpine-slim", "", ("alpine", "slim")), ("lts-alpine3.20", "lts", ("alpine3.20",)),
     ("3-eclipse-temurin-21-alpine", "3-eclipse-temurin-21", ("alpine",)), ("2023", "2023", ()),
     ("1.26-nanoserver-ltsc2022", "1.26", ("nanoserver", "ltsc2022"))],
)
def test_split_tag(tag, version, flavours):
    assert images.split_tag(tag) == (version, flavours)


def test_a_live_source_can_be_plugged_in_first():
    class Live:
        name = "live"

        def size(self, repository, tag, platform):
            if repository == "python" and tag in ("3.9", "3.9-slim"):
                n = 400_000_000 if tag == "3.9" else 45_000_000
                return images.SizeInfo(repository, tag, platform, n, "2026-11-28", "live registry")
            return None

        def tags(self, repository):
            return ["3.9", "3.9-slim"] if repository == "python" else []

    live = Live()
    images.add_source(live)
    try:
        assert images.sources()[0] is live
        info = size("python:3.9")
        assert info.source == "live registry" and info.size == 400_000_000
        assert [v.tag for v in images.smaller_variants(ref("python:3.9"))] == ["3.9-slim"]
        # the table still answers what the live source does not know
        assert size("python:3.12").size == 410908459
    finally:
        images.remove_source(live)
    assert images.lookup(ref("python:3.9")) is None


def test_a_failing_source_is_skipped():
    class Broken:
        name = "broken"

        def size(self, repository, tag, platform):
            raise OSError("offline")

        def tags(self, repository):
            raise OSError("offline")

    b = Broken()
    images.add_source(b)
    try:
        assert size("python:3.12").size == 410908459
    finally:
        images.remove_source(b)


# -- end of life -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,what,date",
    [
        ("python:3.8-slim", "Python 3.8", "2024-10-07"),
        ("python:2.7.18", "Python 2.7", "2020-01-01"),
        ("python:2", "Python 2.7", "2020-01-01"),
        ("node:18-alpine", "Node.js 18", "2025-04-30"),
        ("node:gallium", "Node.js 16", "2023-09-11"),
        ("ubuntu:20.04", "Ubuntu 20.04", "2025-05-31"),
        ("ubuntu:bionic", "Ubuntu 18.04", "2023-05-31"),
        ("debian:buster", "Debian 10", "2024-06-30"),
        ("debian:10", "Debian 10", "2024-06-30"),
        ("debian:buster-slim", "Debian 10", "2024-06-30"),
        ("centos:7", "CentOS 7", "2024-06-30"),
        ("centos:centos7.9.2009", "CentOS 7", "2024-06-30"),
        ("centos", "CentOS 8", "2021-12-31"),
        ("alpine:3.18", "Alpine Linux 3.18", "2025-05-09"),
        ("alpine:3.18.4", "Alpine Linux 3.18", "2025-05-09"),
        ("golang:1.16-alpine", "Go 1.16", "2022-03-15"),
        ("ruby:2.7-slim", "Ruby 2.7", "2023-03-31"),
        ("php:7.4-fpm", "PHP 7.4", "2022-11-28"),
        ("eclipse-temurin:19-jdk", "Eclipse Temurin 19", "2023-03-21"),
        ("fedora:38", "Fedora Linux 38", "2024-05-21"),
        ("amazonlinux:2", "Amazon Linux 2", "2026-06-30"),
        ("node:22-bullseye", "Debian 11", "2026-08-31"),
        ("node:20-alpine3.16", "Alpine Linux 3.16", "2024-05-23"),
        ("nvidia/cuda:11.0-base-ubuntu18.04", "Ubuntu 18.04", "2023-05-31"),
        ("docker.io/library/python:3.7", "Python 3.7", "2023-06-27"),
    ],
)
def test_eol(text, what, date):
    e = images.eol_entry(ref(text))
    assert e is not None and e.what == what and e.date.isoformat() == date
    info = images.eol(ref(text))
    assert info is not None
    d, source = info
    assert d == e.date and source.startswith("https://")


def test_eol_matches_whole_version_components():
    assert eol_of("python:3.10").cycle == "3.10"  # not 3.1
    assert eol_of("node:8").cycle == "8"
    assert eol_of("amazonlinux:2023").cycle == "2023"


def test_eol_unknown_or_future():
    future = images.eol(ref("python:3.14"))
    assert future is not None and future.date > dt.date(2030, 1, 1)
    assert images.eol(ref("mycorp/python:3.8")) is None
    assert images.eol(ref("node:lts")) is None
    assert images.eol(ref("openjdk:27-ea-slim")) is None
    assert images.eol(ref("$BASE")) is None


def test_eol_deprecated_image():
    e = eol_of("openjdk:8-jre")
    assert e.cycle == "" and "deprecated" in e.basis and e.date == dt.date(2022, 7, 31)


def test_eol_all_facts():
    es = images.eol_entries(ref("python:3.12-bullseye"))
    assert [(e.what, e.via) for e in es] == [("Python 3.12", "image"), ("Debian 11", "os")]


# -- non-root bases ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,nonroot",
    [
        ("gcr.io/distroless/static-debian12:nonroot", True),
        ("gcr.io/distroless/base-debian12:debug-nonroot", True),
        ("gcr.io/distroless/static-debian12", False),
        ("cgr.dev/chainguard/python:latest", True),
        ("cgr.dev/chainguard/wolfi-base", False),
        ("bitnami/python:3.12", True),
        ("bitnami/minideb", False),
        ("nginxinc/nginx-unprivileged:1.27", True),
        ("mcr.microsoft.com/dotnet/aspnet:8.0-jammy-chiseled", True),
        ("mcr.microsoft.com/dotnet/aspnet:8.0", False),
        ("mcr.microsoft.com/windows/nanoserver:ltsc2022", True),
        ("mcr.microsoft.com/windows/servercore:ltsc2022", False),
        ("postgres:16", True),
        ("docker.io/library/redis:7", True),
        ("python:3.12", False),
        ("ubuntu:24.04", False),
    ],
)
def test_nonroot(text, nonroot):
    assert bool(images.nonroot_reason(ref(text))) is nonroot
