"""BuildKit's own build-check cases, carried over as data.

Sources (moby/buildkit at 73ed6825c4b7, mirrored in /work/.mirror/moby+buildkit):

* ``frontend/dockerfile/dockerfile_check_test.go``: every ``checkLinterWarnings``
  call, named ``check_test:<Go test function>#<n>`` (n counts the calls in that
  function, from 1; sub-tests by their name). The expected warnings are the
  ones the lint sub-request returns (``UnmarshalWarnings`` when the case has
  them, else ``Warnings``): that is ``docker build --check``, which checks every
  stage, and what dockwise replays without ``--target``. Where a case has
  different build-mode warnings (only the stages the build needs), a second
  case named ``…/build`` runs dockwise with ``--target`` the last stage.
  BuildKit's unmarshal check does not compare lines; the lines here are the
  instruction BuildKit names (its ``Location``), as the progress-stream check
  asserts them.
* ``frontend/dockerfile/linter/docs/<Rule>.md``: the ❌/✅ examples, named
  ``docs:<Rule>#<n>`` (n counts the rule's example blocks). Expected is what
  BuildKit's code reports for the block as written; where that differs from
  what the page suggests, ``note`` says why.

Each case: ``dockerfile``; optional ``dockerignore`` (the build context's),
``build_args``, ``platform``, ``target``; ``expect``: (check name, 1-based line,
BuildKit's message) triples; ``errors``: the findings become errors
(``# check=error=true``).
"""
from __future__ import annotations

IDD = "InvalidDefinitionDescription"

CASES: list[dict] = [
    # -- testDefinitionDescription ------------------------------------------------
    dict(source="check_test:testDefinitionDescription#1", dockerfile="""# check=skip=all;experimental=InvalidDefinitionDescription
# foo this is the foo
ARG foo=bar

# base this is the base image
FROM scratch AS base

# version this is the version number
ARG version=latest

# baz this is the baz
ARG foo=baz bar=qux baz=quux
#
ARG bit=bat

# comment for something other than ARG or FROM
COPY Dockerfile .
""", expect=[]),
    dict(source="check_test:testDefinitionDescription#2", dockerfile="""# check=experimental=InvalidDefinitionDescription
# bar this is the bar
ARG foo=bar
# BasE this is the BasE image
FROM scratch AS base
# definitely a bad comment
ARG version=latest
# definitely a bad comment
ARG foo=baz bar=qux baz=quux
""", expect=[
        (IDD, 3, "Comment for ARG should follow the format: `# foo <description>`"),
        (IDD, 5, "Comment for FROM should follow the format: `# base <description>`"),
        (IDD, 7, "Comment for ARG should follow the format: `# version <description>`"),
        (IDD, 9, "Comment for ARG should follow the format: `# <arg_key> <description>`"),
    ]),
    # -- testCopyIgnoredFiles -----------------------------------------------------
    dict(source="check_test:testCopyIgnoredFiles#1", dockerignore="\nDockerfile\n",
         dockerfile="\nFROM scratch\nCOPY Dockerfile .\nADD Dockerfile /windy\n", expect=[
             ("CopyIgnoredFile", 3, 'Attempting to Copy file "Dockerfile" that is excluded by .dockerignore'),
             ("CopyIgnoredFile", 4, 'Attempting to Add file "Dockerfile" that is excluded by .dockerignore'),
         ]),
    dict(source="check_test:testCopyIgnoredFiles#3", dockerignore="\nDockerfile\n",
         dockerfile="# check=skip=CopyIgnoredFile\n\nFROM scratch\nCOPY Dockerfile .\nADD Dockerfile /windy\n",
         expect=[]),
    dict(source="check_test:testCopyIgnoredFiles#4", dockerignore="\nfoobar\n", dockerfile="""
FROM scratch AS base
COPY Dockerfile /foobar
ADD Dockerfile /windy

FROM base
COPY --from=base /foobar /Dockerfile
""", expect=[]),
    dict(source="check_test:testCopyIgnoredFiles#5", dockerignore="\n**\n!Dockerfile\n",
         dockerfile="\nFROM scratch\nCOPY ./Dockerfile .\n", expect=[]),
    dict(source="check_test:testCopyIgnoredFiles#6", dockerignore="\n**\n!Dockerfile\n",
         dockerfile="\nFROM scratch\nCOPY . .\n\t", expect=[]),
    dict(source="check_test:testCopyIgnoredFileContextRoot/dotfiles", dockerignore="\n.*\n",
         dockerfile="\nFROM scratch\nCOPY . .\n", expect=[]),
    dict(source="check_test:testCopyIgnoredFileContextRoot/wildcard", dockerignore="\n*\n",
         dockerfile="\nFROM scratch\nCOPY . .\n", expect=[
             ("CopyIgnoredFile", 3, 'Attempting to Copy file "." that is excluded by .dockerignore'),
         ]),
    # -- testSecretsUsedInArgOrEnv ------------------------------------------------
    dict(source="check_test:testSecretsUsedInArgOrEnv#1", dockerfile="""# check=skip=InvalidDefinitionDescription

FROM scratch
ARG SECRET_PASSPHRASE
ENV SUPER_Secret=foo
ENV password=bar secret=baz
ARG super_duper_secret_token=foo auth=bar
ENV apikey=bar sunflower=foo
ENV git_key=
ENV PUBLIC_KEY=
ARG public_token
ARG SECRET_PASSPHRASE_FILE
ENV password_file=bar secret_File=baz
ARG AUTH_MODULE_VERSION
# check=skip=SecretsUsedInArgOrEnv // allow secret in environment
ENV password=bar
# check=skip=SecretsUsedInArgOrEnv // allow secret in arg
ARG password
# check=skip=all // is local to only this instruction
ENV alternate_password=bar
# check=skip=all // is local to only this instruction
ARG alternate_password
""", expect=[
        ("SecretsUsedInArgOrEnv", 4, 'Do not use ARG or ENV instructions for sensitive data (ARG "SECRET_PASSPHRASE")'),
        ("SecretsUsedInArgOrEnv", 5, 'Do not use ARG or ENV instructions for sensitive data (ENV "SUPER_Secret")'),
        ("SecretsUsedInArgOrEnv", 6, 'Do not use ARG or ENV instructions for sensitive data (ENV "password")'),
        ("SecretsUsedInArgOrEnv", 6, 'Do not use ARG or ENV instructions for sensitive data (ENV "secret")'),
        ("SecretsUsedInArgOrEnv", 7, 'Do not use ARG or ENV instructions for sensitive data (ARG "auth")'),
        ("SecretsUsedInArgOrEnv", 7,
         'Do not use ARG or ENV instructions for sensitive data (ARG "super_duper_secret_token")'),
        ("SecretsUsedInArgOrEnv", 8, 'Do not use ARG or ENV instructions for sensitive data (ENV "apikey")'),
        ("SecretsUsedInArgOrEnv", 9, 'Do not use ARG or ENV instructions for sensitive data (ENV "git_key")'),
    ]),
    # -- testAllTargetUnmarshal ---------------------------------------------------
    dict(source="check_test:testAllTargetUnmarshal#1", dockerfile="""
FROM scratch AS first
COPY $foo .

FROM scratch AS second
COPY $bar .
""", expect=[
        ("UndefinedVar", 3, "Usage of undefined variable '$foo'"),
        ("UndefinedVar", 6, "Usage of undefined variable '$bar'"),
    ]),
    dict(source="check_test:testAllTargetUnmarshal#1/build", target="second", dockerfile="""
FROM scratch AS first
COPY $foo .

FROM scratch AS second
COPY $bar .
""", expect=[
        ("UndefinedVar", 6, "Usage of undefined variable '$bar'"),
    ]),
    # -- testRuleCheckOption --------------------------------------------------------
    dict(source="check_test:testRuleCheckOption#1",
         dockerfile="#check=skip=all\nFROM scratch as base\ncopy Dockerfile .\n", expect=[]),
    dict(source="check_test:testRuleCheckOption#2",
         dockerfile="#check=skip=all;error=true\nFROM scratch as base\ncopy Dockerfile .\n", expect=[]),
    dict(source="check_test:testRuleCheckOption#3",
         dockerfile="#check=skip=ConsistentInstructionCasing,FromAsCasing\nFROM scratch as base\ncopy Dockerfile .\n",
         expect=[]),
    dict(source="check_test:testRuleCheckOption#4",
         dockerfile="#check=skip=ConsistentInstructionCasing,FromAsCasing;error=true\n"
                    "FROM scratch as base\ncopy Dockerfile .\n", expect=[]),
    dict(source="check_test:testRuleCheckOption#5",
         dockerfile="#check=skip=ConsistentInstructionCasing\nFROM scratch as base\ncopy Dockerfile .\n",
         expect=[("FromAsCasing", 2, "'as' and 'FROM' keywords' casing do not match")]),
    dict(source="check_test:testRuleCheckOption#6", errors=True,
         dockerfile="#check=skip=ConsistentInstructionCasing;error=true\nFROM scratch as base\ncopy Dockerfile .\n",
         expect=[("FromAsCasing", 2, "'as' and 'FROM' keywords' casing do not match")]),
    dict(source="check_test:testRuleCheckOption#7", errors=True,
         build_args={"BUILDKIT_DOCKERFILE_CHECK": "skip=ConsistentInstructionCasing;error=true"},
         dockerfile="#check=skip=all\nFROM scratch as base\ncopy Dockerfile .\n",
         expect=[("FromAsCasing", 2, "'as' and 'FROM' keywords' casing do not match")]),
    dict(source="check_test:testRuleCheckOption#8", build_args={"BUILDKIT_DOCKERFILE_CHECK": "skip=all"},
         dockerfile="#check=error=true\nFROM scratch as base\ncopy Dockerfile .\n", expect=[]),
    # -- testStageName ------------------------------------------------------------------
    dict(source="check_test:testStageName#1", dockerfile="""
# warning: stage name should be lowercase
#
FROM scratch AS BadStageName

# warning: 'as' should match 'FROM' cmd casing.
#
FROM scratch as base2

FROM scratch AS base3
""", expect=[
        ("StageNameCasing", 4, "Stage name 'BadStageName' should be lowercase"),
        ("FromAsCasing", 8, "'as' and 'FROM' keywords' casing do not match"),
    ]),
    dict(source="check_test:testStageName#2", dockerfile="""
# warning: 'AS' should match 'from' cmd casing.
#
from scratch AS base

from scratch as base2
""", expect=[("FromAsCasing", 4, "'AS' and 'from' keywords' casing do not match")]),
    # -- testNoEmptyContinuation ----------------------------------------------------------
    dict(source="check_test:testNoEmptyContinuation#1", dockerfile="""
FROM scratch
# warning: empty continuation line
COPY Dockerfile \\

.
COPY Dockerfile \\
.
""", expect=[("NoEmptyContinuation", 6, "Empty continuation line")]),
    # -- testConsistentInstructionCasing ----------------------------------------------------
    dict(source="check_test:testConsistentInstructionCasing#1", dockerfile="""
# warning: 'FROM' should be either lowercased or uppercased
#
From scratch as base
FROM scratch AS base2
""", expect=[("ConsistentInstructionCasing", 4,
              "Command 'From' should match the case of the command majority (uppercase)")]),
    dict(source="check_test:testConsistentInstructionCasing#2", dockerfile="""
FROM scratch
# warning: 'copy' should match command majority's casing (uppercase)
copy Dockerfile /foo
COPY Dockerfile /bar
""", expect=[("ConsistentInstructionCasing", 4,
              "Command 'copy' should match the case of the command majority (uppercase)")]),
    dict(source="check_test:testConsistentInstructionCasing#3", dockerfile="""
# warning: 'frOM' should be either lowercased or uppercased
#
frOM scratch as base
from scratch as base2
""", expect=[("ConsistentInstructionCasing", 4,
              "Command 'frOM' should match the case of the command majority (lowercase)")]),
    dict(source="check_test:testConsistentInstructionCasing#4", dockerfile="""
from scratch
# warning: 'COPY' should match command majority's casing (lowercase)
COPY Dockerfile /foo
copy Dockerfile /bar
""", expect=[("ConsistentInstructionCasing", 4,
              "Command 'COPY' should match the case of the command majority (lowercase)")]),
    dict(source="check_test:testConsistentInstructionCasing#5", dockerfile="""
# warning: 'from' should match command majority's casing (uppercase)
#
from scratch
COPY Dockerfile /foo
COPY Dockerfile /bar
COPY Dockerfile /baz
""", expect=[("ConsistentInstructionCasing", 4,
              "Command 'from' should match the case of the command majority (uppercase)")]),
    dict(source="check_test:testConsistentInstructionCasing#6", dockerfile="""
# warning: 'FROM' should match command majority's casing (lowercase)
#
FROM scratch
copy Dockerfile /foo
copy Dockerfile /bar
copy Dockerfile /baz
""", expect=[("ConsistentInstructionCasing", 4,
              "Command 'FROM' should match the case of the command majority (lowercase)")]),
    dict(source="check_test:testConsistentInstructionCasing#7",
         dockerfile="\nfrom scratch\ncopy Dockerfile /foo\ncopy Dockerfile /bar\n", expect=[]),
    dict(source="check_test:testConsistentInstructionCasing#8",
         dockerfile="\nFROM scratch\nCOPY Dockerfile /foo\nCOPY Dockerfile /bar\n", expect=[]),
    dict(source="check_test:testConsistentInstructionCasing#9",
         dockerfile="\nFROM alpine\nRUN <<'EOT'\nenv\nEOT\n", expect=[]),
    # -- testDuplicateStageName / testReservedStageName --------------------------------------
    dict(source="check_test:testDuplicateStageName#1", dockerfile="\nFROM scratch AS b\nFROM scratch AS b\n",
         expect=[("DuplicateStageName", 3, 'Duplicate stage name "b", stage names should be unique')]),
    dict(source="check_test:testDuplicateStageName#2", dockerfile="\nFROM scratch AS b1\nFROM scratch AS b2\n",
         expect=[]),
    dict(source="check_test:testReservedStageName#1", dockerfile="\nFROM scratch AS scratch\nFROM scratch AS context\n",
         expect=[
             ("ReservedStageName", 2, 'Stage name should not use the same name as reserved stage "scratch"'),
             ("ReservedStageName", 3, 'Stage name should not use the same name as reserved stage "context"'),
         ]),
    dict(source="check_test:testReservedStageName#2", dockerfile="\nFROM scratch\nFROM scratch AS a\n", expect=[]),
    # -- testJSONArgsRecommended ---------------------------------------------------------------
    dict(source="check_test:testJSONArgsRecommended#1", dockerfile="\nFROM scratch\nCMD mycommand\n", expect=[
        ("JSONArgsRecommended", 3,
         "JSON arguments recommended for CMD to prevent unintended behavior related to OS signals")]),
    dict(source="check_test:testJSONArgsRecommended#2", dockerfile="\nFROM scratch\nENTRYPOINT mycommand\n", expect=[
        ("JSONArgsRecommended", 3,
         "JSON arguments recommended for ENTRYPOINT to prevent unintended behavior related to OS signals")]),
    dict(source="check_test:testJSONArgsRecommended#3",
         dockerfile='\nFROM scratch\nSHELL ["/usr/bin/customshell"]\nCMD mycommand\n', expect=[]),
    dict(source="check_test:testJSONArgsRecommended#4",
         dockerfile='\nFROM scratch\nSHELL ["/usr/bin/customshell"]\nENTRYPOINT mycommand\n', expect=[]),
    dict(source="check_test:testJSONArgsRecommended#5",
         dockerfile='\nFROM scratch AS base\nSHELL ["/usr/bin/customshell"]\n\nFROM base\nCMD mycommand\n', expect=[]),
    dict(source="check_test:testJSONArgsRecommended#6",
         dockerfile='\nFROM scratch AS base\nSHELL ["/usr/bin/customshell"]\n\nFROM base\nENTRYPOINT mycommand\n',
         expect=[]),
    # -- testMaintainerDeprecated ----------------------------------------------------------------
    dict(source="check_test:testMaintainerDeprecated#1", dockerfile="\nFROM scratch\nMAINTAINER me@example.org\n",
         expect=[("MaintainerDeprecated", 3, "Maintainer instruction is deprecated in favor of using label")]),
    dict(source="check_test:testMaintainerDeprecated#2",
         dockerfile='\nFROM scratch\nLABEL org.opencontainers.image.authors="me@example.org"\n', expect=[]),
    dict(source="check_test:testMaintainerDeprecated#3",
         dockerfile="\nFROM scratch\n# check=skip=JSONArgsRecommended\nCMD mycommand\n", expect=[]),
    dict(source="check_test:testMaintainerDeprecated#4",
         dockerfile="\nFROM scratch\n# check=skip=JSONArgsRecommended\nENTRYPOINT mycommand\n", expect=[]),
    dict(source="check_test:testMaintainerDeprecated#5",
         dockerfile="\nFROM scratch\n# check=skip=MaintainerDeprecated\nMAINTAINER me@example.org\n", expect=[]),
    # -- testWarningsBeforeError -------------------------------------------------------------------
    dict(source="check_test:testWarningsBeforeError#1",
         dockerfile="\nFROM scratch AS BadStageName\nMAINTAINER me@example.org\nBADCMD\n", expect=[
             ("StageNameCasing", 2, "Stage name 'BadStageName' should be lowercase"),
             ("MaintainerDeprecated", 3, "Maintainer instruction is deprecated in favor of using label"),
         ]),
    # -- testUndeclaredArg ---------------------------------------------------------------------------
    dict(source="check_test:testUndeclaredArg#1", dockerfile="\nARG base=scratch\nFROM $base\nCOPY Dockerfile .\n",
         expect=[]),
    dict(source="check_test:testUndeclaredArg#2",
         dockerfile="\nARG BUILDPLATFORM=linux/amd64\nFROM --platform=$BUILDPLATFORM scratch\nCOPY Dockerfile .\n",
         expect=[]),
    dict(source="check_test:testUndeclaredArg#3",
         dockerfile="\nFROM --platform=$BUILDPLATFORM scratch\nCOPY Dockerfile .\n", expect=[]),
    dict(source="check_test:testUndeclaredArg#4", dockerfile="\nARG DEBUG\nFROM scratch${DEBUG}\nCOPY Dockerfile .\n",
         expect=[]),
    dict(source="check_test:testUndeclaredArg#5",
         dockerfile="\nARG DEBUG\nFROM scra${DEBUG:-tch}\nCOPY Dockerfile .\n", expect=[]),
    dict(source="check_test:testUndeclaredArg#6",
         dockerfile='\nARG DEBUG=""\nFROM scratch${DEBUG-@bogus}\nCOPY Dockerfile .\n', expect=[]),
    dict(source="check_test:testUndeclaredArg#7",
         dockerfile="\nFROM --platform=$BULIDPLATFORM scratch\nCOPY Dockerfile .\n", expect=[
             ("UndefinedArgInFrom", 2, "FROM argument 'BULIDPLATFORM' is not declared (did you mean BUILDPLATFORM?)"),
         ]),
    dict(source="check_test:testUndeclaredArg#8",
         dockerfile="\nARG MY_OS=linux\nARG MY_ARCH=amd64\nFROM --platform=linux/${MYARCH} busybox\nCOPY Dockerfile .\n\t",
         expect=[("UndefinedArgInFrom", 4, "FROM argument 'MYARCH' is not declared (did you mean MY_ARCH?)")]),
    dict(source="check_test:testUndeclaredArg#9",
         dockerfile="\nARG tag=latest\nFROM busybox:${tag}${version} AS b\nCOPY Dockerfile .\n",
         expect=[("UndefinedArgInFrom", 3, "FROM argument 'version' is not declared")]),
    # -- testWorkdirRelativePath -------------------------------------------------------------------------
    dict(source="check_test:testWorkdirRelativePath#1", dockerfile="\nFROM scratch\nWORKDIR app/\n", expect=[
        ("WorkdirRelativePath", 3, 'Relative workdir "app/" can have unexpected results if the base image changes')]),
    dict(source="check_test:testWorkdirRelativePath#2",
         dockerfile="\nFROM scratch AS a\nWORKDIR /app\n\nFROM a AS b\nWORKDIR subdir/\n", expect=[]),
    dict(source="check_test:testWorkdirRelativePath#3",
         dockerfile="\nFROM scratch\n# check=skip=WorkdirRelativePath\nWORKDIR app/\n", expect=[]),
    # -- testUnmatchedVars -----------------------------------------------------------------------------------
    dict(source="check_test:testUnmatchedVars#1", dockerfile="\nFROM scratch\nARG foo\nCOPY Dockerfile${foo} .\n",
         expect=[]),
    dict(source="check_test:testUnmatchedVars#2",
         dockerfile="\nFROM alpine AS base\nARG foo=Dockerfile\n\nFROM base\nCOPY $foo .\n", expect=[]),
    dict(source="check_test:testUnmatchedVars#3", dockerfile="\nFROM alpine\nRUN echo $PATH\n", expect=[]),
    dict(source="check_test:testUnmatchedVars#4",
         dockerfile="\nFROM alpine\nCOPY $foo .\nARG foo=bar\nRUN echo $foo\n",
         expect=[("UndefinedVar", 3, "Usage of undefined variable '$foo'")]),
    dict(source="check_test:testUnmatchedVars#5", dockerfile="""
FROM alpine
ARG DIR_BINARIES=binaries/
ARG DIR_ASSETS=assets/
ARG DIR_CONFIG=config/
COPY $DIR_ASSET .
\t""", expect=[("UndefinedVar", 6, "Usage of undefined variable '$DIR_ASSET' (did you mean $DIR_ASSETS?)")]),
    dict(source="check_test:testUnmatchedVars#6", dockerfile="\nFROM alpine\nENV PATH=$PAHT:/tmp/bin\n\t\t",
         expect=[("UndefinedVar", 3, "Usage of undefined variable '$PAHT' (did you mean $PATH?)")]),
    # -- testMultipleInstructionsDisallowed --------------------------------------------------------------------
    dict(source="check_test:testMultipleInstructionsDisallowed#1", dockerfile="""
FROM scratch
ENTRYPOINT ["/myapp"]
ENTRYPOINT ["/myotherapp"]
CMD ["/myapp"]
CMD ["/myotherapp"]
HEALTHCHECK CMD ["/myapp"]
HEALTHCHECK CMD ["/myotherapp"]
""", expect=[
        ("MultipleInstructionsDisallowed", 3, "Multiple ENTRYPOINT instructions should not be used in the same stage "
                                              "because only the last one will be used"),
        ("MultipleInstructionsDisallowed", 5, "Multiple CMD instructions should not be used in the same stage because "
                                              "only the last one will be used"),
        ("MultipleInstructionsDisallowed", 7, "Multiple HEALTHCHECK instructions should not be used in the same stage "
                                              "because only the last one will be used"),
    ]),
    dict(source="check_test:testMultipleInstructionsDisallowed#2", dockerfile="""
FROM scratch
ENTRYPOINT ["/myapp"]
CMD ["/myapp"]
HEALTHCHECK CMD ["/myapp"]
COPY <<EOF /a.txt
Hello, World!
EOF
ENTRYPOINT ["/myotherapp"]
CMD ["/myotherapp"]
HEALTHCHECK CMD ["/myotherapp"]
""", expect=[
        ("MultipleInstructionsDisallowed", 3, "Multiple ENTRYPOINT instructions should not be used in the same stage "
                                              "because only the last one will be used"),
        ("MultipleInstructionsDisallowed", 4, "Multiple CMD instructions should not be used in the same stage because "
                                              "only the last one will be used"),
        ("MultipleInstructionsDisallowed", 5, "Multiple HEALTHCHECK instructions should not be used in the same stage "
                                              "because only the last one will be used"),
    ]),
    dict(source="check_test:testMultipleInstructionsDisallowed#3", dockerfile="""
FROM scratch AS a
ENTRYPOINT ["/myapp"]
CMD ["/myapp"]
HEALTHCHECK CMD ["/myapp"]

FROM a AS b
ENTRYPOINT ["/myotherapp"]
CMD ["/myotherapp"]
HEALTHCHECK CMD ["/myotherapp"]
""", expect=[]),
    # -- testLegacyKeyValueFormat -----------------------------------------------------------------------------
    dict(source="check_test:testLegacyKeyValueFormat#1", dockerfile="\nFROM scratch\nENV testkey value\nLABEL key value\n",
         expect=[
             ("LegacyKeyValueFormat", 3, '"ENV key=value" should be used instead of legacy "ENV key value" format'),
             ("LegacyKeyValueFormat", 4, '"LABEL key=value" should be used instead of legacy "LABEL key value" format'),
         ]),
    dict(source="check_test:testLegacyKeyValueFormat#2", dockerfile="\nFROM scratch\nENV testkey=value\nLABEL key=value\n",
         expect=[]),
    dict(source="check_test:testLegacyKeyValueFormat#3",
         dockerfile="\nFROM scratch AS a\n\nFROM a AS b\nENV testkey value\nLABEL key value\n\nFROM a AS c\n",
         note="the Go test's unmarshal expectations say lines 3/4, which that check does not compare; "
              "the instructions are on lines 5/6",
         expect=[
             ("LegacyKeyValueFormat", 5, '"ENV key=value" should be used instead of legacy "ENV key value" format'),
             ("LegacyKeyValueFormat", 6, '"LABEL key=value" should be used instead of legacy "LABEL key value" format'),
         ]),
    dict(source="check_test:testLegacyKeyValueFormat#3/build", target="c",
         dockerfile="\nFROM scratch AS a\n\nFROM a AS b\nENV testkey value\nLABEL key value\n\nFROM a AS c\n",
         expect=[]),
    dict(source="check_test:testLegacyKeyValueFormat#4", dockerfile="""
FROM scratch
# check=skip=LegacyKeyValueFormat
ENV testkey value
# check=skip=LegacyKeyValueFormat
LABEL key value
""", expect=[]),
    # -- testRedundantTargetPlatform ---------------------------------------------------------------------------
    dict(source="check_test:testRedundantTargetPlatform#1", dockerfile="\nFROM --platform=$TARGETPLATFORM scratch\n",
         expect=[("RedundantTargetPlatform", 2, "Setting platform to predefined $TARGETPLATFORM in FROM is redundant "
                                                "as this is the default behavior")]),
    dict(source="check_test:testRedundantTargetPlatform#2", dockerfile="\nFROM --platform=${TARGETPLATFORM} scratch\n",
         expect=[("RedundantTargetPlatform", 2, "Setting platform to predefined ${TARGETPLATFORM} in FROM is "
                                                "redundant as this is the default behavior")]),
    dict(source="check_test:testRedundantTargetPlatform#3",
         dockerfile="\n# check=skip=RedundantTargetPlatform\nFROM --platform=$TARGETPLATFORM scratch\n", expect=[]),
    # -- testInvalidDefaultArgInFrom -----------------------------------------------------------------------------
    dict(source="check_test:testInvalidDefaultArgInFrom#1", build_args={"VERSION": "latest"},
         dockerfile="\nARG VERSION\nFROM busybox:$VERSION\n", expect=[
             ("InvalidDefaultArgInFrom", 3,
              "Default value for ARG busybox:$VERSION results in empty or invalid base image name")]),
    dict(source="check_test:testInvalidDefaultArgInFrom#2", build_args={"IMAGE": "busybox:latest"},
         dockerfile="\nARG IMAGE\nFROM $IMAGE\n", expect=[
             ("InvalidDefaultArgInFrom", 3, "Default value for ARG $IMAGE results in empty or invalid base image name")]),
    dict(source="check_test:testInvalidDefaultArgInFrom#3", build_args={"SFX": "box:latest"},
         dockerfile='\nARG SFX="box:"\nFROM busy${SFX}\n', expect=[
             ("InvalidDefaultArgInFrom", 3,
              "Default value for ARG busy${SFX} results in empty or invalid base image name")]),
    dict(source="check_test:testInvalidDefaultArgInFrom#4", build_args={"VERSION": "latest"},
         dockerfile='\nARG VERSION="latest"\nFROM busybox:${VERSION}\n', expect=[]),
    dict(source="check_test:testInvalidDefaultArgInFrom#5", build_args={"BUSYBOX_VARIANT": "-musl"},
         dockerfile='\nARG BUSYBOX_VARIANT=""\nFROM busybox:stable${BUSYBOX_VARIANT}\n', expect=[]),
    dict(source="check_test:testInvalidDefaultArgInFrom#6", build_args={"BUSYBOX_VARIANT": "-musl"},
         dockerfile="\n\tARG BUSYBOX_VARIANT\n\tFROM busybox:stable${BUSYBOX_VARIANT}\n\t", expect=[]),
    # -- testFromPlatformFlagConstDisallowed ------------------------------------------------------------------------
    dict(source="check_test:testFromPlatformFlagConstDisallowed#1", dockerfile="\nFROM --platform=linux/amd64 scratch\n",
         expect=[("FromPlatformFlagConstDisallowed", 2,
                  'FROM --platform flag should not use constant value "linux/amd64"')]),
    dict(source="check_test:testFromPlatformFlagConstDisallowed#2",
         dockerfile="\nFROM --platform=linux/amd64 scratch AS my_amd64_stage\n", expect=[]),
    dict(source="check_test:testFromPlatformFlagConstDisallowed#3",
         dockerfile="\nFROM --platform=linux/amd64 scratch AS linux\n", expect=[]),
    # -- testExposeProtoCasing / testExposeInvalidFormat ---------------------------------------------------------------
    dict(source="check_test:testExposeProtoCasing#1", dockerfile="\nFROM scratch\nEXPOSE 80/TcP 8080/TCP 8080/udp\n",
         expect=[
             ("ExposeProtoCasing", 3, "Defined protocol '80/TcP' in EXPOSE instruction should be lowercase"),
             ("ExposeProtoCasing", 3, "Defined protocol '8080/TCP' in EXPOSE instruction should be lowercase"),
         ]),
    dict(source="check_test:testExposeInvalidFormat#1",
         dockerfile="\nFROM scratch\nEXPOSE 127.0.0.1:80:80 [::1]:8080:8080 5000:5000 8000\n", expect=[
             ("ExposeInvalidFormat", 3, "EXPOSE instruction should not define an IP address or host-port mapping, "
                                        "found '127.0.0.1:80:80'"),
             ("ExposeInvalidFormat", 3, "EXPOSE instruction should not define an IP address or host-port mapping, "
                                        "found '[::1]:8080:8080'"),
             ("ExposeInvalidFormat", 3, "EXPOSE instruction should not define an IP address or host-port mapping, "
                                        "found '5000:5000'"),
         ]),
    # -- testBaseImagePlatformMismatch (the registry image is emulated: see the test) ---------------------------------
    dict(source="check_test:testBaseImagePlatformMismatch#1", platform="linux/amd64",
         image_platforms={"localhost:5000/buildkit/testbaseimageplatform:latest": ("linux/arm64", False)},
         dockerfile="\nFROM localhost:5000/buildkit/testbaseimageplatform:latest\nENV foo=bar\n\t",
         expect=[("InvalidBaseImagePlatform", 2,
                  'Base image localhost:5000/buildkit/testbaseimageplatform:latest was pulled with platform '
                  '"linux/arm64", expected "linux/amd64" for current build')]),
]

# -- the rule documentation's examples -------------------------------------------------------------

DOC_CASES: list[dict] = [
    dict(source="docs:ConsistentInstructionCasing#1",
         dockerfile='From alpine\nRun echo hello > /greeting.txt\nEntRYpOiNT ["cat", "/greeting.txt"]\n', expect=[
             ("ConsistentInstructionCasing", 1, "Command 'From' should match the case of the command majority (uppercase)"),
             ("ConsistentInstructionCasing", 2, "Command 'Run' should match the case of the command majority (uppercase)"),
             ("ConsistentInstructionCasing", 3,
              "Command 'EntRYpOiNT' should match the case of the command majority (uppercase)"),
         ]),
    dict(source="docs:ConsistentInstructionCasing#2",
         dockerfile='FROM alpine\nRUN echo hello > /greeting.txt\nENTRYPOINT ["cat", "/greeting.txt"]\n', expect=[]),
    dict(source="docs:ConsistentInstructionCasing#3",
         dockerfile='from alpine\nrun echo hello > /greeting.txt\nentrypoint ["cat", "/greeting.txt"]\n', expect=[]),
    dict(source="docs:CopyIgnoredFile#1", dockerignore="*/tmp/*\n",
         dockerfile="FROM scratch\nCOPY ./tmp/helloworld.txt /helloworld.txt\n",
         note="the page says this is flagged, but */tmp/* only matches tmp one level down (x/tmp/...): "
              "BuildKit's patternmatcher does not match tmp/helloworld.txt", expect=[]),
    dict(source="docs:CopyIgnoredFile#2", dockerignore="*/tmp/*\n",
         dockerfile="FROM scratch\nCOPY ./forever/helloworld.txt /helloworld.txt\n", expect=[]),
    dict(source="docs:DuplicateStageName#1", dockerfile="FROM debian:latest AS builder\n"
         "RUN apt-get update; apt-get install -y curl\n\nFROM golang:latest AS builder\n", expect=[
             ("DuplicateStageName", 4, 'Duplicate stage name "builder", stage names should be unique')]),
    dict(source="docs:DuplicateStageName#2", dockerfile="FROM debian:latest AS deb-builder\n"
         "RUN apt-get update; apt-get install -y curl\n\nFROM golang:latest AS go-builder\n", expect=[]),
    dict(source="docs:ExposeInvalidFormat#1", dockerfile="FROM alpine\nEXPOSE 127.0.0.1:80:80\n", expect=[
        ("ExposeInvalidFormat", 2,
         "EXPOSE instruction should not define an IP address or host-port mapping, found '127.0.0.1:80:80'")]),
    dict(source="docs:ExposeInvalidFormat#2", dockerfile="FROM alpine\nEXPOSE 80\n", expect=[]),
    dict(source="docs:ExposeInvalidFormat#3", dockerfile="FROM alpine\nEXPOSE 80:80\n", expect=[
        ("ExposeInvalidFormat", 2,
         "EXPOSE instruction should not define an IP address or host-port mapping, found '80:80'")]),
    dict(source="docs:ExposeInvalidFormat#4", dockerfile="FROM alpine\nEXPOSE 80\n", expect=[]),
    dict(source="docs:ExposeProtoCasing#1", dockerfile="FROM alpine\nEXPOSE 80/TcP\n", expect=[
        ("ExposeProtoCasing", 2, "Defined protocol '80/TcP' in EXPOSE instruction should be lowercase")]),
    dict(source="docs:ExposeProtoCasing#2", dockerfile="FROM alpine\nEXPOSE 80/tcp\n", expect=[]),
    dict(source="docs:FromAsCasing#1", dockerfile="FROM debian:latest as builder\n", expect=[
        ("FromAsCasing", 1, "'as' and 'FROM' keywords' casing do not match")]),
    dict(source="docs:FromAsCasing#2", dockerfile="FROM debian:latest AS deb-builder\n", expect=[]),
    dict(source="docs:FromAsCasing#3", dockerfile="from debian:latest as deb-builder\n", expect=[]),
    dict(source="docs:FromPlatformFlagConstDisallowed#1",
         dockerfile="FROM --platform=linux/amd64 alpine AS base\nRUN apk add --no-cache git\n", expect=[
             ("FromPlatformFlagConstDisallowed", 1, 'FROM --platform flag should not use constant value "linux/amd64"')]),
    dict(source="docs:FromPlatformFlagConstDisallowed#2", dockerfile="FROM alpine AS base\nRUN apk add --no-cache git\n",
         expect=[]),
    dict(source="docs:FromPlatformFlagConstDisallowed#3",
         dockerfile="FROM --platform=${BUILDPLATFORM} alpine AS base\nRUN apk add --no-cache git\n", expect=[]),
    dict(source="docs:FromPlatformFlagConstDisallowed#4",
         dockerfile="FROM --platform=linux/amd64 alpine AS build_amd64\n...\n\n"
                    "FROM --platform=linux/arm64 alpine AS build_arm64\n...\n\nFROM build_${TARGETARCH} AS build\n...\n",
         note="the '...' lines are not instructions: BuildKit fails on them (unknown instruction) after the "
              "parse-time checks, so only those could fire; none does", expect=[]),
    dict(source="docs:InvalidDefaultArgInFrom#1", dockerfile="ARG TAG\nFROM busybox:${TAG}\n", expect=[
        ("InvalidDefaultArgInFrom", 2, "Default value for ARG busybox:${TAG} results in empty or invalid base image name")]),
    dict(source="docs:InvalidDefaultArgInFrom#2", dockerfile="ARG TAG=latest\nFROM busybox:${TAG}\n", expect=[]),
    dict(source="docs:InvalidDefaultArgInFrom#3", dockerfile="ARG VARIANT\nFROM busybox:stable${VARIANT}\n",
         expect=[]),
    dict(source="docs:InvalidDefaultArgInFrom#4", dockerfile="ARG TAG\nFROM alpine:${TAG:-3.14}\n", expect=[]),
    dict(source="docs:InvalidDefinitionDescription#1",
         dockerfile="# check=experimental=InvalidDefinitionDescription\n"
                    "# a non-descriptive comment\nFROM scratch AS base\n\n# another non-descriptive comment\nARG VERSION=1\n",
         note="the page's block without the experimental= directive that turns the check on", expect=[
             (IDD, 3, "Comment for FROM should follow the format: `# base <description>`"),
             (IDD, 6, "Comment for ARG should follow the format: `# VERSION <description>`"),
         ]),
    dict(source="docs:InvalidDefinitionDescription#2",
         dockerfile="# check=experimental=InvalidDefinitionDescription\n"
                    "# a non-descriptive comment\n\nFROM scratch AS base\n\n# another non-descriptive comment\n\nARG VERSION=1\n",
         note="the page calls this good, but BuildKit's parser keeps a comment block across blank lines "
              "(parser.go resets it only at an instruction or an empty '#' line), so the check fires",
         expect=[
             (IDD, 4, "Comment for FROM should follow the format: `# base <description>`"),
             (IDD, 8, "Comment for ARG should follow the format: `# VERSION <description>`"),
         ]),
    dict(source="docs:InvalidDefinitionDescription#3",
         dockerfile="# check=experimental=InvalidDefinitionDescription\n"
                    "# base is a stage for compiling source\nFROM scratch AS base\n# VERSION This is the version number.\n"
                    "ARG VERSION=1\n", expect=[]),
    dict(source="docs:JSONArgsRecommended#1",
         dockerfile="FROM alpine\nENTRYPOINT my-program start\n# entrypoint becomes: /bin/sh -c my-program start\n",
         expect=[("JSONArgsRecommended", 2,
                  "JSON arguments recommended for ENTRYPOINT to prevent unintended behavior related to OS signals")]),
    dict(source="docs:JSONArgsRecommended#2",
         dockerfile='FROM alpine\nENTRYPOINT ["my-program", "start"]\n# entrypoint becomes: my-program start\n', expect=[]),
    dict(source="docs:JSONArgsRecommended#3", dockerfile="FROM alpine\nRUN apk add bash\nCOPY --chmod=755 <<EOT "
         "/entrypoint.sh\n#!/usr/bin/env bash\nset -e\nmy-background-process &\nmy-program start\nEOT\n"
         'ENTRYPOINT ["/entrypoint.sh"]\n', expect=[]),
    dict(source="docs:JSONArgsRecommended#4", dockerfile='FROM alpine\nRUN apk add bash\nSHELL ["/bin/bash", "-c"]\n'
         'ENTRYPOINT echo "hello world"\n', expect=[]),
    dict(source="docs:LegacyKeyValueFormat#1", dockerfile="FROM alpine\nARG foo bar\n",
         note="the page shows ARG, but ARG has no legacy form: 'ARG foo bar' declares two ARGs and BuildKit "
              "does not warn", expect=[]),
    dict(source="docs:LegacyKeyValueFormat#2", dockerfile="FROM alpine\nARG foo=bar\n", expect=[]),
    dict(source="docs:LegacyKeyValueFormat#3", dockerfile="ENV DEPS \\\n    curl \\\n    git \\\n    make\n",
         note="a fragment without FROM: BuildKit stops ('no build stage') before the dispatch-time check",
         expect=[]),
    dict(source="docs:LegacyKeyValueFormat#3/in-a-stage",
         dockerfile="FROM alpine\nENV DEPS \\\n    curl \\\n    git \\\n    make\n",
         note="the same block inside a stage, as the page means it", expect=[
             ("LegacyKeyValueFormat", 2, '"ENV key=value" should be used instead of legacy "ENV key value" format')]),
    dict(source="docs:LegacyKeyValueFormat#4", dockerfile='FROM alpine\nENV DEPS="\\\n    curl \\\n    git \\\n    make"\n',
         expect=[]),
    dict(source="docs:MaintainerDeprecated#1", dockerfile="MAINTAINER moby@example.com\n",
         note="a fragment: BuildKit warns while parsing, then fails ('no build stage')", expect=[
             ("MaintainerDeprecated", 1, "Maintainer instruction is deprecated in favor of using label")]),
    dict(source="docs:MaintainerDeprecated#2", dockerfile='LABEL org.opencontainers.image.authors="moby@example.com"\n',
         expect=[]),
    dict(source="docs:MultipleInstructionsDisallowed#1", dockerfile='FROM alpine\nENTRYPOINT ["echo", "Hello, Norway!"]\n'
         'ENTRYPOINT ["echo", "Hello, Sweden!"]\n# Only "Hello, Sweden!" will be printed\n', expect=[
             ("MultipleInstructionsDisallowed", 2, "Multiple ENTRYPOINT instructions should not be used in the same "
                                                   "stage because only the last one will be used")]),
    dict(source="docs:MultipleInstructionsDisallowed#2",
         dockerfile='FROM alpine\nENTRYPOINT ["echo", "Hello, Norway!\\nHello, Sweden!"]\n', expect=[]),
    dict(source="docs:MultipleInstructionsDisallowed#3", dockerfile="FROM python:alpine\nRUN apk add curl\n"
         'HEALTHCHECK --interval=1s --timeout=3s \\\n  CMD ["curl", "-f", "http://localhost:8080"]\n'
         'CMD ["python", "-m", "http.server", "8080"]\n', expect=[]),
    dict(source="docs:NoEmptyContinuation#1", dockerfile="FROM alpine\nRUN apk add \\\n\n    gnupg \\\n\n    curl\n",
         note="the page's description block: one warning per instruction, on its last line",
         expect=[("NoEmptyContinuation", 6, "Empty continuation line")]),
    dict(source="docs:NoEmptyContinuation#2", dockerfile="FROM alpine\nEXPOSE \\\n\n80\n",
         expect=[("NoEmptyContinuation", 4, "Empty continuation line")]),
    dict(source="docs:NoEmptyContinuation#3", dockerfile="FROM alpine\nEXPOSE \\\n# Port\n80\n", expect=[]),
    dict(source="docs:RedundantTargetPlatform#1",
         dockerfile="FROM --platform=$TARGETPLATFORM alpine AS builder\nRUN apk add --no-cache git\n", expect=[
             ("RedundantTargetPlatform", 1, "Setting platform to predefined $TARGETPLATFORM in FROM is redundant as "
                                            "this is the default behavior")]),
    dict(source="docs:RedundantTargetPlatform#2", dockerfile="FROM alpine AS builder\nRUN apk add --no-cache git\n",
         expect=[]),
    dict(source="docs:ReservedStageName#1", dockerfile="FROM alpine AS scratch\nFROM alpine AS context\n", expect=[
        ("ReservedStageName", 1, 'Stage name should not use the same name as reserved stage "scratch"'),
        ("ReservedStageName", 2, 'Stage name should not use the same name as reserved stage "context"'),
    ]),
    dict(source="docs:ReservedStageName#2", dockerfile="FROM alpine AS builder\n", expect=[]),
    dict(source="docs:SecretsUsedInArgOrEnv#1",
         dockerfile="ARG AWS_ACCESS_KEY_ID\nARG AWS_SECRET_ACCESS_KEY\nRUN aws s3 cp s3://my-bucket/file .\n",
         note="a fragment: these ARGs come before any FROM, where BuildKit does not check names (and the RUN "
              "fails the build)", expect=[]),
    dict(source="docs:SecretsUsedInArgOrEnv#1/in-a-stage",
         dockerfile="FROM alpine\nARG AWS_ACCESS_KEY_ID\nARG AWS_SECRET_ACCESS_KEY\nRUN aws s3 cp s3://my-bucket/file .\n",
         note="the same block inside a stage, as the page means it", expect=[
             ("SecretsUsedInArgOrEnv", 2, 'Do not use ARG or ENV instructions for sensitive data (ARG "AWS_ACCESS_KEY_ID")'),
             ("SecretsUsedInArgOrEnv", 3,
              'Do not use ARG or ENV instructions for sensitive data (ARG "AWS_SECRET_ACCESS_KEY")'),
         ]),
    dict(source="docs:SecretsUsedInArgOrEnv#2", dockerfile="FROM alpine\n"
         "RUN --mount=type=secret,id=aws_key_id,env=AWS_ACCESS_KEY_ID \\\n"
         "    --mount=type=secret,id=aws_secret_key,env=AWS_SECRET_ACCESS_KEY \\\n"
         "    aws s3 cp s3://my-bucket/file .\n", expect=[]),
    dict(source="docs:StageNameCasing#1", dockerfile="FROM alpine AS BuilderBase\n", expect=[
        ("StageNameCasing", 1, "Stage name 'BuilderBase' should be lowercase")]),
    dict(source="docs:StageNameCasing#2", dockerfile="FROM alpine AS builder-base\n", expect=[]),
    dict(source="docs:UndefinedArgInFrom#1", dockerfile="FROM node:22${VARIANT} AS jsbuilder\n", expect=[
        ("UndefinedArgInFrom", 1, "FROM argument 'VARIANT' is not declared")]),
    dict(source="docs:UndefinedArgInFrom#2", dockerfile='ARG VARIANT="-alpine3.20"\nFROM node:22${VARIANT} AS jsbuilder\n',
         expect=[]),
    dict(source="docs:UndefinedArgInFrom#0", dockerfile="ARG ALPINE_VERSION=3.20\n\nFROM alpine:${ALPINE_VERSION}\n",
         expect=[]),
    dict(source="docs:UndefinedVar#0", dockerfile="FROM alpine\nENV PATH=$PAHT:/app/bin\n", expect=[
        ("UndefinedVar", 2, "Usage of undefined variable '$PAHT' (did you mean $PATH?)")]),
    dict(source="docs:UndefinedVar#1", dockerfile="FROM alpine AS base\nCOPY $foo .\n", expect=[
        ("UndefinedVar", 2, "Usage of undefined variable '$foo'")]),
    dict(source="docs:UndefinedVar#2", dockerfile="FROM alpine AS base\nARG foo\nCOPY $foo .\n", expect=[]),
    dict(source="docs:UndefinedVar#3", dockerfile="FROM alpine AS base\nARG VERSION=$foo\n", expect=[
        ("UndefinedVar", 2, "Usage of undefined variable '$foo'")]),
    dict(source="docs:UndefinedVar#4", dockerfile="FROM python AS base\nARG VERSION=$PYTHON_VERSION\n", expect=[]),
    dict(source="docs:WorkdirRelativePath#1", dockerfile="FROM nginx AS web\nWORKDIR usr/share/nginx/html\nCOPY public .\n",
         expect=[("WorkdirRelativePath", 2, 'Relative workdir "usr/share/nginx/html" can have unexpected results if '
                                            "the base image changes")]),
    dict(source="docs:WorkdirRelativePath#2", dockerfile="FROM nginx AS web\nWORKDIR /usr/share/nginx/html\nCOPY public .\n",
         expect=[]),
]
