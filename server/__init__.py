"""dockwise: a Dockerfile language server and linter."""

__version__ = "0.1.0"

# The project's home (pyproject.toml's [project.urls] Homepage; a test keeps
# them equal). Every link to a rule's documentation is built from it.
PROJECT_URL = "https://github.com/dockwise-dev/dockwise"
DOCS_URL = f"{PROJECT_URL}/blob/main/docs"


def rule_doc_url(code: str) -> str:
    """The documentation of rule ``code`` (its section in docs/rules.md)."""
    return f"{DOCS_URL}/rules.md#{code.lower()}"
