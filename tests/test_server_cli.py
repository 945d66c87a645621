"""``sftlint server`` on the command line, where the server extra may not be installed."""

from __future__ import annotations

import sys


def test_server_without_pygls_says_how_to_install_it(cli, monkeypatch):
    monkeypatch.setitem(sys.modules, "pygls", None)  # as if it were not installed
    run = cli("server")
    assert run.rc == 2
    assert "pip install 'sftlint[server]'" in run.err and "Traceback" not in run.err


def test_server_is_a_subcommand_with_its_help(cli):
    run = cli("server", "--help")
    assert run.rc == 0 and "usage: sftlint server" in run.out
