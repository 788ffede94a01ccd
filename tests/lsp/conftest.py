"""Language-server fixtures: one server per test module and client persona.

``client`` runs every persona, ``push_client`` the pushing ones (VS Code,
Neovim 0.7, VS Code with UTF-8 positions), ``pull_client`` the pulling ones
(Neovim 0.11 with UTF-8 positions, VS Code with pull + refresh). They are
module-scoped, so a test module using them must declare
``pytestmark = pytest.mark.asyncio(loop_scope="module")`` and every test must
use its own document URI (``new_uri()``). Settings are initialised with
``{"debounceMs": 0}``. See ``lsp_helpers.py`` for the personas.
"""
from __future__ import annotations

import pytest_lsp
from lsp_helpers import DockwiseClient, PERSONAS, PULL_PERSONAS, PUSH_PERSONAS, client_config, end_session, start_session


@pytest_lsp.fixture(scope="module", params=list(PERSONAS), config=client_config())
async def client(lsp_client: DockwiseClient, request):
    await start_session(lsp_client, PERSONAS[request.param])
    yield
    await end_session(lsp_client)


@pytest_lsp.fixture(scope="module", params=PUSH_PERSONAS, config=client_config())
async def push_client(lsp_client: DockwiseClient, request):
    await start_session(lsp_client, PERSONAS[request.param])
    yield
    await end_session(lsp_client)


@pytest_lsp.fixture(scope="module", params=PULL_PERSONAS, config=client_config())
async def pull_client(lsp_client: DockwiseClient, request):
    await start_session(lsp_client, PERSONAS[request.param])
    yield
    await end_session(lsp_client)
