"""What the server's start imports: asyncio without ssl (see dockwise/lsp/__init__),
ssl still there for the registry client. Each case in a fresh interpreter."""
import subprocess
import sys
import textwrap


def _run(code: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                         timeout=60, check=True)
    return out.stdout.split()


def test_the_start_up_path_loads_no_ssl_and_asyncio_takes_tls_as_unavailable():
    got = _run("""
        import sys
        from dockwise.lsp import boot
        import asyncio.base_events, asyncio.sslproto
        print("ssl" in sys.modules, asyncio.base_events.ssl is None, asyncio.sslproto.ssl is None)
    """)
    assert got == ["False", "True", "True"]


def test_ssl_stays_importable_for_the_registry_client_after_the_server_started():
    got = _run("""
        import sys
        from dockwise.lsp import boot
        from dockwise.images import http
        import ssl
        ctx = ssl.create_default_context()
        print(http.ssl is ssl, ctx.verify_mode == ssl.CERT_REQUIRED, ctx.check_hostname)
    """)
    assert got == ["True", "True", "True"]


def test_ssl_imported_first_is_asyncios_as_usual():
    got = _run("""
        import ssl
        from dockwise.lsp import boot
        import asyncio.base_events
        print(asyncio.base_events.ssl is ssl)
    """)
    assert got == ["True"]
