"""Valid/invalid tables for DL3032 DL3040 DL3036 DL3060 DL3020 DL3002 DL3025
DL3003 DL3027 DL3004 (hadolint semantics, documented deviations), exact spans
and fixes."""
import pytest

from dockwise.lint.engine import LintSettings, lint_text

WIN = "FROM mcr.microsoft.com/windows/servercore:ltsc2022\n"


def codes(violations, code):
    return [(v.span.start.line, v.span.start.col, v.span.end.col) for v in violations if v.code == code]


def apply_edits(text: str, edits) -> str:
    """Apply non-overlapping edits (spans are line/column) to ``text``."""
    lines = text.split("\n")
    starts = [0]
    for ln in lines:
        starts.append(starts[-1] + len(ln) + 1)

    def off(p):
        return starts[p.line] + p.col

    out = text
    for e in sorted(edits, key=lambda e: off(e.span.start), reverse=True):
        out = out[: off(e.span.start)] + e.new_text + out[off(e.span.end):]
    return out


def only(code, src):
    return [v for v in lint_text(src, LintSettings.make(select=[code])).violations if v.code == code]


CASES = [
    # ---- DL3032 yum clean all ------------------------------------------------
    ("DL3032", "FROM centos:7\nRUN yum install -y httpd\n", [(1, 4, 24)]),
    ("DL3032", "FROM centos:7\nRUN yum install -y httpd && yum clean all\n", []),
    ("DL3032", "FROM centos:7\nRUN yum -q -y install httpd; yum -q clean all\n", []),
    # cleanup before the install does not count (hadolint #957)
    ("DL3032", "FROM centos:7\nRUN yum clean all && yum install -y httpd\n", [(1, 21, 41)]),
    # hadolint defects fixed: `clean metadata` and an unrelated `rm -rf` are not cleanups
    ("DL3032", "FROM centos:7\nRUN yum install -y a && yum clean metadata\n", [(1, 4, 20)]),
    ("DL3032", "FROM centos:7\nRUN yum install -y a && rm -rf /tmp/x\n", [(1, 4, 20)]),
    ("DL3032", "FROM centos:7\nRUN yum install -y a && rm -rf /var/yum/cache/*\n", [(1, 4, 20)]),
    ("DL3032", "FROM centos:7\nRUN yum install -y a && rm -f /var/cache/yum\n", [(1, 4, 20)]),
    ("DL3032", "FROM centos:7\nRUN yum install -y a && rm -rf /var/cache/yum\n", []),
    ("DL3032", "FROM centos:7\nRUN yum install -y a && rm -rf /var/cache/yum/*\n", []),
    ("DL3032", "FROM centos:7\nRUN yum install -y a && rm -r -f /var/cache/*\n", []),
    ("DL3032", "FROM centos:7\nRUN yum install -y a && rm -rf /var/cache/dnf\n", []),
    ("DL3032", "FROM centos:7\nRUN yum install -y a && rm -rf /var/cache/yum*\n", []),  # glob suffix
    ("DL3032", "FROM centos:7\nRUN yum install -y a && rm -rf /var/cache/yu\n", [(1, 4, 20)]),
    # ---- DL3033 yum pin: a version from a variable declared in the stage counts as a pin
    ("DL3033", "FROM centos:7\nARG VER\nRUN yum install -y httpd-${VER} && yum clean all\n", []),
    ("DL3033", "FROM centos:7\nRUN yum install -y httpd-${VER} && yum clean all\n", [(1, 19, 31)]),
    ("DL3032", "FROM centos:7\nRUN yum install -y a && dnf clean all\n", []),
    # a later install needs its own cleanup
    ("DL3032", "FROM centos:7\nRUN yum install -y a && yum clean all && yum install -y b\n", [(1, 41, 57)]),
    # other cache-filling sub-commands
    ("DL3032", "FROM centos:7\nRUN yum -y update\n", [(1, 4, 17)]),
    ("DL3032", "FROM centos:7\nRUN yum -y groupinstall 'Development Tools'\n", [(1, 4, 43)]),
    ("DL3032", "FROM centos:7\nRUN yum -y group install x && yum clean all\n", []),
    ("DL3032", "FROM centos:7\nRUN yum -y group list\n", []),
    ("DL3032", "FROM centos:7\nRUN yum remove -y a\n", []),
    ("DL3032", "FROM centos:7\nRUN yum makecache\n", []),
    ("DL3032", "FROM centos:7\nRUN yum --enablerepo epel install -y a\n", [(1, 4, 38)]),
    ("DL3032", "FROM centos:7\nRUN sudo yum install -y a\n", [(1, 4, 25)]),
    ("DL3032", "FROM centos:7\nRUN sudo yum install -y a && sudo yum clean all\n", []),
    ("DL3032", "FROM centos:7\nRUN /usr/bin/yum install -y a\n", [(1, 4, 29)]),
    ("DL3032", "FROM centos:7\nRUN --mount=type=cache,target=/var/cache/yum yum install -y a\n", []),
    ("DL3032", "FROM centos:7\nRUN --mount=type=tmpfs,target=/var/cache yum install -y a\n", []),
    ("DL3032", "FROM centos:7\nRUN --mount=type=bind,target=/var/cache/yum yum install -y a\n", [(1, 44, 60)]),
    ("DL3032", "FROM centos:7\nRUN yum install -y a \\\n    b\n", [(1, 4, 5)]),
    ("DL3032", "FROM centos:7\nRUN yum install -y a \\\n  # comment\n  && yum clean all\n", []),
    ("DL3032", "FROM centos:7\nRUN <<EOF\nset -e\nyum install -y a\nEOF\n", [(3, 0, 16)]),
    ("DL3032", "FROM centos:7\nRUN <<EOF\nyum install -y a\nyum clean all\nEOF\n", []),
    ("DL3032", "FROM centos:7\nONBUILD RUN yum install -y a\n", [(1, 12, 28)]),
    ("DL3032", 'FROM centos:7\nRUN ["yum", "install", "-y", "a"]\n', [(1, 5, 32)]),
    ("DL3032", "# escape=`\nFROM centos:7\nRUN yum install -y a `\n && echo\n", [(2, 4, 20)]),
    ("DL3032", "FROM centos:7 AS b\nRUN yum install -y a\nFROM scratch\n", [(1, 4, 20)]),
    ("DL3032", "FROM centos:7\nRUN echo yum install\n", []),
    # ---- DL3040 dnf / microdnf clean all --------------------------------------
    ("DL3040", "FROM fedora:40\nRUN dnf install -y nginx\n", [(1, 4, 24)]),
    ("DL3040", "FROM fedora:40\nRUN dnf install -y nginx && dnf clean all\n", []),
    ("DL3040", "FROM fedora:40\nRUN dnf install -y nginx && yum clean all\n", []),
    # dnf5's cache is /var/cache/libdnf5: a glob suffix reaches it, the bare name does not
    ("DL3040", "FROM fedora:41\nRUN dnf install -y nginx && rm -rf /var/cache/libdnf*\n", []),
    ("DL3040", "FROM fedora:41\nRUN dnf install -y nginx && rm -rf /var/cache/libdnf\n", [(1, 4, 24)]),
    ("DL3040", "FROM fedora:40\nRUN dnf clean all && dnf install -y nginx\n", [(1, 21, 41)]),
    ("DL3040", "FROM fedora:40\nRUN dnf install -y a && dnf clean metadata\n", [(1, 4, 20)]),
    ("DL3040", "FROM fedora:40\nRUN dnf install -y a && rm -rf /tmp/x\n", [(1, 4, 20)]),
    ("DL3040", "FROM fedora:40\nRUN dnf install -y a && rm -rf /var/cache/dnf\n", []),
    ("DL3040", "FROM fedora:40\nRUN dnf install -y a && rm -rf /var/cache/libdnf5/*\n", []),
    ("DL3040", "FROM fedora:40\nRUN dnf -y upgrade\n", [(1, 4, 18)]),
    ("DL3040", "FROM fedora:40\nRUN dnf -y update\n", [(1, 4, 17)]),
    ("DL3040", "FROM fedora:40\nRUN dnf -y module install nodejs:20\n", [(1, 4, 35)]),
    ("DL3040", "FROM fedora:40\nRUN dnf -y remove a\n", []),
    ("DL3040", "FROM fedora:40\nRUN dnf5 install -y a\n", [(1, 4, 21)]),
    ("DL3040", "FROM ubi9-minimal:9.4\nRUN microdnf install -y a\n", [(1, 4, 25)]),
    ("DL3040", "FROM ubi9-minimal:9.4\nRUN microdnf install -y a && microdnf clean all\n", []),
    # dnf's cleanup does not clean microdnf's cache
    ("DL3040", "FROM ubi9-minimal:9.4\nRUN microdnf install -y a && dnf clean all\n", [(1, 4, 25)]),
    ("DL3040", "FROM ubi9-minimal:9.4\nRUN microdnf install -y a && rm -rf /var/cache/yum\n", []),
    ("DL3040", "FROM fedora:40\nRUN dnf install -y a && microdnf install -y b && dnf clean all\n", [(1, 24, 45)]),
    ("DL3040", "FROM fedora:40\nRUN --mount=type=cache,target=/var/cache/dnf dnf install -y a\n", []),
    ("DL3040", "FROM fedora:40\nRUN --mount=type=cache,target=/var/cache/libdnf5 dnf install -y a\n", []),
    ("DL3040", "FROM fedora:40\nRUN <<EOF\ndnf install -y a\nEOF\n", [(2, 0, 16)]),
    ("DL3040", "FROM fedora:40\nONBUILD RUN dnf install -y a\n", [(1, 12, 28)]),
    ("DL3040", 'FROM fedora:40\nRUN ["dnf", "install", "-y", "a"]\n', [(1, 5, 32)]),
    ("DL3040", "FROM fedora:40\nRUN sudo dnf install -y a\n", [(1, 4, 25)]),
    # ---- DL3036 zypper clean -------------------------------------------------
    ("DL3036", "FROM opensuse/leap:15.6\nRUN zypper install -y curl\n", [(1, 4, 26)]),
    ("DL3036", "FROM opensuse/leap:15.6\nRUN zypper in -y curl && zypper clean\n", []),
    ("DL3036", "FROM opensuse/leap:15.6\nRUN zypper in -y curl && zypper cc -a\n", []),
    ("DL3036", "FROM opensuse/leap:15.6\nRUN zypper --non-interactive install curl\n", [(1, 4, 41)]),
    ("DL3036", "FROM opensuse/leap:15.6\nRUN zypper -n up\n", [(1, 4, 16)]),
    ("DL3036", "FROM opensuse/leap:15.6\nRUN zypper -n dup\n", [(1, 4, 17)]),
    ("DL3036", "FROM opensuse/leap:15.6\nRUN zypper ref\n", []),
    ("DL3036", "FROM opensuse/leap:15.6\nRUN zypper rm -y x\n", []),
    ("DL3036", "FROM opensuse/leap:15.6\nRUN zypper clean && zypper in -y a\n", [(1, 20, 34)]),
    ("DL3036", "FROM opensuse/leap:15.6\nRUN zypper in -y a && rm -rf /var/cache/zypp/*\n", []),
    ("DL3036", "FROM opensuse/leap:15.6\nRUN --mount=type=cache,target=/var/cache/zypp zypper in -y a\n", []),
    ("DL3036", "FROM opensuse/leap:15.6\nONBUILD RUN zypper in -y a\n", [(1, 12, 26)]),
    ("DL3036", "FROM opensuse/leap:15.6\nRUN <<EOF\nzypper in -y a\nEOF\n", [(2, 0, 14)]),
    # ---- DL3060 yarn cache clean ---------------------------------------------
    ("DL3060", "FROM node:22\nRUN yarn install\n", [(1, 4, 16)]),
    ("DL3060", "FROM node:22\nRUN yarn install && yarn cache clean\n", []),
    ("DL3060", "FROM node:22\nRUN yarn cache clean && yarn install\n", [(1, 24, 36)]),
    ("DL3060", "FROM node:22\nRUN yarn\n", [(1, 4, 8)]),
    ("DL3060", "FROM node:22\nRUN yarn --frozen-lockfile\n", [(1, 4, 26)]),
    ("DL3060", "FROM node:22\nRUN yarn --cwd app install\n", [(1, 4, 26)]),
    ("DL3060", "FROM node:22\nRUN yarn --version\n", []),
    ("DL3060", "FROM node:22\nRUN yarn -v && yarn -h && yarn --help\n", []),  # version and help install nothing
    ("DL3060", "FROM node:22\nRUN yarn build\n", []),
    ("DL3060", "FROM node:22\nRUN yarn add react\n", []),
    ("DL3060", 'FROM node:22\nRUN yarn install && rm -rf "$(yarn cache dir)"\n', []),
    ("DL3060", "FROM node:22\nRUN yarn install && rm -rf /usr/local/share/.cache/yarn\n", []),
    ("DL3060", "FROM node:22\nRUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn install\n", []),
    ("DL3060", "FROM node:22\nRUN --mount=type=cache,target=/root/.yarn yarn install\n", []),
    ("DL3060", "FROM node:22 AS build\nRUN yarn install\nFROM nginx:1\nCOPY --from=build /app /app\n", []),
    ("DL3060", "FROM node:22 AS base\nRUN yarn install\nFROM base\n", [(1, 4, 16)]),
    # an ONBUILD trigger runs in the child image: checked in any stage
    ("DL3060", "FROM node:22 AS build\nONBUILD RUN yarn install\nFROM nginx:1\n", [(1, 12, 24)]),
    ("DL3060", "FROM node:22\nRUN <<EOF\nyarn install\nEOF\n", [(2, 0, 12)]),
    ("DL3060", 'FROM node:22\nRUN ["yarn", "install"]\n', [(1, 5, 22)]),
    ("DL3060", "FROM node:22\nRUN cd /app \\\n && yarn install\n", [(2, 4, 16)]),
    # ---- DL3020 ADD -> COPY ---------------------------------------------------
    ("DL3020", "FROM a:1\nADD app.py /app/\n", [(1, 0, 3)]),
    ("DL3020", "FROM a:1\nADD . /app\n", [(1, 0, 3)]),
    ("DL3020", "FROM a:1\nADD https://example.org/f.txt /f\n", []),
    ("DL3020", "FROM a:1\nADD http://example.org/f /f\n", []),
    ("DL3020", "FROM a:1\nADD rootfs.tar.gz /\n", []),
    ("DL3020", "FROM a:1\nADD rootfs.tar.xz /\n", []),
    ("DL3020", "FROM a:1\nADD rootfs.tar.zst /\n", []),
    ("DL3020", "FROM a:1\nADD ROOTFS.TAR.GZ /\n", []),
    ("DL3020", 'FROM a:1\nADD "rootfs.tgz" /\n', []),
    ("DL3020", "FROM a:1\nADD files.zip /x/\n", [(1, 0, 3)]),
    ("DL3020", "FROM a:1\nADD git@github.com:moby/buildkit.git /src\n", []),
    ("DL3020", "FROM a:1\nADD https://github.com/moby/buildkit.git#v0.15.0 /src\n", []),
    ("DL3020", "FROM a:1\nADD a.tar.gz b.txt /x/\n", [(1, 0, 3)]),
    ("DL3020", "FROM a:1\nARG URL=https://example.org/f\nADD ${URL} /f\n", []),
    ("DL3020", "FROM a:1\nADD ${UNKNOWN} /f\n", []),
    ("DL3020", "FROM a:1\nARG F=app.py\nADD $F /app/\n", [(2, 0, 3)]),
    ("DL3020", "FROM a:1\nADD app-${V}.tar.gz /opt/\n", []),
    ("DL3020", 'FROM a:1\nADD ["a b.txt", "/b/"]\n', [(1, 0, 3)]),
    ("DL3020", "FROM a:1\nADD --chown=1:1 a.txt /b\n", [(1, 0, 3)]),
    ("DL3020", "FROM a:1\nONBUILD ADD a.txt /b\n", []),
    ("DL3020", "FROM a:1\nADD <<EOF /etc/motd\nhi\nEOF\n", [(1, 0, 3)]),
    ("DL3020", "FROM a:1\nCOPY a.txt /b\n", []),
    ("DL3020", "# escape=`\nFROM a:1\nADD a.txt `\n  /b\n", [(2, 0, 3)]),
    # ---- DL3002 last USER root ------------------------------------------------
    ("DL3002", "FROM a:1\nUSER root\n", [(1, 5, 9)]),
    ("DL3002", "FROM a:1\nUSER root\nRUN x\nUSER app\n", []),
    ("DL3002", "FROM a:1\nUSER app\nRUN x\nUSER root\n", [(3, 5, 9)]),
    ("DL3002", "FROM a:1\nUSER 0\n", [(1, 5, 6)]),
    ("DL3002", "FROM a:1\nUSER 0:0\n", [(1, 5, 8)]),
    ("DL3002", "FROM a:1\nUSER root:wheel\n", [(1, 5, 15)]),
    ("DL3002", "FROM a:1\nUSER rootless\n", []),
    ("DL3002", "FROM a:1\nUSER 1000:0\n", []),
    ("DL3002", "FROM a:1\nRUN x\n", []),
    ("DL3002", "FROM a:1 AS b\nUSER root\nFROM b\nUSER app\n", [(1, 5, 9)]),
    ("DL3002", "FROM a:1 AS b\nUSER app\nFROM b\nUSER root\n", [(3, 5, 9)]),
    ("DL3002", "FROM a:1\nONBUILD USER root\n", []),
    ("DL3002", 'FROM a:1\nUSER "root"\n', [(1, 5, 11)]),
    ("DL3002", "FROM a:1\nUSER root \n", [(1, 5, 9)]),
    ("DL3002", "FROM a:1\nARG R=root\nUSER ${R}\n", [(2, 5, 9)]),
    ("DL3002", "FROM a:1\nARG R\nUSER ${R}\n", []),
    ("DL3002", "FROM a:1\nUSER $UNKNOWN\n", []),
    ("DL3002", "FROM a:1\nENV U=0\nUSER $U:$U\n", [(2, 5, 10)]),
    ("DL3002", "FROM a:1 AS b\nARG U=root\nFROM b\nUSER $U\n", [(3, 5, 7)]),
    # ---- DL3025 JSON form -----------------------------------------------------
    ("DL3025", "FROM a:1\nCMD node server.js\n", [(1, 4, 18)]),
    ("DL3025", 'FROM a:1\nCMD ["node", "server.js"]\n', []),
    ("DL3025", 'FROM a:1\nCMD [ "node" , "server.js" ]\n', []),
    ("DL3025", "FROM a:1\nENTRYPOINT /entrypoint.sh\n", [(1, 11, 25)]),
    ("DL3025", "FROM a:1\nHEALTHCHECK CMD curl -f http://localhost/ || exit 1\n", [(1, 16, 51)]),
    ("DL3025", "FROM a:1\nHEALTHCHECK --interval=5s CMD curl x\n", [(1, 30, 36)]),
    ("DL3025", 'FROM a:1\nHEALTHCHECK CMD ["curl", "x"]\n', []),
    ("DL3025", "FROM a:1\nHEALTHCHECK NONE\n", []),
    ("DL3025", "FROM a:1\nCMD ['a']\n", [(1, 4, 9)]),
    ("DL3025", "FROM a:1\nONBUILD CMD a\n", []),
    ("DL3025", 'FROM a:1\nSHELL ["/bin/bash", "-c"]\nCMD echo hi\n', [(2, 4, 11)]),
    ("DL3025", "FROM a:1\nCMD python app.py \\\n  --port 80\n", [(1, 4, 11)]),
    ("DL3025", "# escape=`\nFROM a:1\nCMD a `\n  b\n", [(2, 4, 3)]),
    ("DL3025", "FROM a:1\nRUN echo hi\n", []),
    # ---- DL3003 cd ------------------------------------------------------------
    ("DL3003", "FROM a:1\nRUN cd /src && make\n", [(1, 4, 11)]),
    ("DL3003", "FROM a:1\nRUN (cd src && make)\n", [(1, 5, 11)]),
    ("DL3003", "FROM a:1\nRUN make -C src\n", []),
    ("DL3003", "FROM a:1\nRUN echo cd\n", []),
    ("DL3003", "FROM a:1\nONBUILD RUN cd /x\n", []),
    ("DL3003", "FROM a:1\nRUN <<EOF\nset -e\ncd /x\nEOF\n", [(3, 0, 5)]),
    ("DL3003", 'FROM a:1\nRUN ["cd","x"]\n', [(1, 5, 13)]),
    ("DL3003", "FROM a:1\nRUN sh -c 'cd /x && make'\n", []),
    ("DL3003", "FROM a:1\nRUN make \\\n && cd /x\n", [(2, 4, 9)]),
    ("DL3003", "# escape=`\nFROM a:1\nRUN cd /x `\n && make\n", [(2, 4, 9)]),
    ("DL3003", "FROM a:1\nRUN cd /a && cd /b\n", [(1, 4, 9)]),
    ("DL3003", WIN + "RUN cd C:\\app && build.cmd\n", [(1, 4, 13)]),
    ("DL3003", WIN + "RUN mkdir x & cd x\n", [(1, 14, 18)]),
    ("DL3003", WIN + "RUN echo cd\n", []),
    ("DL3003", WIN + 'SHELL ["powershell", "-Command"]\nRUN Set-Location C:\\x; go build\n', [(2, 4, 21)]),
    # ---- DL3004 sudo ----------------------------------------------------------
    ("DL3004", "FROM a:1\nRUN sudo apt-get update\n", [(1, 4, 23)]),
    ("DL3004", "FROM a:1\nONBUILD RUN sudo x\n", [(1, 12, 18)]),
    ("DL3004", 'FROM a:1\nRUN ["sudo","x"]\n', [(1, 5, 15)]),
    ("DL3004", "FROM a:1\nRUN <<EOF\nsudo x\nEOF\n", [(2, 0, 6)]),
    ("DL3004", "FROM a:1\nRUN /usr/bin/sudo x\n", [(1, 4, 19)]),
    ("DL3004", "FROM a:1\nRUN echo x | sudo tee /f\n", [(1, 13, 24)]),
    ("DL3004", "FROM a:1\nRUN echo sudo\n", []),
    ("DL3004", "FROM a:1\nRUN gosu app x\n", []),
    ("DL3004", "# escape=`\nFROM a:1\nRUN echo `\n && sudo x\n", [(3, 4, 10)]),
    # ---- DL3027 apt -----------------------------------------------------------
    ("DL3027", "FROM a:1\nRUN apt install -y curl\n", [(1, 4, 23)]),
    ("DL3027", "FROM a:1\nRUN apt-get install -y curl && apt-cache policy curl\n", []),
    ("DL3027", "FROM a:1\nONBUILD RUN apt update\n", [(1, 12, 22)]),
    ("DL3027", 'FROM a:1\nRUN ["apt", "update"]\n', [(1, 5, 20)]),
    ("DL3027", "FROM a:1\nRUN <<EOF\napt update\nEOF\n", [(2, 0, 10)]),
    ("DL3027", "FROM a:1\nRUN /usr/bin/apt update\n", [(1, 4, 23)]),
    ("DL3027", "FROM a:1\nRUN echo apt\n", []),
    ("DL3027", "FROM a:1\nRUN apt-get update \\\n && apt upgrade -y\n", [(2, 4, 18)]),
]


@pytest.mark.parametrize("code,src,expected", CASES)
def test_rule_table(lint, code, src, expected):
    assert codes(lint(src, select=[code]), code) == expected


def test_several_commands_give_one_finding_with_related(lint):
    (v,) = [v for v in lint("FROM a:1\nRUN cd /a && cd /b\n", select=["DL3003"])]
    assert [(s.start.col, s.end.col) for s, _ in v.related] == [(13, 18)]


# ---- fixes ----------------------------------------------------------------

FIXES = [
    # (code, source, fixed source or None when no fix is offered)
    ("DL3032", "FROM centos:7\nRUN yum install -y httpd\n",
     "FROM centos:7\nRUN yum install -y httpd \\\n    && yum clean all\n"),
    ("DL3032", "FROM centos:7\nRUN set -e \\\n\t&& yum install -y a\n",
     "FROM centos:7\nRUN set -e \\\n\t&& yum install -y a \\\n\t&& yum clean all\n"),
    ("DL3032", "FROM centos:7\nRUN yum install -y a   \n",
     "FROM centos:7\nRUN yum install -y a \\\n    && yum clean all   \n"),
    ("DL3032", "FROM centos:7\nONBUILD RUN yum install -y a\n",
     "FROM centos:7\nONBUILD RUN yum install -y a \\\n    && yum clean all\n"),
    ("DL3032", "# escape=`\nFROM centos:7\nRUN yum install -y a\n",
     "# escape=`\nFROM centos:7\nRUN yum install -y a `\n    && yum clean all\n"),
    ("DL3032", "FROM centos:7\r\nRUN yum install -y a\r\n",
     "FROM centos:7\r\nRUN yum install -y a \\\r\n    && yum clean all\r\n"),
    ("DL3032", "FROM centos:7\nRUN if true; then yum install -y a; fi\n",
     "FROM centos:7\nRUN if true; then yum install -y a; fi \\\n    && yum clean all\n"),
    ("DL3032", "FROM centos:7\nRUN yum install -y a # note\n", None),
    ("DL3032", "FROM centos:7\nRUN yum install -y a;\n", None),
    ("DL3032", "FROM centos:7\nRUN yum install -y a &\n", None),
    ("DL3032", "FROM centos:7\nRUN yum install -y a && exit 0\n", None),
    ("DL3032", 'FROM centos:7\nRUN ["yum", "install", "-y", "a"]\n', None),
    ("DL3032", "FROM centos:7\nRUN <<EOF\nyum install -y a\nEOF\n", None),
    ("DL3040", "FROM fedora:40\nRUN dnf install -y nginx\n",
     "FROM fedora:40\nRUN dnf install -y nginx \\\n    && dnf clean all\n"),
    ("DL3040", "FROM ubi9-minimal:9.4\nRUN microdnf install -y a\n",
     "FROM ubi9-minimal:9.4\nRUN microdnf install -y a \\\n    && microdnf clean all\n"),
    ("DL3040", "FROM fedora:40\nRUN dnf install -y a && microdnf install -y b\n",
     "FROM fedora:40\nRUN dnf install -y a && microdnf install -y b \\\n    && dnf clean all \\\n"
     "    && microdnf clean all\n"),
    ("DL3040", "FROM fedora:40\nRUN <<EOF\ndnf install -y a\nEOF\n", None),
    ("DL3036", "FROM opensuse/leap:15.6\nRUN zypper install -y curl\n",
     "FROM opensuse/leap:15.6\nRUN zypper install -y curl \\\n    && zypper clean\n"),
    ("DL3036", 'FROM opensuse/leap:15.6\nRUN ["zypper", "in", "-y", "a"]\n', None),
    ("DL3060", "FROM node:22\nRUN yarn install --frozen-lockfile\n",
     "FROM node:22\nRUN yarn install --frozen-lockfile \\\n    && yarn cache clean\n"),
    ("DL3060", "FROM node:22\nRUN cd /app \\\n  && yarn\n",
     "FROM node:22\nRUN cd /app \\\n  && yarn \\\n  && yarn cache clean\n"),
    ("DL3060", 'FROM node:22\nRUN ["yarn", "install"]\n', None),
    ("DL3020", "FROM a:1\nADD app.py /app/\n", "FROM a:1\nCOPY app.py /app/\n"),
    ("DL3020", "from a:1\nadd app.py /app/\n", "from a:1\ncopy app.py /app/\n"),
    ("DL3020", 'FROM a:1\nADD ["a b.txt", "/b/"]\n', 'FROM a:1\nCOPY ["a b.txt", "/b/"]\n'),
    ("DL3020", "FROM a:1\nADD --chown=1:1 --chmod=644 --link a.txt /b\n",
     "FROM a:1\nCOPY --chown=1:1 --chmod=644 --link a.txt /b\n"),
    ("DL3020", "FROM a:1\nADD <<EOF /etc/motd\nhi\nEOF\n", "FROM a:1\nCOPY <<EOF /etc/motd\nhi\nEOF\n"),
    ("DL3020", "FROM a:1\nADD --keep-git-dir a.txt /b\n", None),
    ("DL3020", "FROM a:1\nADD --checksum=sha256:0000 a.txt /b\n", None),
    ("DL3020", "FROM a:1\nADD a.tar.gz b.txt /x/\n", None),
    ("DL3025", "FROM a:1\nCMD node server.js\n", 'FROM a:1\nCMD ["node", "server.js"]\n'),
    ("DL3025", "FROM a:1\nCMD echo 'Hello World'\n", 'FROM a:1\nCMD ["echo", "Hello World"]\n'),
    ("DL3025", 'FROM a:1\nCMD say "a b"c\n', 'FROM a:1\nCMD ["say", "a bc"]\n'),
    ("DL3025", "FROM a:1\nCMD say '\"q\"'\n", 'FROM a:1\nCMD ["say", "\\"q\\""]\n'),
    ("DL3025", "FROM a:1\nCMD echo héllo\n", 'FROM a:1\nCMD ["echo", "héllo"]\n'),
    ("DL3025", "FROM a:1\nCMD exec nginx -g daemon\n", 'FROM a:1\nCMD ["nginx", "-g", "daemon"]\n'),
    ("DL3025", "FROM a:1\nENTRYPOINT /entrypoint.sh\n", 'FROM a:1\nENTRYPOINT ["/entrypoint.sh"]\n'),
    ("DL3025", "FROM a:1\nHEALTHCHECK --interval=5s CMD curl -f http://x/\n",
     'FROM a:1\nHEALTHCHECK --interval=5s CMD ["curl", "-f", "http://x/"]\n'),
    ("DL3025", "FROM a:1\nCMD python app.py \\\n  --port 80\n", 'FROM a:1\nCMD ["python", "app.py", "--port", "80"]\n'),
    ("DL3025", "FROM a:1\nCMD python app.py \\\n  # the port\n  --port 80\n", None),
    ("DL3025", "FROM a:1\nCMD echo $HOME\n", None),
    ("DL3025", 'FROM a:1\nCMD echo "${HOME}"\n', None),
    ("DL3025", "FROM a:1\nCMD a && b\n", None),
    ("DL3025", "FROM a:1\nCMD a | b\n", None),
    ("DL3025", "FROM a:1\nCMD a; b\n", None),
    ("DL3025", "FROM a:1\nCMD a > /log\n", None),
    ("DL3025", "FROM a:1\nCMD ls *.txt\n", None),
    ("DL3025", "FROM a:1\nCMD echo a\\ b\n", None),
    ("DL3025", "FROM a:1\nCMD FOO=1 node x\n", None),
    ("DL3025", "FROM a:1\nCMD cd /x\n", None),
    ("DL3025", "FROM a:1\nCMD ~/run\n", None),
    ("DL3025", "FROM a:1\nCMD echo 'unterminated\n", None),
    ("DL3025", "FROM a:1\nHEALTHCHECK CMD curl -f http://x/ || exit 1\n", None),
    ("DL3025", WIN + "CMD ping localhost\n", None),
    ("DL3025", 'FROM a:1\nSHELL ["pwsh", "-Command"]\nCMD Get-Date\n', None),
    ("DL3025", 'FROM a:1 AS b\nSHELL ["cmd", "/S", "/C"]\nFROM b\nCMD ping localhost\n', None),
    ("DL3025", 'FROM a:1\nSHELL ["/bin/bash", "-c"]\nCMD echo hi\n', 'FROM a:1\nSHELL ["/bin/bash", "-c"]\nCMD ["echo", "hi"]\n'),
    ("DL3025", WIN + 'SHELL ["/bin/sh", "-c"]\nCMD echo hi\n', WIN + 'SHELL ["/bin/sh", "-c"]\nCMD ["echo", "hi"]\n'),
    # issue 12, item 11: with an exec-form ENTRYPOINT the CMD is its argv (`/bin/sh -c "…"`): no fix
    ("DL3025", 'FROM a:1\nENTRYPOINT ["python","app.py"]\nCMD --port 80\n', None),
    ("DL3025", 'FROM a:1\nENTRYPOINT ["python","app.py"]\nCMD serve --port 80\n', None),
    ("DL3025", 'FROM a:1\nCMD serve --port 80\nENTRYPOINT ["python","app.py"]\n', None),
    ("DL3025", 'FROM a:1 AS base\nENTRYPOINT ["python","app.py"]\nFROM base\nCMD serve\n', None),
    ("DL3025", "FROM a:1\nCMD --port 80\n", None),  # BuildKit: unknown flag
    ("DL3025", "FROM a:1\nENTRYPOINT --port 80\n", None),
]


@pytest.mark.parametrize("src", [
    'FROM a:1\nENTRYPOINT ["python","app.py"]\nCMD --port 80\n',
    "FROM a:1\nCMD --port 80\n",
    'FROM a:1\nENTRYPOINT ["python","app.py"]\nCMD serve --port 80\n',
])
def test_dl3025_fix_all_never_changes_what_an_exec_entrypoint_gets(src):
    """Unsafe fix-all leaves the CMD as BuildKit would run it (issue 12, item 11)."""
    from dockwise.lint.fixes import fix_text

    out = fix_text(src, LintSettings.make(select=["DL3025"]), "Dockerfile", unsafe=True).text
    assert out == src


def test_dl3025_fixes_cmd_under_a_shell_form_entrypoint():
    """A shell-form ENTRYPOINT ignores CMD: the CMD's exec form changes nothing that runs."""
    src = 'FROM a:1 AS base\nENTRYPOINT ["x"]\nFROM base\nENTRYPOINT ./run.sh\nCMD serve\n'
    (cmd,) = [v for v in only("DL3025", src) if v.span.start.line == 4]
    assert cmd.fix is not None
    assert apply_edits(src, cmd.fix.edits).endswith('CMD ["serve"]\n')


@pytest.mark.parametrize("code,src,fixed", FIXES)
def test_fixes(code, src, fixed):
    vs = only(code, src)
    assert vs, "the rule must fire on the source"
    v = vs[0]
    if fixed is None:
        assert v.fix is None
        return
    assert v.fix is not None
    expected_kind = "unsafe" if code == "DL3025" else "safe"
    assert v.fix.applicability.value == expected_kind
    new = apply_edits(src, v.fix.edits)
    assert new == fixed
    assert only(code, new) == [], "the fixed text must not trigger the rule again"


def test_fixable_flags_match():
    from dockwise import rules

    for code in ("DL3032", "DL3040", "DL3036", "DL3060", "DL3020", "DL3025"):
        r = rules.get(code)
        assert r is not None and r.meta.fixable, code
    for code in ("DL3002", "DL3003", "DL3004", "DL3027"):
        r = rules.get(code)
        assert r is not None and not r.meta.fixable, code


def test_jsonargsrecommended_alias():
    """BuildKit's JSONArgsRecommended respects SHELL, hadolint's DL3025 does not
    (issue 14): the BuildKit name is DW107's, not DL3025's."""
    from dockwise import rules

    assert rules.get("JSONArgsRecommended") is rules.get("DW107")
    dl3025 = rules.get("DL3025")
    assert dl3025 is not None and "JSONArgsRecommended" not in dl3025.meta.aliases
