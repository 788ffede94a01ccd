"""Short reference documentation of Dockerfile instructions, builder flags,
parser directives and predefined build arguments.

Plain data (no imports, nothing computed) so that hover, completion and any
other feature can share it. Syntax lines use upper-case placeholders
(``IMAGE``, ``SRC``) instead of ``<image>``: the text is shown as Markdown in
editors and must never look like HTML. Facts follow BuildKit's Dockerfile
frontend (see ``docs.docker.com/reference/dockerfile``).

* ``INSTRUCTIONS[keyword]``: ``summary`` (one sentence), ``syntax`` (forms, one
  per entry), ``url`` (the reference section).
* ``FLAGS[keyword][flag]``: ``syntax``, ``doc``, ``url``; flag names without
  dashes.
* ``DIRECTIVES[key]``, ``PREDEFINED_ARGS[name]``: short descriptions.
"""

REFERENCE = "https://docs.docker.com/reference/dockerfile/"

INSTRUCTIONS: dict[str, dict] = {
    "FROM": {
        "summary": "Starts a new build stage from a base image (or from an earlier stage); "
        "every later instruction builds on it.",
        "syntax": ["FROM [--platform=PLATFORM] IMAGE[:TAG][@DIGEST] [AS NAME]"],
        "url": REFERENCE + "#from",
    },
    "RUN": {
        "summary": "Runs a command in a new layer on top of the current image (shell form runs "
        "through the stage's SHELL, by default `/bin/sh -c`).",
        "syntax": ["RUN [--mount=…] [--network=…] [--security=…] COMMAND", 'RUN ["EXECUTABLE", "ARG", …]', "RUN <<EOF … EOF"],
        "url": REFERENCE + "#run",
    },
    "CMD": {
        "summary": "Sets the default command (or the default arguments of ENTRYPOINT) of the image; "
        "only the last CMD counts.",
        "syntax": ['CMD ["EXECUTABLE", "ARG", …]', 'CMD ["ARG", …]  (arguments for ENTRYPOINT)', "CMD COMMAND ARG …  (shell form)"],
        "url": REFERENCE + "#cmd",
    },
    "LABEL": {
        "summary": "Adds key-value metadata to the image.",
        "syntax": ['LABEL KEY=VALUE [KEY=VALUE …]'],
        "url": REFERENCE + "#label",
    },
    "MAINTAINER": {
        "summary": "Deprecated: sets the author field. Use `LABEL org.opencontainers.image.authors=…` instead.",
        "syntax": ["MAINTAINER NAME"],
        "url": REFERENCE + "#maintainer-deprecated",
    },
    "EXPOSE": {
        "summary": "Documents the ports the container listens on (it does not publish them).",
        "syntax": ["EXPOSE PORT[/PROTOCOL] …"],
        "url": REFERENCE + "#expose",
    },
    "ENV": {
        "summary": "Sets environment variables for the rest of the stage, later stages built from it "
        "and containers run from the image.",
        "syntax": ["ENV KEY=VALUE [KEY=VALUE …]", "ENV KEY VALUE  (legacy form)"],
        "url": REFERENCE + "#env",
    },
    "ADD": {
        "summary": "Copies files, directories, remote URLs or Git repositories into the image; local "
        "tar archives are extracted. Prefer COPY for plain files.",
        "syntax": ["ADD [--chown=…] [--chmod=…] [--checksum=…] [--link] SRC … DEST", 'ADD ["SRC", …, "DEST"]'],
        "url": REFERENCE + "#add",
    },
    "COPY": {
        "summary": "Copies files and directories from the build context, a stage or an image into the image.",
        "syntax": ["COPY [--from=STAGE|IMAGE] [--chown=…] [--chmod=…] [--link] SRC … DEST", 'COPY ["SRC", …, "DEST"]'],
        "url": REFERENCE + "#copy",
    },
    "ENTRYPOINT": {
        "summary": "Sets the executable the container runs; CMD supplies its default arguments.",
        "syntax": ['ENTRYPOINT ["EXECUTABLE", "ARG", …]', "ENTRYPOINT COMMAND ARG …  (shell form: signals do not reach it)"],
        "url": REFERENCE + "#entrypoint",
    },
    "VOLUME": {
        "summary": "Declares mount points for externally mounted volumes; later changes to them in "
        "the build are discarded.",
        "syntax": ['VOLUME ["/PATH", …]', "VOLUME /PATH …"],
        "url": REFERENCE + "#volume",
    },
    "USER": {
        "summary": "Sets the user (and group) for the rest of the stage and for the container.",
        "syntax": ["USER USER[:GROUP]", "USER UID[:GID]"],
        "url": REFERENCE + "#user",
    },
    "WORKDIR": {
        "summary": "Sets the working directory for later instructions and the container; created if missing.",
        "syntax": ["WORKDIR /PATH"],
        "url": REFERENCE + "#workdir",
    },
    "ARG": {
        "summary": "Declares a build argument (set with `--build-arg`). Before the first FROM it is "
        "global and only visible in FROM lines; in a stage it is visible from its line on.",
        "syntax": ["ARG NAME[=DEFAULT] [NAME[=DEFAULT] …]"],
        "url": REFERENCE + "#arg",
    },
    "ONBUILD": {
        "summary": "Registers an instruction to run when another Dockerfile uses this image as its base.",
        "syntax": ["ONBUILD INSTRUCTION"],
        "url": REFERENCE + "#onbuild",
    },
    "STOPSIGNAL": {
        "summary": "Sets the signal sent to stop the container (default SIGTERM).",
        "syntax": ["STOPSIGNAL SIGNAL"],
        "url": REFERENCE + "#stopsignal",
    },
    "HEALTHCHECK": {
        "summary": "Tells the engine how to test that the container still works (or disables an inherited check).",
        "syntax": ["HEALTHCHECK [--interval=…] [--timeout=…] [--start-period=…] [--retries=N] CMD COMMAND", "HEALTHCHECK NONE"],
        "url": REFERENCE + "#healthcheck",
    },
    "SHELL": {
        "summary": "Sets the shell used by the shell form of RUN, CMD and ENTRYPOINT.",
        "syntax": ['SHELL ["EXECUTABLE", "PARAMETERS"]'],
        "url": REFERENCE + "#shell",
    },
}

_DUR = "Go duration (`30s`, `1m30s`); `0` means the default"

FLAGS: dict[str, dict[str, dict]] = {
    "FROM": {
        "platform": {
            "syntax": "--platform=OS/ARCH[/VARIANT]",
            "doc": "Platform of the base image to pull (`linux/amd64`, `linux/arm64`, `$BUILDPLATFORM` for "
            "cross-compiling stages). Expanded with global ARGs.",
            "url": REFERENCE + "#from",
        },
    },
    "RUN": {
        "mount": {
            "syntax": "--mount=type=bind|cache|tmpfs|secret|ssh[,KEY=VALUE…]",
            "doc": "Mounts something for this RUN only: a cache directory kept between builds "
            "(`type=cache,target=/root/.cache`), files from a stage or the context (`type=bind,from=…`), "
            "a secret or the SSH agent. Nothing mounted ends up in the layer.",
            "url": REFERENCE + "#run---mount",
        },
        "network": {
            "syntax": "--network=default|none|host",
            "doc": "Network for the command: `none` has no network access; `host` needs the "
            "`network.host` entitlement.",
            "url": REFERENCE + "#run---network",
        },
        "security": {
            "syntax": "--security=sandbox|insecure",
            "doc": "`insecure` runs the command without the sandbox (like `--privileged`); needs the "
            "`security.insecure` entitlement.",
            "url": REFERENCE + "#run---security",
        },
        "device": {
            "syntax": "--device=NAME[,required]",
            "doc": "Makes a CDI device available to the command (labs syntax only).",
            "url": REFERENCE + "#run",
        },
    },
    "COPY": {
        "from": {
            "syntax": "--from=STAGE|INDEX|IMAGE|CONTEXT",
            "doc": "Copies from an earlier stage (by name or 0-based index), an image or a named build "
            "context instead of the build context. Not expanded.",
            "url": REFERENCE + "#copy---from",
        },
        "chown": {
            "syntax": "--chown=USER[:GROUP]",
            "doc": "Owner of the copied files (default root:root); names are looked up in the stage's "
            "/etc/passwd and /etc/group.",
            "url": REFERENCE + "#copy---chown---chmod",
        },
        "chmod": {
            "syntax": "--chmod=PERMS",
            "doc": "Permissions of the copied files: octal (`0755`) or, since syntax 1.14, symbolic (`u+x`).",
            "url": REFERENCE + "#copy---chown---chmod",
        },
        "link": {
            "syntax": "--link[=true|false]",
            "doc": "Copies into an independent layer, so the files stay cached when earlier layers change.",
            "url": REFERENCE + "#copy---link",
        },
        "parents": {
            "syntax": "--parents[=true|false]",
            "doc": "Keeps the parent directories of the sources under DEST.",
            "url": REFERENCE + "#copy---parents",
        },
        "exclude": {
            "syntax": "--exclude=PATTERN",
            "doc": "Leaves out the sources matching the pattern (may repeat).",
            "url": REFERENCE + "#copy---exclude",
        },
    },
    "ADD": {
        "chown": {
            "syntax": "--chown=USER[:GROUP]",
            "doc": "Owner of the added files (default root:root).",
            "url": REFERENCE + "#add---chown---chmod",
        },
        "chmod": {
            "syntax": "--chmod=PERMS",
            "doc": "Permissions of the added files (octal or symbolic).",
            "url": REFERENCE + "#add---chown---chmod",
        },
        "checksum": {
            "syntax": "--checksum=sha256:HEX",
            "doc": "Verifies the checksum of a remote (HTTP or Git) source.",
            "url": REFERENCE + "#add---checksum",
        },
        "link": {
            "syntax": "--link[=true|false]",
            "doc": "Adds into an independent layer, so the files stay cached when earlier layers change.",
            "url": REFERENCE + "#add---link",
        },
        "keep-git-dir": {
            "syntax": "--keep-git-dir[=true|false]",
            "doc": "Keeps the `.git` directory of a Git source.",
            "url": REFERENCE + "#add---keep-git-dir",
        },
        "unpack": {
            "syntax": "--unpack[=true|false]",
            "doc": "Whether to extract archives (default: local archives yes, remote ones no).",
            "url": REFERENCE + "#add",
        },
        "exclude": {
            "syntax": "--exclude=PATTERN",
            "doc": "Leaves out the sources matching the pattern (may repeat).",
            "url": REFERENCE + "#add---exclude",
        },
    },
    "HEALTHCHECK": {
        "interval": {"syntax": "--interval=DURATION", "doc": f"Time between checks (default 30s). {_DUR}.",
                     "url": REFERENCE + "#healthcheck"},
        "timeout": {"syntax": "--timeout=DURATION", "doc": f"A check taking longer fails (default 30s). {_DUR}.",
                    "url": REFERENCE + "#healthcheck"},
        "start-period": {"syntax": "--start-period=DURATION",
                         "doc": f"Start-up time during which failures do not count (default 0s). {_DUR}.",
                         "url": REFERENCE + "#healthcheck"},
        "start-interval": {"syntax": "--start-interval=DURATION",
                           "doc": f"Time between checks during the start period (default 5s). {_DUR}.",
                           "url": REFERENCE + "#healthcheck"},
        "retries": {"syntax": "--retries=N", "doc": "Consecutive failures before the container is unhealthy (default 3).",
                    "url": REFERENCE + "#healthcheck"},
    },
}

DIRECTIVES: dict[str, dict] = {
    "syntax": {
        "doc": "Selects the Dockerfile frontend image that builds this file, e.g. `docker/dockerfile:1`. "
        "Must be in the first lines, before any instruction or comment.",
        "url": REFERENCE + "#syntax",
    },
    "escape": {
        "doc": "Sets the escape character (`\\` by default; `` ` `` is common on Windows).",
        "url": REFERENCE + "#escape",
    },
    "check": {
        "doc": "Configures BuildKit's build checks: `skip=RuleA,RuleB`, `error=true`.",
        "url": REFERENCE + "#check",
    },
}

_PLATFORM_URL = "https://docs.docker.com/build/building/variables/#multi-platform-build-arguments"

PREDEFINED_ARGS: dict[str, str] = {
    "BUILDPLATFORM": "platform of the machine running the build (`linux/amd64`)",
    "BUILDOS": "OS component of BUILDPLATFORM (`linux`)",
    "BUILDARCH": "architecture of BUILDPLATFORM (`amd64`)",
    "BUILDVARIANT": "variant of BUILDPLATFORM (`v7`)",
    "TARGETPLATFORM": "platform of the build result (`--platform`, default: the build platform)",
    "TARGETOS": "OS component of TARGETPLATFORM",
    "TARGETARCH": "architecture of TARGETPLATFORM",
    "TARGETVARIANT": "variant of TARGETPLATFORM",
    "TARGETSTAGE": "name of the stage being built (`--target`)",
}
PREDEFINED_ARGS_URL = _PLATFORM_URL

PROXY_ARGS = frozenset(
    {"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy",
     "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"}
)
