"""Completion and signature help (engine side)."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dockwise.images import catalog as images
from dockwise.editor.completion import complete
from dockwise.syntax.model import Pos
from dockwise.syntax.parser import parse
from dockwise.editor.signature import signature_help


def at(text: str) -> tuple[str, Pos]:
    """``text`` with a ``|`` marking the cursor → (text without it, cursor)."""
    i = text.index("|")
    before = text[:i]
    return before + text[i + 1:], Pos(before.count("\n"), len(before) - (before.rfind("\n") + 1))


def items(marked: str, **kw):
    text, pos = at(marked)
    return complete(parse(text), pos, **kw)


def labels(marked: str, **kw) -> list[str]:
    return [i.label for i in items(marked, **kw)]


def applied(marked: str, label: str, **kw) -> str:
    """The line after accepting the item ``label`` (plain text items only)."""
    text, pos = at(marked)
    it = next(i for i in complete(parse(text), pos, **kw) if i.label == label)
    line = text.split("\n")[pos.line]
    assert it.start.line == pos.line and it.start.col <= pos.col
    end = it.end.col if it.end is not None else pos.col
    return line[: it.start.col] + it.insert + line[end:]


# -- keywords ---------------------------------------------------------------------------


def test_only_from_and_arg_before_the_first_from():
    assert labels("|") == ["FROM", "ARG"]
    assert labels("ARG V=1\n|\nFROM x\n") == ["FROM", "ARG"]


def test_all_instructions_inside_a_stage():
    got = labels("FROM x\n|")
    assert {"RUN", "COPY", "HEALTHCHECK", "ONBUILD", "FROM", "MAINTAINER"} <= set(got)
    assert len(got) == 18


def test_keyword_plain_vs_snippet():
    plain = items("FROM x\nRU|")
    run = next(i for i in plain if i.label == "RUN")
    assert run.insert == "RUN " and not run.snippet and run.start == Pos(1, 0)
    assert all(not i.snippet for i in plain)
    snip = items("FROM x\nRU|", snippets=True)
    run = next(i for i in snip if i.label == "RUN")
    assert run.snippet and run.insert == "RUN ${1:command}"
    labels_ = [i.label for i in snip]
    assert "RUN --mount=type=cache" in labels_ and "HEALTHCHECK NONE" in labels_
    mount = next(i for i in snip if i.label == "RUN --mount=type=cache")
    assert mount.insert.startswith("RUN --mount=type=cache,target=${1") and mount.filter == "RUN"
    frm = next(i for i in items("F|", snippets=True) if i.label == "FROM image:tag AS name")
    assert frm.insert == "FROM ${1:image}:${2:tag} AS ${3:name}"


def test_keyword_replaced_in_place_when_text_follows():
    assert applied("FROM x\nru| echo hi", "RUN") == "RUN echo hi"
    assert applied("FROM x\nr|un echo hi", "RUN") == "RUN echo hi"  # the whole keyword is replaced
    assert applied("FROM x\nr|n", "RUN") == "RUN "
    # snippets would duplicate the arguments: the bare keyword is inserted
    its = items("FROM x\nru| echo hi", snippets=True)
    assert all(not i.snippet for i in its)


def test_onbuild_triggers():
    got = labels("FROM x\nONBUILD |")
    assert "RUN" in got and "COPY" in got
    assert not {"ONBUILD", "FROM", "MAINTAINER"} & set(got)


def test_maintainer_is_marked_deprecated():
    m = next(i for i in items("FROM x\n|") if i.label == "MAINTAINER")
    assert m.deprecated


def test_keyword_items_carry_documentation():
    run = next(i for i in items("FROM x\n|") if i.label == "RUN")
    assert run.doc is not None and "docs.docker.com" in run.doc
    assert run.detail is not None and run.detail.startswith("RUN")


# -- flags -----------------------------------------------------------------------------


@pytest.mark.parametrize("kw,expected", [
    ("RUN", {"--mount=", "--network=", "--security="}),
    ("COPY", {"--from=", "--chown=", "--chmod=", "--link", "--parents", "--exclude="}),
    ("ADD", {"--chown=", "--chmod=", "--checksum=", "--link", "--keep-git-dir", "--unpack", "--exclude="}),
    ("FROM", {"--platform="}),
    ("HEALTHCHECK", {"--interval=", "--timeout=", "--start-period=", "--start-interval=", "--retries="}),
])
def test_flags_valid_for_the_instruction(kw, expected):
    prefix = "" if kw == "FROM" else "FROM x\n"
    assert {i.label for i in items(f"{prefix}{kw} --|") if i.kind == "flag"} == expected


def test_no_flags_where_none_are_valid_or_after_the_arguments():
    assert labels("FROM x\nENV --|") == []
    assert labels("FROM x\nRUN apt-get --|") == []
    assert labels("FROM x\nCOPY a --|") == []


def test_given_flags_not_repeated_except_lists():
    got = labels("FROM x\nCOPY --from=a --link --exclude=*.md --|")
    assert "--from=" not in got and "--link" not in got and "--exclude=" in got
    assert "--mount=" in labels("FROM x\nRUN --mount=type=cache,target=/c --|")


def test_device_flag_only_with_the_labs_frontend():
    assert "--device=" not in labels("FROM x\nRUN --|")
    assert "--device=" in labels("# syntax=docker/dockerfile:1-labs\nFROM x\nRUN --|")


def test_flags_offered_with_the_arguments_after_the_keyword():
    got = labels("FROM x\nHEALTHCHECK |")
    assert "--interval=" in got and "CMD" in got and "NONE" in got


def test_mount_snippets_only_for_snippet_clients():
    assert "--mount=type=cache" in labels("FROM x\nRUN --|", snippets=True)
    assert "--mount=type=cache" not in labels("FROM x\nRUN --|")


# -- flag values -------------------------------------------------------------------------

MULTI = """FROM golang AS build
FROM alpine AS test
FROM debian
COPY --from=|
FROM scratch AS later
"""


def test_copy_from_offers_only_earlier_stages():
    got = labels(MULTI)
    assert "build" in got and "test" in got and "0" in got and "1" in got
    assert "later" not in got and "3" not in got and "2" not in got  # later stage, own stage
    assert applied(MULTI, "build") == "COPY --from=build"


def test_mount_types_and_keys_per_type():
    assert labels("FROM x\nRUN --mount=type=|") == ["bind", "cache", "tmpfs", "secret", "ssh"]
    cache = labels("FROM x\nRUN --mount=type=cache,|")
    assert {"target=", "id=", "sharing=", "from=", "readonly", "mode=", "uid=", "gid="} <= set(cache)
    assert "size=" not in cache and "type=" not in cache
    tmpfs = labels("FROM x\nRUN --mount=type=tmpfs,|")
    assert set(tmpfs) == {"target=", "size="}
    secret = labels("FROM x\nRUN --mount=type=secret,id=x,|")
    assert "id=" not in secret and "env=" in secret and "required" in secret and "from=" not in secret
    # a field already given (through an alias) is not offered again
    assert "target=" not in labels("FROM x\nRUN --mount=type=cache,dst=/c,|")
    assert "type=" in labels("FROM x\nRUN --mount=|")
    assert applied("FROM x\nRUN --mount=type=cache,ta|", "target=") == "RUN --mount=type=cache,target="


def test_mount_values():
    assert labels("FROM x\nRUN --mount=type=cache,sharing=|") == ["shared", "private", "locked"]
    assert "build" in labels("FROM golang AS build\nFROM x\nRUN --mount=from=|")


def test_other_flag_values():
    assert labels("FROM x\nRUN --network=|") == ["default", "none", "host"]
    assert labels("FROM x\nRUN --security=|") == ["sandbox", "insecure"]
    assert "$BUILDPLATFORM" in labels("FROM --platform=|")
    assert applied("FROM --platform=lin| x", "linux/arm64") == "FROM --platform=linux/arm64 x"


# -- variables ----------------------------------------------------------------------------

SCOPES = """ARG GLOBAL=1
ARG TAG=3
FROM python:${|}
ARG GLOBAL
ENV APP=/app
RUN echo $|
FROM base AS child
"""


def test_from_line_sees_global_args_and_predefined_ones():
    text = SCOPES
    got = labels(text.replace("$|", "$x", 1))
    assert {"GLOBAL", "TAG", "TARGETPLATFORM", "BUILDPLATFORM"} <= set(got)
    assert "APP" not in got


def test_stage_sees_its_own_args_envs_and_redeclared_globals_only():
    text = SCOPES.replace("${|}", "${TAG}")
    got = labels(text)
    assert "GLOBAL" in got and "APP" in got
    assert "TAG" not in got  # a global ARG not redeclared in the stage
    assert "TARGETPLATFORM" not in got  # predefined ARGs need ARG in a stage
    assert "HTTP_PROXY" in got  # RUN sees the proxy ARGs


def test_later_definitions_and_unrelated_stages_are_not_visible():
    text = "FROM x AS a\nENV A=1\nFROM y AS b\nRUN echo $|\nENV LATER=1\nFROM a\nRUN echo $B\n"
    got = labels(text)
    assert "A" not in got and "LATER" not in got


def test_child_stage_inherits_parent_variables():
    text = "FROM x AS a\nENV A=1\nARG B\nFROM a\nRUN echo ${|"
    got = labels(text)
    assert "A" in got and "B" in got
    a = next(i for i in items(text) if i.label == "A")
    assert a.detail is not None and a.doc is not None
    assert a.insert == "A}" and "ENV" in a.detail and "A=1" in a.doc


def test_braced_variable_not_closed_twice():
    text = "FROM x\nENV A=1\nWORKDIR ${|}/x"
    assert next(i for i in items(text) if i.label == "A").insert == "A"
    assert applied("FROM x\nENV ABC=1\nWORKDIR $A|", "ABC") == "WORKDIR $ABC"


def test_escaped_dollar_is_not_a_variable():
    assert labels("FROM x\nENV A=1\nRUN echo \\$|") == []


def test_variables_in_heredoc_bodies():
    text = "FROM x\nENV A=1\nRUN <<EOF\necho $|\nEOF\n"
    assert "A" in labels(text)
    assert labels("FROM x\nRUN <<EOF\nR|\nEOF\n") == []  # no keywords in a body


# -- directives ----------------------------------------------------------------------------


def test_directives_at_the_top():
    assert labels("#|") == ["syntax=", "escape=", "check="]
    assert labels("# syntax=docker/dockerfile:1\n# |\nFROM x") == ["escape=", "check="]
    assert labels("# escape=|") == ["`", "\\"]
    assert "docker/dockerfile:1" in labels("# syntax=|")
    got = labels("# check=skip=JSONArgsRecommended,|")
    assert "StageNameCasing" in got and "JSONArgsRecommended" not in got


def test_no_directives_after_a_comment_or_an_instruction():
    assert labels("# hello\n# |") == []
    assert labels("FROM x\n# |") == []


# -- images --------------------------------------------------------------------------------


def test_image_names_from_the_table_and_earlier_stages():
    got = labels("FROM golang AS build\nFROM |")
    repos = set(images.size_table()["images"])
    assert repos <= set(got)
    assert "build" in got and "scratch" in got


def test_image_tags_after_colon():
    tags = list(images.size_table()["images"]["python"])
    its = items("FROM python:3.12-|")
    assert [i.label for i in its] == tags
    slim = next(i for i in its if i.label == "3.12-slim")
    assert slim.start == Pos(0, 12)  # only the tag is replaced: no doubled "3.12-"
    assert applied("FROM python:3.12-|", "3.12-slim") == "FROM python:3.12-slim"
    assert slim.detail is not None and "MB compressed" in slim.detail


def test_image_tags_for_a_qualified_official_name():
    assert "3.12-slim" in labels("FROM docker.io/library/python:|")


class FakeLive:
    def cached_repositories(self):
        return ["ghcr.io/acme/tool"]

    def cached_tags(self, repo):
        return ["v9-live"] if repo == "python" else []


class BrokenLive:
    def cached_repositories(self):
        raise RuntimeError("boom")

    def cached_tags(self, repo):
        raise RuntimeError("boom")


def test_live_cache_is_merged_and_a_broken_one_ignored():
    assert "ghcr.io/acme/tool" in labels("FROM |", live=FakeLive())
    assert "v9-live" in labels("FROM python:|", live=FakeLive())
    assert "3.12" in labels("FROM python:|", live=BrokenLive())


def test_as_after_the_image():
    assert applied("FROM python:3.12 |", "AS") == "FROM python:3.12 AS "


# -- other arguments -------------------------------------------------------------------------


def test_argument_values():
    assert labels("FROM x\nEXPOSE 8080/|") == ["tcp", "udp", "sctp"]
    assert "SIGTERM" in labels("FROM x\nSTOPSIGNAL |")
    got = labels("ARG VERSION=1\nFROM x\nARG |")
    assert "VERSION" in got and "TARGETARCH" in got
    assert labels("FROM x\nCMD |") == []


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("FROM RUN COPY--from=$${}:\\`#\n <EOF>\"'-mount=type,")), max_size=80),
       st.integers(0, 100), st.integers(0, 100), st.booleans())
def test_never_crashes(text, line, col, snippets):
    df = parse(text)
    for it in complete(df, Pos(line, col), snippets=snippets):
        assert it.start.line == line
        assert it.start.col <= col
    signature_help(df, Pos(line, col))


# -- signature help -----------------------------------------------------------------------------


def sig(marked: str) -> tuple[str, str | None]:
    text, pos = at(marked)
    res = signature_help(parse(text), pos)
    assert res is not None
    s = res.signatures[res.active_signature]
    return s.label, (s.param_text(res.active_parameter) if res.active_parameter is not None else None)


def test_signature_from():
    label, p = sig("FROM |")
    assert label == "FROM [--platform=<platform>] <image>[:<tag>|@<digest>] [AS <name>]"
    assert p == "<image>[:<tag>|@<digest>]"
    assert sig("FROM --plat|")[1] == "[--platform=<platform>]"
    assert sig("FROM ubuntu |")[1] == "[AS <name>]"


def test_signature_copy_source_and_destination():
    label, p = sig("FROM x\nCOPY |")
    assert label.startswith("COPY [--from=<stage|image>]") and label.endswith("<src>... <dest>")
    assert p == "<src>..."
    assert sig("FROM x\nCOPY a b c|")[1] == "<dest>"
    assert sig("FROM x\nCOPY a| b c")[1] == "<src>..."
    assert sig("FROM x\nCOPY --chown=1 |")[1] == "<src>..."
    assert sig("FROM x\nCOPY --ch|")[1] == "[--chown=<user>[:<group>]]"


def test_signature_healthcheck_forms():
    label, p = sig("FROM x\nHEALTHCHECK --interval=5s |")
    assert "CMD <command>" in label and p == "CMD"
    assert sig("FROM x\nHEALTHCHECK CMD |")[1] == "<command>"
    assert sig("FROM x\nHEALTHCHECK NONE|") == ("HEALTHCHECK NONE", "NONE")


def test_signature_exec_and_shell_forms():
    assert sig('FROM x\nCMD ["a", |') == ('CMD ["<executable>", "<param>"…]', '"<param>"…]')
    assert sig("FROM x\nCMD echo |")[0] == "CMD <command> [<param>…]"
    assert sig("FROM x\nRUN apt-get |")[1] == "<command>"
    assert sig("FROM x\nEXPOSE 80/|") == ("EXPOSE <port>[/<protocol>] ...", "[/<protocol>]")
    assert sig("FROM x\nEXPOSE 8|")[1] == "<port>"
    assert sig("FROM x\nARG A=|")[1] == "[=<default value>]"
    assert sig("FROM x\nONBUILD COPY a |")[1] == "<dest>"


def test_no_signature_outside_arguments():
    for marked in ("|", "FROM x\n|", "FROM x\n# c|", "FROM x\nRU|"):
        text, pos = at(marked)
        assert signature_help(parse(text), pos) is None


class SourceLive:
    """Shaped like dockwise.images.registry.LiveImages: cached tags through its size source."""

    class _Src:
        def tags(self, repo):
            return ["7.7-cached"] if repo == "ghcr.io/acme/tool" else []

    def as_size_source(self):
        return self._Src()


def test_live_images_size_source_tags():
    assert labels("FROM ghcr.io/acme/tool:|", live=SourceLive()) == ["7.7-cached"]
