r"""## What it does
Flags an `ARG` or `ENV` whose name suggests a secret: one of ~50 well-known
names (`AWS_SECRET_ACCESS_KEY`, `GITHUB_TOKEN`, `NPM_TOKEN`,
`POSTGRES_PASSWORD`, …) or a name containing `api_key`, `client_key`,
`password`, `private`, `secret`, `token` or `username` (any case).
`ONBUILD ARG`/`ONBUILD ENV` too.

## Why it matters
`ENV` values are stored in the image configuration and `ARG` values in the
build history: anyone who can pull the image can read them. Pass secrets
with `RUN --mount=type=secret` instead.

## Example
```dockerfile
FROM node:22
ARG NPM_TOKEN
RUN npm ci
```

## Use instead
```dockerfile
FROM node:22
RUN --mount=type=secret,id=npm,env=NPM_TOKEN npm ci
```

## BuildKit's check
BuildKit's **SecretsUsedInArgOrEnv** is DW116 in dockwise, faithful to BuildKit: BuildKit decides by `_`-separated parts of the name with an allow-list (`public`, `file`, `version`), this rule by a list of well-known names and substrings: each flags names the other does not. DW116 stays silent on an instruction this rule reports.

## References
- hadolint: DL3064
- BuildKit: SecretsUsedInArgOrEnv (dockwise DW116)
"""
from __future__ import annotations

from dockwise.syntax.model import Dockerfile, Instruction

from ._api import Finding, Severity, rule

MESSAGE = "Potentially sensitive data should not be used in the `ARG` or `ENV` commands"
KNOWN = frozenset("""
ACCESS_TOKEN APPLICATION_KEY APP_SECRET AUTH_TOKEN AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
BITTREX_API_KEY BITTREX_API_SECRET CF_PASSWORD CF_USERNAME CIRCLE_TOKEN CI_DEPLOY_PASSWORD
CI_DEPLOY_USER DOCKERHUB_PASSWORD DOCKER_EMAIL DOCKER_PASSWORD DOCKER_USERNAME
FACEBOOK_ACCESS_TOKEN FACEBOOK_APP_ID FACEBOOK_APP_SECRET FIREBASE_API_TOKEN FIREBASE_TOKEN
FOSSA_API_KEY GH_ENTERPRISE_TOKEN GH_TOKEN GITHUB_ENTERPRISE_TOKEN GITHUB_TOKEN HEROKU_API_KEY
HEROKU_API_USER NPM_AUTH_TOKEN NPM_TOKEN OKTA_AUTHN_GROUPID OKTA_CLIENT_ORGURL OKTA_CLIENT_TOKEN
OKTA_OAUTH2_CLIENTID OKTA_OAUTH2_CLIENTSECRET OPENAI_API_KEY OS_PASSWORD OS_USERNAME
POSTGRES_PASSWORD SLACK_TOKEN STRIPE_API_KEY STRIPE_DEVICE_NAME TRAVIS_OS_NAME
TRAVIS_SECURE_ENV_VARS TRAVIS_SUDO VAULT_CLIENT_KEY VAULT_TOKEN
""".split())
SUSPICIOUS = ("api_key", "client_key", "password", "private", "secret", "token", "username")


def sensitive(name: str) -> bool:
    return name.upper() in KNOWN or any(s in name.lower() for s in SUSPICIOUS)


@rule(
    code="DL3064",
    name="sensitive-arg-env",
    summary="Potentially sensitive data should not be used in ARG or ENV",
    severity=Severity.WARNING,
    tags=("security", "arg", "env"),
    each="instruction",
    keywords=("ARG", "ENV"),
)
def sensitive_arg_env(df: Dockerfile, ins: Instruction, ctx) -> list[Finding]:
    return [Finding(p.key_span, MESSAGE) for p in ins.effective.pairs if sensitive(p.key)]
