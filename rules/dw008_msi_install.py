r"""## What it does
Flags a `RUN` that installs a Windows Installer package: it calls `msiexec`
(`msiexec /i x.msi`, `Start-Process msiexec.exe …`, `cmd /c msiexec …`) or
starts an `.msi` file directly (`Start-Process x.msi`, `.\x.msi /quiet`), in
a stage that ends up in the final image (the target stage — the last one
unless `--target`/`build.target` names another — and the stages it is built
`FROM`). Heredoc scripts and `ONBUILD RUN` are searched too.

## Why it matters
Windows Installer keeps a copy of every installed package (and its patches)
in `C:\Windows\Installer` so that it can repair or uninstall it. Deleting the
downloaded `.msi` does not remove that copy: an MSI install costs the
package's size twice. Prefer zip/xcopy distributions, or install in a
builder stage and `COPY --from` the installed files ("Creating effective
images": avoid MSI installs on Windows).

## Example
```dockerfile
# escape=`
FROM mcr.microsoft.com/windows/servercore:ltsc2022
SHELL ["powershell", "-Command"]
RUN Invoke-WebRequest https://example.com/tool.msi -OutFile tool.msi; `
    Start-Process msiexec.exe -ArgumentList '/i', 'tool.msi', '/quiet' -Wait; `
    Remove-Item tool.msi
```

## Use instead
```dockerfile
# escape=`
FROM mcr.microsoft.com/windows/servercore:ltsc2022
SHELL ["powershell", "-Command"]
RUN Invoke-WebRequest https://example.com/tool.zip -OutFile tool.zip; `
    Expand-Archive tool.zip -DestinationPath C:\tool; `
    Remove-Item tool.zip
```

## References
- DockerCon talk "Creating effective images": avoid MSI installs on Windows
- https://learn.microsoft.com/en-us/virtualization/windowscontainers/manage-docker/optimize-windows-dockerfile
"""
from __future__ import annotations


from dockwise import lazyre
from dockwise.syntax.model import Dockerfile, Instruction, Stage
from dockwise.syntax.shell import line_map

from ._api import Finding, Severity, rule
from ._helpers import group_instructions, in_final_image

_MSIEXEC = lazyre.compile(r"(?i)(?<![\w.-])msiexec(\.exe)?(?![\w-])")
_START_MSI = lazyre.compile(r"(?i)\bStart-Process\b[^;|&\n]*?[\w\\/.:~$-]+\.msi\b")
_DIRECT_MSI = lazyre.compile(r"(?i)(?:^|[;&|\n]|\bcmd(?:\.exe)?\s+/[cCkK])\s*(?:&\s*)?[\"']?(?:\.[\\/])?[\w\\/.:~-]+\.msi\b")


def _in_prose(text: str, start: int, end: int) -> bool:
    """True when the match sits inside a quoted message after other words
    (``Write-Host ('Executing MsiExec.exe with parameters:')``): not a call."""
    qb = max(text.rfind("'", 0, start), text.rfind('"', 0, start))
    if qb < 0:
        return False
    before = text[qb + 1:start]
    if not before.strip() or any(ch in before for ch in "|{}$=;()&"):
        return False
    qa = text.find(text[qb], end)
    if qa < 0 or any(ch in text[end:qa] for ch in "|{};&\n"):
        return False
    return any(ch.isalpha() for ch in before)


def _texts(ins: Instruction):
    """The texts a RUN runs, each with a map of its offsets to spans: the text
    after the keyword and flags (of the ONBUILD trigger) and each heredoc body.
    MSI installs are found in the text itself: cmd and PowerShell are not parsed."""
    eff = ins.effective
    yield eff.text, eff.text_map.span
    for h in eff.heredocs:
        if h.body and h.body_span is not None:
            yield h.body, line_map(h.body, h.body_span.start.line, h.body_span.start.col).span


def _find(text: str):
    for rx in (_MSIEXEC, _START_MSI, _DIRECT_MSI):
        for m in rx.finditer(text):
            if not _in_prose(text, m.start(), m.end()):
                return m
    return None


@rule(
    code="DW008",
    name="msi-install",
    summary="MSI package installed in a Windows image",
    severity=Severity.WARNING,
    tags=("size", "windows", "talk"),
    final_image_only=True,
    each="group",
    context=in_final_image,
)
def msi_install(df: Dockerfile, st: Stage | None, ctx) -> list[Finding]:
    out: list[Finding] = []
    if not in_final_image(df, st, ctx):
        return out
    for ins in group_instructions(df, st):
        if ins.effective.keyword != "RUN":
            continue
        for text, span_of in _texts(ins):
            m = _find(text)
            if m:
                s, e = m.span()
                while s < e and text[s] in " \t;&|\n\"'":
                    s += 1
                out.append(
                    Finding(
                        span_of(s, e),
                        "MSI install: Windows Installer keeps a cached copy of the package in C:\\Windows\\Installer; "
                        "prefer a zip distribution or install in a builder stage and COPY --from it",
                    )
                )
                break
    return out
