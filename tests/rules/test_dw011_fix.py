"""DW011's fix: move a cleanup RUN into the RUN that created the files."""
from __future__ import annotations

import pytest
from fixutil import declined, fixed, run_argvs

from dockwise.lint.engine import LintSettings
from dockwise.lint.fixes import fix_text

ONLY = LintSettings.make(select=["DW011"])
APT = "RUN apt-get update && apt-get install -y curl\n"


@pytest.mark.parametrize(
    "src, want",
    [
        ("FROM a:1\n" + APT + "RUN apt-get clean && rm -rf /var/lib/apt/lists/*\n",
         "FROM a:1\nRUN apt-get update && apt-get install -y curl \\\n    && apt-get clean && rm -rf /var/lib/apt/lists/*\n"),
        # comment and blank lines between are still "adjacent"; the comments stay
        ("FROM a:1\n" + APT + "\n# clean up\nRUN rm -rf /var/lib/apt/lists/*\nCMD x\n",
         "FROM a:1\nRUN apt-get update && apt-get install -y curl \\\n    && rm -rf /var/lib/apt/lists/*\n\n# clean up\nCMD x\n"),
        # continuation lines of both RUNs are kept; the earlier RUN's indentation is used
        ("FROM a:1\nRUN apk add \\\n\tbuild-base\nRUN rm -rf \\\n  /var/cache/apk/*\n",
         "FROM a:1\nRUN apk add \\\n\tbuild-base \\\n\t&& rm -rf \\\n  /var/cache/apk/*\n"),
        # generic paths: the RUN right before
        ("FROM a:1\nRUN curl -o /tmp/x.tgz https://e.x/x.tgz && tar xzf /tmp/x.tgz -C /opt\nRUN rm -rf /tmp/*\n",
         "FROM a:1\nRUN curl -o /tmp/x.tgz https://e.x/x.tgz && tar xzf /tmp/x.tgz -C /opt \\\n    && rm -rf /tmp/*\n"),
        ("FROM a:1\nRUN npm install\nRUN npm cache clean --force",
         "FROM a:1\nRUN npm install \\\n    && npm cache clean --force"),
        ("# escape=`\nFROM a:1\nRUN yum install -y x\nRUN yum clean all\n",
         "# escape=`\nFROM a:1\nRUN yum install -y x `\n    && yum clean all\n"),
    ],
)
def test_adjacent_cleanup_is_moved_safely(src, want):
    app, out = fixed(src, "DW011")
    assert (app, out) == ("safe", want)
    assert run_argvs(out) == run_argvs(src)  # same commands, same order


def test_cleanup_already_at_the_end_is_not_repeated():
    src = "FROM a:1\nRUN apt-get install -y x \\\n && rm -rf /var/lib/apt/lists/*\nRUN rm -rf /var/lib/apt/lists/*\n"
    assert fixed(src, "DW011") == ("safe", "FROM a:1\nRUN apt-get install -y x \\\n && rm -rf /var/lib/apt/lists/*\n")


def test_nearest_matching_install_across_other_instructions_is_unsafe():
    src = "FROM a:1\n" + APT + "RUN pip install flask\nENV A=1\nRUN apt-get clean\n"
    app, out = fixed(src, "DW011")
    assert app == "unsafe"
    assert out == ("FROM a:1\nRUN apt-get update && apt-get install -y curl \\\n    && apt-get clean\n"
                   "RUN pip install flask\nENV A=1\n")


def test_stateful_earlier_run_is_unsafe():
    app, _ = fixed("FROM a:1\nRUN export X=1 && apt-get install -y x\nRUN apt-get clean\n", "DW011")
    assert app == "unsafe"


def test_crlf_and_fix_all():
    src = "FROM a:1\r\nRUN apt-get install -y x\r\nRUN apt-get clean\r\n"
    res = fix_text(src, ONLY)
    assert res.text == "FROM a:1\r\nRUN apt-get install -y x \\\r\n    && apt-get clean\r\n"
    assert not res.remaining and fix_text(res.text, ONLY).text == res.text


@pytest.mark.parametrize(
    "src",
    [
        "FROM a:1\nRUN <<EOF\napt-get install -y x\nEOF\nRUN apt-get clean\n",  # heredoc creator
        "FROM a:1\nRUN apt-get install -y x\nRUN <<EOF\napt-get clean\nEOF\n",  # heredoc cleanup
        'FROM a:1\nRUN apt-get install -y x\nRUN ["apt-get", "clean"]\n',  # exec form
        "FROM a:1\nRUN apt-get install -y x # note\nRUN apt-get clean\n",  # shell comment swallows
        "FROM a:1\nRUN apt-get install -y x; exit 0\nRUN apt-get clean\n",
        "FROM a:1\nRUN apt-get install -y x &\nRUN apt-get clean\n",
        "FROM a:1\nRUN apt-get install -y x;\nRUN apt-get clean\n",  # `x; && apt-get clean` would not parse
        "FROM a:1\nRUN apt-get install -y x\nRUN apt-get clean; rm -rf /tmp/*\n",  # not a && chain
        "FROM a:1\nRUN --mount=type=cache,target=/root/.npm npm ci\nRUN npm cache clean --force\n",  # flags
        "FROM a:1\nRUN cd /src && make\nRUN rm -rf build.tar.gz\n",  # relative path after cd
        "FROM a:1\nRUN apk add x\nWORKDIR /src\nRUN rm -rf /var/cache/apk/* x.tar.gz\n",  # relative, WORKDIR between
        "FROM a:1\nRUN make\nCOPY x /x\nRUN rm -rf /tmp/*\n",  # generic cleanup not right after its RUN
        "FROM a:1\nRUN apt-get install -y x\nRUN apt-get clean \\\n# why\n && rm -rf /tmp/*\n",  # comment inside
    ],
)
def test_declined(src):
    assert declined(src, "DW011")


@pytest.mark.parametrize(
    "src, want",
    [
        # micromamba/mamba clean belongs to the RUN that ran micromamba/mamba install
        ("FROM mambaorg/micromamba:1.5\nRUN micromamba install -y -n base numpy\nRUN micromamba clean --all --yes\n",
         "FROM mambaorg/micromamba:1.5\nRUN micromamba install -y -n base numpy \\\n    && micromamba clean --all --yes\n"),
        ("FROM condaforge/miniforge3:24.9.0-0\nRUN mamba install -y numpy\nRUN mamba clean -afy\n",
         "FROM condaforge/miniforge3:24.9.0-0\nRUN mamba install -y numpy \\\n    && mamba clean -afy\n"),
    ],
)
def test_conda_family_cleanup_is_moved(src, want):
    assert fixed(src, "DW011") == ("safe", want)

