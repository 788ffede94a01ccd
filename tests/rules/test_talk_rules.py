r"""Valid/invalid tables for the rules of the talk, DW001–DW011 (exact spans).

Cases cover continuations, heredoc RUNs, ONBUILD, multi-stage builds, Windows
(`# escape=\``, PowerShell), JSON forms and ARG-built image names.
"""
import pytest

from dockwise.lint.engine import LintSettings, lint_text
from dockwise.syntax.model import Pos, Span

TODAY = "2026-11-28"  # DW010 compares with this date in every test


def spans(text, code, path=None, options=None):
    opts = {"DW010": {"today": TODAY}}
    opts.update(options or {})
    vs = lint_text(text, LintSettings.make(select=[code], options=opts), path).violations
    assert not [v for v in vs if v.code == "DW999"], [v.message for v in vs]
    return [(v.span.start.line, v.span.start.col, v.span.end.line, v.span.end.col) for v in vs if v.code == code]


def found(text, code, **kw):
    opts = {"DW010": {"today": TODAY}}
    opts.update(kw.pop("options", {}) or {})
    return [v for v in lint_text(text, LintSettings.make(select=[code], options=opts), kw.pop("path", None)).violations
            if v.code == code]


WIN = "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\n"
PS = 'FROM mcr.microsoft.com/windows/servercore:ltsc2022\nSHELL ["powershell", "-Command"]\n'
SHA = "sha256:" + "a" * 64

CASES = [
    # -- DW001 large-base-image ------------------------------------------------------
    ("DW001", "FROM python:3.12\n", [(0, 5, 0, 16)]),
    ("DW001", "FROM python:3.12-slim\n", []),
    ("DW001", "FROM python:3.12-alpine\n", []),
    ("DW001", "FROM python\n", [(0, 5, 0, 11)]),
    ("DW001", "FROM python:3.12.4\n", [(0, 5, 0, 18)]),
    ("DW001", "FROM docker.io/library/node:22\n", [(0, 5, 0, 30)]),
    ("DW001", "FROM --platform=linux/arm64 node:22 AS app\n", [(0, 28, 0, 35)]),
    ("DW001", "FROM eclipse-temurin:21\n", [(0, 5, 0, 23)]),
    # builder-only stages are never flagged; stages the final one derives from are
    ("DW001", "FROM python:3.12 AS build\nRUN pip wheel -w /w x\nFROM python:3.12-slim\nCOPY --from=build /w /w\n", []),
    ("DW001", "FROM python:3.12 AS base\nFROM base AS app\nRUN echo\n", [(0, 5, 0, 16)]),
    ("DW001", "ARG BASE=python:3.12\nFROM ${BASE}\n", [(1, 5, 1, 12)]),
    ("DW001", "ARG BASE=python:3.12-slim\nFROM $BASE\n", []),
    ("DW001", "FROM $UNKNOWN\n", []),
    ("DW001", "FROM mycorp/python:3.12\n", []),  # not an official image: size unknown
    ("DW001", "FROM haskell:latest\n", []),  # slim saves only 6 %
    ("DW001", "FROM golang:1.27\n", []),  # no smaller variant of 1.27 known
    ("DW001", "FROM nginx\n", []),  # 63 MB, under the threshold
    ("DW001", "FROM scratch\n", []),
    ("DW001", WIN + "RUN echo hi\n", []),
    ("DW001", "# escape=`\nFROM node:22 `\n  AS app\n", [(1, 5, 1, 12)]),
    ("DW001", ".devcontainer/Dockerfile", None),  # placeholder, see test_dev_environments
    # -- DW002 apt-update-alone ------------------------------------------------------
    ("DW002", "FROM debian:12\nRUN apt-get update\n", [(1, 4, 1, 18)]),
    ("DW002", "FROM debian:12\nRUN apt-get update && apt-get install -y curl\n", []),
    ("DW002", "FROM debian:12\nRUN apt-get -qq update && apt-get -y dist-upgrade\n", []),
    ("DW002", "FROM debian:12\nRUN apt update\n", [(1, 4, 1, 14)]),
    ("DW002", "FROM debian:12\nRUN apt-get update \\\n && echo done\n", [(1, 4, 1, 18)]),
    ("DW002", "FROM alpine:3.20\nRUN apk update\n", [(1, 4, 1, 14)]),
    ("DW002", "FROM alpine:3.20\nRUN apk update && apk add curl\n", []),
    ("DW002", "FROM fedora:40\nRUN dnf makecache\n", [(1, 4, 1, 17)]),
    ("DW002", "FROM centos:7\nRUN yum makecache fast && yum install -y git\n", []),
    ("DW002", "FROM opensuse/leap:15\nRUN zypper refresh\n", [(1, 4, 1, 18)]),
    ("DW002", "FROM debian:12\nRUN <<EOF\nset -e\napt-get update\necho hi\nEOF\n", [(3, 0, 3, 14)]),
    ("DW002", "FROM debian:12\nRUN <<EOF\napt-get update\napt-get install -y curl\nEOF\n", []),
    ("DW002", "FROM debian:12\nONBUILD RUN apt-get update\n", [(1, 12, 1, 26)]),
    ("DW002", "FROM debian:12\nRUN apt-get update && ./install-deps.sh\n", []),
    ("DW002", "FROM debian:12\nRUN apt-get update && curl -fsSL https://x/setup | bash -\n", []),
    ("DW002", "FROM debian:12\nRUN sudo apt-get update && sudo apt-get -y upgrade\n", []),
    ("DW002", "FROM debian:12\nRUN sh -c 'apt-get update'\n", [(1, 11, 1, 25)]),
    ("DW002", "FROM debian:12\nRUN sh -c 'apt-get update && apt-get install -y x'\n", []),
    ("DW002", "FROM debian:12\nRUN apt-get update && echo a b | xargs apt-get install -y\n", []),
    ("DW002", "# escape=`\nFROM debian:12\nRUN apt-get update `\n && echo done\n", [(2, 4, 2, 18)]),
    ("DW002", 'FROM debian:12\nRUN ["apt-get", "update"]\n', [(1, 5, 1, 24)]),
    ("DW002", "FROM debian:12 AS a\nRUN apt-get update\nFROM debian:12\nRUN apt-get update && apt-get install -y x\n",
     [(1, 4, 1, 18)]),
    ("DW002", "FROM bitnami/minideb:bookworm\nRUN apt-get update && install_packages curl\n", []),
    # -- DW003 add-remote-url --------------------------------------------------------
    ("DW003", "FROM debian:12\nADD https://example.com/a.tgz /tmp/\n", [(1, 4, 1, 29)]),
    ("DW003", "FROM debian:12\nADD HTTP://EXAMPLE.COM/a.tgz /tmp/\n", [(1, 4, 1, 28)]),
    ("DW003", f"FROM debian:12\nADD --checksum={SHA} https://example.com/a.tgz /tmp/\n", []),
    ("DW003", "FROM debian:12\nADD https://github.com/moby/buildkit.git#v0.10.1 /src\n", []),
    ("DW003", "FROM debian:12\nADD git@github.com:moby/buildkit.git /src\n", []),
    ("DW003", "FROM debian:12\nARG URL=https://example.com/a.tgz\nADD ${URL} /tmp/\n", [(2, 4, 2, 10)]),
    ("DW003", "ARG BASE_URL=https://example.com\nFROM debian:12\nARG BASE_URL\nADD $BASE_URL/a.tgz /tmp/\n",
     [(3, 4, 3, 19)]),
    ("DW003", "FROM debian:12\nADD $UNKNOWN /tmp/\n", []),
    ("DW003", "FROM debian:12\nONBUILD ADD http://example.com/a.tgz /tmp/\n", [(1, 12, 1, 36)]),
    ("DW003", "FROM debian:12\nADD a.tgz /tmp/\n", []),
    ("DW003", "FROM debian:12\nCOPY https://example.com/a.tgz /tmp/\n", []),
    ("DW003", 'FROM debian:12\nADD ["https://example.com/a b.tgz", "/tmp/"]\n', [(1, 5, 1, 34)]),
    ("DW003", "FROM debian:12\nADD https://x/a.tgz \\\n    https://x/b.tgz /tmp/\n", [(1, 4, 1, 19), (2, 4, 2, 19)]),
    ("DW003", WIN + "ADD https://example.com/a.zip C:/tmp/a.zip\n", [(2, 4, 2, 29)]),
    # -- DW004 copy-context-before-deps ----------------------------------------------
    ("DW004", "FROM node:22\nCOPY . .\nRUN npm ci\n", [(2, 4, 2, 10)]),
    ("DW004", "FROM node:22\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\n", []),
    ("DW004", "FROM node:22\nCOPY package.json yarn.lock ./\nCOPY . .\nRUN yarn install\n", []),
    ("DW004", "FROM node:22\nCOPY . .\nRUN yarn --frozen-lockfile\n", [(2, 4, 2, 26)]),
    ("DW004", "FROM node:22\nCOPY . .\nRUN npm install express\n", []),
    ("DW004", "FROM node:22\nCOPY ./ /app/\nRUN cd /app && npm install\n", [(2, 15, 2, 26)]),
    ("DW004", "FROM node:22\nCOPY * /app/\nRUN pnpm install\n", [(2, 4, 2, 16)]),
    ("DW004", "FROM python:3.12\nCOPY . /app\nRUN pip install -r /app/requirements.txt\n", [(2, 4, 2, 40)]),
    ("DW004", "FROM python:3.12\nCOPY . /app\nRUN pip install /app\n", []),
    ("DW004", "FROM python:3.12\nCOPY requirements/ /app/requirements/\nCOPY . /app\n"
              "RUN pip install -r /app/requirements/prod.txt\n", []),
    ("DW004", "FROM python:3.12\nCOPY . /app\n"
              "RUN --mount=type=bind,source=requirements.txt,target=/r.txt pip install -r /r.txt\n", []),
    ("DW004", "FROM python:3.12\nCOPY . .\nRUN python -m pip install --no-cache-dir -r requirements.txt\n",
     [(2, 4, 2, 60)]),
    ("DW004", "FROM python:3.12\nADD . /src\nRUN pipenv install --deploy --system\n", [(2, 4, 2, 36)]),
    ("DW004", "FROM python:3.12\nCOPY . .\nRUN poetry install --no-root\n", [(2, 4, 2, 28)]),
    ("DW004", "FROM golang:1.24\nWORKDIR /src\nCOPY . .\nRUN go mod download && go build -o /app\n",
     [(3, 4, 3, 19)]),
    ("DW004", "FROM golang:1.24\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN go build -o /app\n", []),
    ("DW004", "FROM maven:3\nCOPY . .\nRUN mvn -B dependency:go-offline\n", [(2, 4, 2, 32)]),
    ("DW004", "FROM gradle:8\nCOPY . .\nRUN ./gradlew dependencies\n", [(2, 4, 2, 26)]),
    ("DW004", "FROM rust:1\nCOPY . .\nRUN cargo fetch\n", [(2, 4, 2, 15)]),
    ("DW004", "FROM composer:2\nCOPY . .\nRUN composer install --no-dev\n", [(2, 4, 2, 29)]),
    ("DW004", "FROM ruby:3.3\nCOPY . .\nRUN <<EOF\nset -e\nbundle install\nEOF\n", [(4, 0, 4, 14)]),
    ("DW004", "FROM node:22 AS a\nCOPY . .\nFROM node:22\nRUN npm ci\n", []),
    ("DW004", "FROM node:22 AS deps\nCOPY package.json package-lock.json ./\nFROM deps\nCOPY . .\nRUN npm ci\n", []),
    ("DW004", "FROM node:22\nONBUILD COPY . /app\nONBUILD RUN npm install\n", [(2, 12, 2, 23)]),
    ("DW004", "FROM node:22\nCOPY --from=build /app .\nRUN npm ci\n", []),
    ("DW004", "FROM node:22\nCOPY . .\nRUN npm ci \\\n    && npm run build\n", [(2, 4, 2, 10)]),
    ("DW004", PS + "COPY . C:/app\nRUN npm install; npm run build\n", [(3, 4, 3, 15)]),
    # -- DW005 user-switch-back ------------------------------------------------------
    ("DW005", "FROM debian:12\nUSER app\nRUN x\nUSER root\nRUN y\nUSER app\n", [(3, 0, 3, 9)]),
    ("DW005", "FROM jenkins/jenkins:lts\nUSER root\nRUN x\nUSER jenkins\n", []),
    ("DW005", "FROM debian:12\nUSER a\nUSER b\n", []),
    ("DW005", "FROM debian:12\nUSER a\nUSER b\nUSER a\n", [(3, 0, 3, 6)]),
    ("DW005", "FROM debian:12\nUSER app\nUSER app\n", []),
    ("DW005", "FROM debian:12\nUSER 1000:1000\nRUN x\nUSER 0\n", [(3, 0, 3, 6)]),
    ("DW005", "FROM debian:12\nUSER app:app\nUSER root:root\n", [(2, 0, 2, 14)]),
    ("DW005", "FROM debian:12 AS a\nUSER app\nFROM a\nUSER root\nRUN x\nUSER app\n", []),
    ("DW005", "FROM debian:12 AS a\nUSER app\nRUN x\nUSER root\nFROM debian:12\nUSER root\n", [(3, 0, 3, 9)]),
    ("DW005", "FROM debian:12\nARG U=app\nUSER $U\nUSER root\n", [(3, 0, 3, 9)]),
    ("DW005", "FROM debian:12\nUSER app\nONBUILD USER root\n", []),
    ("DW005", WIN + "USER ContainerUser\nUSER ContainerAdministrator\n", [(3, 0, 3, 27)]),
    ("DW005", "FROM debian:12\nUSER app\nRUN x\nUSER \\\n  root\n", [(3, 0, 4, 6)]),
    # -- DW006 implicit-root ---------------------------------------------------------
    ("DW006", "FROM python:3.12-slim\nCMD python\n", [(0, 5, 0, 21)]),
    ("DW006", "FROM python:3.12-slim\nUSER 1000\n", []),
    ("DW006", "FROM python:3.12-slim\nUSER root\n", []),  # explicit: DL3002's business
    ("DW006", "FROM gcr.io/distroless/static-debian12:nonroot\nCOPY app /\n", []),
    ("DW006", "FROM gcr.io/distroless/static-debian12\nCOPY app /\n", [(0, 5, 0, 38)]),
    ("DW006", "FROM cgr.dev/chainguard/python:latest\nCOPY app /\n", []),
    ("DW006", "FROM cgr.dev/chainguard/wolfi-base\nCOPY app /\n", [(0, 5, 0, 34)]),
    ("DW006", "FROM golang:1.24 AS build\nFROM scratch\nCOPY --from=build /app /app\n", [(1, 5, 1, 12)]),
    ("DW006", "FROM golang:1.24 AS build\nUSER 1000\nFROM scratch\nCOPY --from=build /app /app\n", [(2, 5, 2, 12)]),
    ("DW006", "FROM debian:12 AS base\nUSER app\nFROM base\nCMD x\n", []),
    ("DW006", "FROM $BASE\n", []),
    ("DW006", "ARG BASE=cgr.dev/chainguard/python:latest\nFROM ${BASE}\n", []),
    ("DW006", "ARG BASE=python:3.12\nFROM ${BASE}\n", [(1, 5, 1, 12)]),
    ("DW006", "FROM postgres:16\nCOPY init.sql /docker-entrypoint-initdb.d/\n", []),
    ("DW006", "FROM bitnami/nginx:1.27\nCOPY site /app\n", []),
    ("DW006", "FROM debian:12\nONBUILD USER app\n", [(0, 5, 0, 14)]),
    ("DW006", "FROM mcr.microsoft.com/windows/nanoserver:ltsc2022\nCOPY app.exe /\n", []),
    ("DW006", WIN + "COPY app.exe /\n", [(1, 5, 1, 50)]),
    # -- DW007 build-tools-in-final-image --------------------------------------------
    ("DW007", "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y gcc libpq-dev "
              "&& rm -rf /var/lib/apt/lists/*\n", [(1, 22, 1, 54)]),
    ("DW007", "FROM python:3.12-slim AS b\nRUN apt-get install -y gcc\nFROM python:3.12-slim\n", []),
    ("DW007", "FROM alpine:3.20\nRUN apk add --no-cache --virtual .build-deps gcc musl-dev && make "
              "&& apk del .build-deps\n", []),
    ("DW007", "FROM alpine:3.20\nRUN apk add --no-cache gcc musl-dev\n", [(1, 4, 1, 35)]),
    ("DW007", "FROM alpine:3.20\nRUN apk add -t .deps build-base && apk del gcc\n", [(1, 4, 1, 31)]),
    ("DW007", "FROM debian:12\nRUN apt-get install -y build-essential && make && apt-get purge -y build-essential\n", []),
    ("DW007", "FROM debian:12\nRUN savedAptMark=\"$(apt-mark showmanual)\"; apt-get install -y gcc; make; "
              "apt-mark auto '.*' > /dev/null; apt-get purge -y --auto-remove\n", []),
    ("DW007", "FROM debian:12\nRUN apt-get install -y \\\n    curl \\\n    g++\n", [(1, 4, 3, 7)]),
    ("DW007", "FROM debian:12\nRUN <<EOF\napt-get install -y cmake\nEOF\n", [(2, 0, 2, 24)]),
    ("DW007", "FROM debian:12\nRUN apt-get install -y udev curl\n", []),
    ("DW007", "FROM debian:12\nRUN apt-get install -y make=4.3-4.1\n", [(1, 4, 1, 35)]),
    ("DW007", "FROM debian:12\nRUN apt-get install -y make\nCMD [\"make\", \"serve\"]\n", []),
    ("DW007", "FROM centos:7\nRUN yum install -y gcc-c++ openssl-devel\n", [(1, 4, 1, 40)]),
    ("DW007", "FROM debian:12\nONBUILD RUN apt-get install -y gcc\n", []),
    ("DW007", "FROM golang:1.24\nCOPY . .\nRUN go build -o /app .\nCMD [\"/app\"]\n", [(0, 5, 0, 16)]),
    ("DW007", "FROM golang:1.24\nCOPY . .\nCMD [\"go\", \"run\", \".\"]\n", []),
    ("DW007", "FROM golang:1.24\nCOPY . .\nRUN go build -o /app .\nCMD go run .\n", []),
    ("DW007", "FROM maven:3-eclipse-temurin-21\nCOPY . .\nRUN mvn -B package\nCMD java -jar target/app.jar\n",
     [(0, 5, 0, 31)]),
    ("DW007", "FROM eclipse-temurin:21-jre\nCOPY app.jar /\nRUN javac -version\nCMD java -jar /app.jar\n", []),
    ("DW007", "FROM eclipse-temurin:21\nRUN make\nCMD [\"catalina.sh\", \"run\"]\n", []),
    ("DW007", "ARG GO=golang:1.24\nFROM ${GO}\nRUN go build -o /app\n", [(1, 5, 1, 10)]),
    ("DW007", "FROM golang:1.24 AS build\nRUN go build -o /app\nFROM scratch\nCOPY --from=build /app /\n", []),
    # -- DW008 msi-install ----------------------------------------------------------
    ("DW008", WIN + "RUN msiexec /i C:\\x.msi /qn\n", [(2, 4, 2, 11)]),
    ("DW008", PS + "RUN Start-Process C:/tmp/x.msi -ArgumentList '/quiet' -Wait\n", [(2, 4, 2, 30)]),
    ("DW008", PS + "RUN Start-Process msiexec.exe -ArgumentList '/i', 'x.msi' -Wait\n", [(2, 18, 2, 29)]),
    ("DW008", "# escape=`\n" + PS + "RUN Invoke-WebRequest https://x/y.msi -OutFile y.msi; `\n"
              "    Start-Process msiexec.exe -ArgumentList '/i', 'y.msi' -Wait; `\n    Remove-Item y.msi\n",
     [(4, 18, 4, 29)]),
    ("DW008", PS + "RUN Write-Host 'Running msiexec now'; Start-Process msiexec -Wait\n", [(2, 52, 2, 59)]),
    ("DW008", "FROM mcr.microsoft.com/windows/servercore:ltsc2022 AS b\nRUN msiexec /i x.msi\n"
              "FROM mcr.microsoft.com/windows/nanoserver:ltsc2022\n", []),
    ("DW008", 'FROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN ["cmd", "/S", "/C", "msiexec /i x.msi /qn"]\n',
     [(1, 25, 1, 32)]),
    ("DW008", PS + "RUN Invoke-WebRequest https://x/y.msi -OutFile y.msi\n", []),
    ("DW008", PS + "ONBUILD RUN msiexec /i x.msi\n", [(2, 12, 2, 19)]),
    ("DW008", "FROM debian:12\nRUN <<EOF\nwine msiexec /i python.msi\nEOF\n", [(2, 5, 2, 12)]),
    # -- DW010 eol-base-image --------------------------------------------------------
    ("DW010", "FROM python:3.8-slim\n", [(0, 5, 0, 20)]),
    ("DW010", "FROM python:3.14-slim\n", []),
    ("DW010", "FROM python:2\n", [(0, 5, 0, 13)]),
    ("DW010", "FROM node:18-alpine\n", [(0, 5, 0, 19)]),
    ("DW010", "FROM node:22-alpine\n", []),
    ("DW010", "FROM node:20-alpine3.16 AS b\nFROM scratch\n", [(0, 5, 0, 23)]),
    ("DW010", "ARG V=2.7\nFROM python:${V}\n", [(1, 5, 1, 16)]),
    ("DW010", "FROM openjdk:11-jre\n", [(0, 5, 0, 19)]),
    ("DW010", "FROM openjdk:27-ea-slim\n", []),
    ("DW010", "FROM centos:7\n", [(0, 5, 0, 13)]),
    ("DW010", "FROM centos\n", [(0, 5, 0, 11)]),
    ("DW010", "FROM ubuntu:20.04\n", [(0, 5, 0, 17)]),
    ("DW010", "FROM ubuntu:focal-20240123\n", [(0, 5, 0, 26)]),
    ("DW010", "FROM ubuntu:24.04\n", []),
    ("DW010", "FROM debian:buster-slim\n", [(0, 5, 0, 23)]),
    ("DW010", "FROM debian:10\n", [(0, 5, 0, 14)]),
    ("DW010", "FROM debian:bookworm\n", []),
    ("DW010", "FROM alpine:3.18\n", [(0, 5, 0, 16)]),
    ("DW010", "FROM alpine:3.22\n", []),
    ("DW010", "FROM nvidia/cuda:11.0-base-ubuntu18.04\n", [(0, 5, 0, 38)]),
    ("DW010", "FROM golang:1.16-alpine AS build\nFROM alpine:3.22\n", [(0, 5, 0, 23)]),
    ("DW010", "FROM base-stage\n", []),
    ("DW010", "FROM python:3.8 AS a\nFROM a\n", [(0, 5, 0, 15)]),
    ("DW010", "FROM $UNKNOWN\n", []),
    ("DW010", "FROM mycorp/python:3.8\n", []),  # not the official image: the version is unknown
    # -- DW011 cleanup-in-separate-layer ----------------------------------------------
    ("DW011", "FROM debian:12\nRUN apt-get install -y x\nRUN apt-get clean && rm -rf /var/lib/apt/lists/*\n",
     [(2, 4, 2, 48)]),
    ("DW011", "FROM debian:12\nRUN apt-get install -y x && apt-get clean && rm -rf /var/lib/apt/lists/*\n", []),
    ("DW011", "FROM debian:12\nRUN rm /etc/nginx/conf.d/default.conf\n", []),
    ("DW011", "FROM debian:12\nRUN rm -rf /tmp/* /var/tmp/*\n", [(1, 4, 1, 28)]),
    ("DW011", "FROM debian:12\nRUN rm -rf /tmp/* /app/config\n", []),
    ("DW011", "FROM centos:7\nRUN yum clean all\n", [(1, 4, 1, 17)]),
    ("DW011", "FROM debian:12\nRUN rm -f /tmp/tool.tar.gz\n", [(1, 4, 1, 26)]),
    ("DW011", "FROM debian:12 AS b\nRUN rm -rf /tmp/*\nFROM scratch\n", []),
    ("DW011", "FROM debian:12\nRUN --mount=type=cache,target=/root/.cache rm -rf /root/.cache/pip\n", []),
    ("DW011", "FROM debian:12\nRUN <<EOF\nset -e\nrm -rf /var/lib/apt/lists/*\nEOF\n", [(3, 0, 3, 27)]),
    ("DW011", "FROM debian:12\nONBUILD RUN apt-get clean\n", [(1, 12, 1, 25)]),
    ("DW011", "FROM debian:12\nRUN echo hi\n", []),
    ("DW011", "FROM debian:12\nRUN find / -name '*.pyc' -delete\n", [(1, 4, 1, 32)]),
    ("DW011", "FROM node:22\nRUN npm cache clean --force\n", [(1, 4, 1, 27)]),
    ("DW011", "FROM debian:12\nRUN apt-get clean \\\n && rm -rf /var/lib/apt/lists/*\n", [(1, 4, 2, 31)]),
    ("DW011", "FROM debian:12\nRUN apt-get purge -y curl\n", []),
    ("DW011", PS + "RUN Remove-Item -Force -Recurse C:\\Windows\\Temp\\*\n", [(2, 4, 2, 49)]),
    ("DW011", "# escape=`\n" + PS + "RUN Remove-Item -Force C:\\app\\settings.json\n", []),
]
CASES = [c for c in CASES if c[2] is not None]


@pytest.mark.parametrize("code,src,expected", CASES)
def test_rule_table(code, src, expected):
    assert spans(src, code) == expected


# -- DW001 -----------------------------------------------------------------------------


def test_dw001_message_names_sizes_and_saving():
    (v,) = found("FROM python:3.12\n", "DW001")
    assert "410.9 MB" in v.message and "python:3.12-slim is 43.2 MB" in v.message
    assert "367.7 MB less" in v.message and "python:3.12-alpine 18.0 MB" in v.message
    assert "linux/amd64" in v.message


def test_dw001_estimate_is_labelled():
    (v,) = found("FROM python:3.12.4\n", "DW001")
    assert "size of python:3.12" in v.message and "python:3.12.4-slim" in v.message


def test_dw001_platform_from_the_from_line():
    (v,) = found("FROM --platform=linux/arm64 node:22\n", "DW001")
    assert "linux/arm64" in v.message and "399.9 MB" in v.message


def test_dw001_fix_replaces_the_tag_unsafe():
    (v,) = found("FROM python:3.12 AS app\n", "DW001")
    assert v.fix is not None and v.fix.applicability.value == "unsafe"
    (e,) = v.fix.edits
    assert e.span == Span(Pos(0, 5), Pos(0, 16)) and e.new_text == "python:3.12-slim"


def test_dw001_fix_without_tag_and_with_registry():
    (v,) = found("FROM python\n", "DW001")
    assert v.fix is not None and v.fix.edits[0].new_text == "python:slim"
    (v,) = found("FROM docker.io/library/node:22\n", "DW001")
    assert v.fix is not None and v.fix.edits[0].new_text == "docker.io/library/node:22-slim"


def test_dw001_fix_prefers_the_glibc_variant_for_java():
    (v,) = found("FROM eclipse-temurin:21\n", "DW001")
    assert v.fix is not None and v.fix.edits[0].new_text == "eclipse-temurin:21-jre"


def test_dw001_fix_edits_the_arg_default():
    (v,) = found('ARG BASE="python:3.12"\nFROM ${BASE}\n', "DW001")
    assert v.fix is not None
    (e,) = v.fix.edits
    assert e.span.start.line == 0 and e.new_text == "python:3.12-slim"


def test_dw001_digest_pinned_gets_no_fix():
    (v,) = found(f"FROM python:3.12@{SHA}\n", "DW001")
    assert v.fix is None and "@sha256:aaaaaaaaaaaa…" in v.message


def test_dw001_options():
    assert not found("FROM python:3.12\n", "DW001", options={"DW001": {"threshold_mb": 500}})
    assert found("FROM eclipse-temurin:21\n", "DW001", options={"DW001": {"threshold_mb": 200}})
    assert not found("FROM eclipse-temurin:21\n", "DW001", options={"DW001": {"threshold_mb": 250}})
    # haskell:slim saves 6 %: flagged only when the bar is lowered
    assert found("FROM haskell\n", "DW001", options={"DW001": {"min_saving_percent": 5}})
    assert found("FROM python:3.12\n", "DW001", options={"DW001": {"threshold_mb": "bad"}})


def test_dev_environments_are_skipped(tmp_path):
    d = tmp_path / ".devcontainer"
    d.mkdir()
    assert not found("FROM python:3.12\n", "DW001", path=str(d / "Dockerfile"))
    assert not found("FROM debian:12\nRUN apt-get install -y gcc\n", "DW007", path=str(tmp_path / "Dockerfile.dev"))
    assert found("FROM debian:12\nRUN apt-get install -y gcc\n", "DW007", path=str(tmp_path / "Dockerfile"))
    assert found("FROM python:3.12\n", "DW001", path=str(tmp_path / "Dockerfile"))
    for name in ("Dockerfile.builder", "ci.Dockerfile", "dev/Dockerfile", "build/Dockerfile"):
        assert not found("FROM python:3.12\n", "DW001", path=str(tmp_path / name)), name
    for name in ("app.Dockerfile", "devices/Dockerfile", "my_dev_stuff/Dockerfile"):
        assert found("FROM python:3.12\n", "DW001", path=str(tmp_path / name)), name


# -- DW009 (reads the file system) ------------------------------------------------------

COPY_ALL = "FROM node:22-slim\nWORKDIR /app\nCOPY . .\nCOPY ./ /x\n"


def test_dw009_missing_ignore_file(tmp_path):
    df = tmp_path / "Dockerfile"
    assert spans(COPY_ALL, "DW009", path=str(df)) == [(2, 5, 2, 6)]
    (v,) = found(COPY_ALL, "DW009", path=str(df))
    assert str(tmp_path) in v.message


def test_dw009_dockerignore_present(tmp_path):
    (tmp_path / ".dockerignore").write_text(".git\n")
    assert spans(COPY_ALL, "DW009", path=str(tmp_path / "Dockerfile")) == []


def test_dw009_per_dockerfile_ignore(tmp_path):
    (tmp_path / "app.Dockerfile.dockerignore").write_text(".git\n")
    assert spans(COPY_ALL, "DW009", path=str(tmp_path / "app.Dockerfile")) == []
    assert spans(COPY_ALL, "DW009", path=str(tmp_path / "other.Dockerfile")) == [(2, 5, 2, 6)]


def test_dw009_context_option(tmp_path):
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    sub = tmp_path / "docker"
    sub.mkdir()
    (sub / ".dockerignore").write_text("x\n")  # next to the Dockerfile, but not the context
    path = str(sub / "Dockerfile")
    assert spans(COPY_ALL, "DW009", path=path, options={"DW009": {"context": str(ctx)}}) == [(2, 5, 2, 6)]
    (ctx / ".dockerignore").write_text("x\n")
    assert spans(COPY_ALL, "DW009", path=path, options={"DW009": {"context": str(ctx)}}) == []
    # a context given without a Dockerfile path
    assert spans(COPY_ALL, "DW009", options={"DW009": {"context": str(ctx)}}) == []
    (ctx / ".dockerignore").unlink()
    assert spans(COPY_ALL, "DW009", options={"DW009": {"context": str(ctx)}}) == [(2, 5, 2, 6)]


def test_dw009_relative_context_is_taken_from_the_dockerfile(tmp_path):
    sub = tmp_path / "docker"
    sub.mkdir()
    path = str(sub / "Dockerfile")
    rel = {"DW009": {"context": ".."}}
    assert spans(COPY_ALL, "DW009", path=path, options=rel) == [(2, 5, 2, 6)]
    (v,) = found(COPY_ALL, "DW009", path=path, options=rel)
    assert f"no .dockerignore in {tmp_path}:" in v.message  # the resolved folder, not ".."
    (tmp_path / ".dockerignore").write_text("x\n")
    assert spans(COPY_ALL, "DW009", path=path, options=rel) == []
    # without a path a relative context means nothing: not checked
    assert spans(COPY_ALL, "DW009", options=rel) == []


def test_dw009_not_checked_without_a_folder(tmp_path):
    assert spans(COPY_ALL, "DW009") == []
    assert spans(COPY_ALL, "DW009", path=str(tmp_path / "missing" / "Dockerfile")) == []


def test_dw009_needs_a_whole_context_copy(tmp_path):
    path = str(tmp_path / "Dockerfile")
    assert spans("FROM a:1\nCOPY src/ /app\n", "DW009", path=path) == []
    assert spans("FROM a:1\nONBUILD COPY . /app\n", "DW009", path=path) == []
    assert spans("FROM a:1 AS b\nCOPY --from=b . /app\n", "DW009", path=path) == []
    assert spans('FROM a:1\nCOPY [".", "/app"]\n', "DW009", path=path) == [(1, 6, 1, 9)]
    assert spans("FROM a:1\nADD . /app\n", "DW009", path=path) == [(1, 4, 1, 5)]
    assert spans("# escape=`\nFROM a:1\nCOPY . C:\\app\n", "DW009", path=path) == [(2, 5, 2, 6)]


# -- DW010 --------------------------------------------------------------------------------


def test_dw010_names_the_date():
    (v,) = found("FROM python:3.8-slim\n", "DW010")
    assert "Python 3.8" in v.message and "2024-10-07" in v.message
    (v,) = found("FROM node:20-alpine3.16\n", "DW010")
    assert "Alpine Linux 3.16" in v.message and "2024-05-23" in v.message and "Node.js 20" in v.message
    (v,) = found("FROM openjdk:11-jre\n", "DW010")
    assert "deprecated" in v.message and "eclipse-temurin" in v.message


def test_dw010_today_option():
    src = "FROM python:3.10-slim\n"
    assert not found(src, "DW010", options={"DW010": {"today": "2026-10-30"}})
    assert found(src, "DW010", options={"DW010": {"today": "2026-10-31"}})
    assert not found("FROM python:3.8\n", "DW010", options={"DW010": {"today": "2024-01-01"}})


def test_dw010_uses_today_by_default():
    vs = [v for v in lint_text("FROM python:2.7\n", LintSettings.make(select=["DW010"])).violations]
    assert [v.code for v in vs] == ["DW010"]


# -- messages and related spans ------------------------------------------------------------


def test_dw004_points_at_the_copy():
    (v,) = found("FROM node:22\nCOPY . .\nRUN npm ci\n", "DW004")
    assert "`npm ci`" in v.message and "package.json" in v.message
    ((span, label),) = v.related
    assert span.start.line == 1


def test_dw005_message_and_related():
    (v,) = found("FROM debian:12\nUSER app\nUSER root\n", "DW005")
    assert "back to root after USER app" in v.message
    assert v.related[0][0].start.line == 1


def test_dw007_lists_the_packages():
    (v,) = found("FROM debian:12\nRUN apt-get install -y gcc g++ make cmake libpq-dev curl\n", "DW007")
    assert "gcc, g++, make, cmake, …" in v.message


def test_dw002_message_names_the_command():
    (v,) = found("FROM alpine:3\nRUN apk update\n", "DW002")
    assert v.message.startswith("`apk update` without an install")


def test_talk_rules_cite_the_talk():
    from dockwise import rules

    for n in range(1, 12):
        r = rules.get(f"DW{n:03d}")
        assert r is not None
        assert 'DockerCon talk "Creating effective images"' in r.meta.docs, r.code
        assert "talk" in r.meta.tags


def test_dw001_platform_option_sizes_stages_without_platform():
    from dockwise.images import catalog as images
    from dockwise.syntax.parser import parse

    src = "FROM python:3.12\nCMD [\"python\"]\n"
    ref = parse(src).stages[0].base
    assert ref is not None
    amd, arm = images.lookup(ref, "linux/amd64"), images.lookup(ref, "linux/arm64")
    assert amd and arm and amd.size != arm.size
    (v,) = found(src, "DW001")
    assert f"{amd.size / 1e6:.1f} MB" in v.message and "linux/amd64" in v.message
    (v,) = found(src, "DW001", options={"DW001": {"platform": "linux/arm64"}})
    assert f"{arm.size / 1e6:.1f} MB" in v.message and "linux/arm64" in v.message
    # a FROM --platform wins over the option
    (v,) = found("FROM --platform=linux/amd64 python:3.12\n", "DW001", options={"DW001": {"platform": "linux/arm64"}})
    assert "linux/amd64" in v.message


def test_editor_platform_setting_reaches_dw001():
    from dockwise.editor.settings import Settings
    from dockwise.lint.engine import thaw

    s = Settings.from_dict({"images": {"platform": "linux/arm64"}})
    opts = dict(s.to_lint_settings().options)
    dw001 = thaw(opts["DW001"])
    assert isinstance(dw001, dict) and dw001["platform"] == "linux/arm64"
    assert Settings().lint_key() != s.lint_key()  # changing it re-lints open documents


DW007_TOOLS = ("Build tools in the final image ({}) and no multi-stage build: build in a builder stage and "
               "COPY --from it only what the application needs")


@pytest.mark.parametrize(
    "src, want",
    [
        # kernel headers for building C extensions (the name is lower-cased before the suffix test)
        ("FROM alpine:3.20\nRUN apk add --no-cache linux-headers\nCMD [\"sh\"]\n",
         [((1, 4, 1, 36), DW007_TOOLS.format("linux-headers"))]),
        ("FROM alpine:3.20\nRUN apk add --no-cache Linux-Headers\nCMD [\"sh\"]\n",
         [((1, 4, 1, 36), DW007_TOOLS.format("Linux-Headers"))]),
        # downloading a package is not installing it
        ("FROM debian:12\nRUN apt-get update && apt-get download libssl-dev && rm -rf /var/lib/apt/lists/*\n"
         "CMD [\"ls\"]\n", []),
        ("FROM fedora:40\nRUN dnf download --resolve gcc-c++ && dnf clean all\nCMD [\"ls\"]\n", []),
        # a package named by a variable is not judged
        ("FROM ubuntu:24.04\nARG PYV=3.12\nRUN apt-get update && apt-get install -y --no-install-recommends "
         "python${PYV}-dev && rm -rf /var/lib/apt/lists/*\nCMD [\"python3\"]\n", []),
        # compiling with gcc in the gcc image, and nothing else
        ("FROM gcc:14\nCOPY main.c /src/\nRUN gcc -O2 -o /usr/local/bin/app /src/main.c\nCMD [\"app\"]\n",
         [((0, 5, 0, 11), "gcc:14 is a build toolchain image used only to build: build in a builder stage and "
                          "COPY --from it the result into a small runtime image")]),
        # only go build/install/get build: `go version` does not
        ("FROM golang:1.23\nRUN go version\nCMD [\"/app\"]\n", []),
    ],
)
def test_dw007_packages_and_toolchains(src, want):
    got = [((v.span.start.line, v.span.start.col, v.span.end.line, v.span.end.col), v.message)
           for v in found(src, "DW007")]
    assert got == want


@pytest.mark.parametrize("rm", ["rm", "/bin/rm"])
def test_dw011_find_exec_rm_of_bytecode_is_a_cleanup(rm):
    src = f"FROM python:3.12-slim\nRUN pip install --no-cache-dir flask\nRUN find / -name '*.pyc' -exec {rm} -f {{}} +\n"
    assert spans(src, "DW011") == [(2, 4, 2, 39 + len(rm))]
