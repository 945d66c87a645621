"""``sftlint server``: the language server for editors."""

from __future__ import annotations

from .main import UsageError


def cmd_server(args) -> int:
    """The language server; pygls is imported here only, so the linter never needs it."""
    try:
        import pygls  # noqa: F401
    except ImportError:
        raise UsageError("the language server needs pygls: pip install 'sftlint[server]'") from None
    from ..server.app import serve

    return serve()
