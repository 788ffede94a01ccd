"""DW004's fix: copy the manifests and install before the whole context."""
from __future__ import annotations

import pytest
from fixutil import declined, fixed, run_argvs

from dockwise.lint.engine import LintSettings
from dockwise.lint.fixes import fix_text

ONLY = LintSettings.make(select=["DW004"])


@pytest.mark.parametrize(
    "src, want",
    [
        ("FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"s.js\"]\n",
         "FROM node:22\nWORKDIR /app\nCOPY package*.json .npmrc* ./\nRUN npm ci\nCOPY . .\nCMD [\"node\", \"s.js\"]\n"),
        # WORKDIR between the COPY and the install; the absolute destination is reused
        ("FROM node:22\n# sources\nCOPY . /src\nWORKDIR /src\nRUN npm install",
         "FROM node:22\n# sources\nCOPY package*.json .npmrc* /src/\nWORKDIR /src\nRUN npm install\nCOPY . /src"),
        # an absolute requirements path in a subfolder; flags of the COPY are kept
        ("FROM python:3.12\nCOPY --chown=app:app . /app\nRUN pip install --no-cache-dir -r /app/req/base.txt\n",
         "FROM python:3.12\nCOPY --chown=app:app req/base.txt /app/req/\n"
         "RUN pip install --no-cache-dir -r /app/req/base.txt\nCOPY --chown=app:app . /app\n"),
        # destinations relative to WORKDIR, computed as BuildKit does
        ("FROM golang:1.26\nWORKDIR /go\nWORKDIR src/app\nCOPY . ./\nRUN go mod download\n",
         "FROM golang:1.26\nWORKDIR /go\nWORKDIR src/app\nCOPY go.mod go.sum* ./\nRUN go mod download\nCOPY . ./\n"),
        # ADD stays ADD; the install RUN may clean caches
        ("FROM python:3.12\nWORKDIR /app\nADD . /app\nRUN pip install -r requirements.txt && pip cache purge\n",
         "FROM python:3.12\nWORKDIR /app\nADD requirements.txt /app/\n"
         "RUN pip install -r requirements.txt && pip cache purge\nADD . /app\n"),
        ("FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN poetry install --no-root \\\n    --no-interaction\n",
         "FROM python:3.12\nWORKDIR /app\nCOPY pyproject.toml poetry.lock* ./\nRUN poetry install --no-root \\\n"
         "    --no-interaction\nCOPY . .\n"),
        ("# escape=`\nFROM ruby:3.4\nWORKDIR /app\nCOPY . .\nRUN bundle install\n",
         "# escape=`\nFROM ruby:3.4\nWORKDIR /app\nCOPY Gemfile Gemfile.lock* ./\nRUN bundle install\nCOPY . .\n"),
        # pip's --prefix says where packages go, not where the manifests are
        ("FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install --prefix=/install -r requirements.txt\n",
         "FROM python:3.12\nWORKDIR /app\nCOPY requirements.txt ./\n"
         "RUN pip install --prefix=/install -r requirements.txt\nCOPY . .\n"),
        ("FROM ruby:3.4\nWORKDIR /app\nCOPY . .\nRUN bundler install\n",
         "FROM ruby:3.4\nWORKDIR /app\nCOPY Gemfile Gemfile.lock* ./\nRUN bundler install\nCOPY . .\n"),
        # ARG defaults expand in the destination
        ("FROM php:8.4\nARG DIR=/srv\nCOPY . $DIR\nRUN composer install --no-scripts -d /srv\n", None),
    ],
)
def test_manifests_first(src, want):
    if want is None:
        assert declined(src, "DW004")  # -d: the tool works elsewhere
        return
    app, out = fixed(src, "DW004")
    assert (app, out) == ("unsafe", want)
    assert run_argvs(out) == run_argvs(src)


def test_crlf_and_second_install_in_the_next_pass():
    src = "FROM python:3\r\nWORKDIR /app\r\nCOPY . .\r\nRUN pip install -r a.txt\r\nRUN pip install -r b.txt\r\n"
    res = fix_text(src, ONLY, unsafe=True)
    assert res.text == ("FROM python:3\r\nWORKDIR /app\r\nCOPY a.txt ./\r\nRUN pip install -r a.txt\r\n"
                        "COPY b.txt ./\r\nRUN pip install -r b.txt\r\nCOPY . .\r\n")
    assert res.converged and not res.remaining
    assert fix_text(src, ONLY).text == src  # unsafe: not applied without the flag


@pytest.mark.parametrize(
    "src",
    [
        "FROM python:3\nCOPY . /app\nRUN pip install -r requirements.txt\n",  # cwd unknown (base image's)
        "FROM python:3\nWORKDIR /usr/local\nCOPY . app\nWORKDIR app\nRUN pip install -r r.txt\n",  # relative dest + WORKDIR
        "FROM python:3\nWORKDIR /app\nCOPY . .\nRUN make\nRUN pip install -r r.txt\n",  # a RUN between
        "FROM python:3\nWORKDIR /app\nCOPY . .\nRUN pip install -r r.txt && python setup.py build\n",  # needs the sources
        "FROM python:3\nWORKDIR /app\nCOPY . .\nRUN pip install -r r.txt -e .\n",  # a local path
        "FROM python:3\nWORKDIR /app\nCOPY . .\nRUN pip install -c c.txt -r r.txt\n",  # constraints too
        "FROM python:3\nWORKDIR /app\nCOPY . .\nRUN poetry install\n",  # installs the project itself
        "FROM node:22\nWORKDIR /app\nCOPY . .\nRUN yarn install\n",  # yarn 2+ needs .yarn/ and .yarnrc.yml
        "FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci --prefix web\n",  # works elsewhere
        "FROM python:3\nWORKDIR /app\nCOPY . /srv\nRUN pip install -r r.txt\n",  # manifest outside the copy
        "FROM python:3\nWORKDIR /app\nCOPY . .\nRUN <<EOF\npip install -r r.txt\nEOF\n",  # heredoc
        'FROM python:3\nWORKDIR /app\nCOPY . .\nRUN ["pip", "install", "-r", "r.txt"]\n',  # exec form
        "FROM python:3\nWORKDIR /app\nCOPY . .\nRUN pip install -r r.txt # pinned\n",  # shell comment
        'FROM python:3\nWORKDIR /app\nCOPY [".", "."]\nRUN pip install -r r.txt\n',  # JSON COPY
        "FROM python:3\nWORKDIR /app\nCOPY . other/ ./\nRUN pip install -r r.txt\n",  # other sources
        "FROM python:3\nWORKDIR /app\nCOPY --parents . .\nRUN pip install -r r.txt\n",
        "FROM python:3\nWORKDIR /app\nONBUILD COPY . .\nONBUILD RUN pip install -r r.txt\n",
    ],
)
def test_declined(src):
    assert declined(src, "DW004")
