"""What a lint records as read, so that a cached ``pytest --sftlint`` result is trusted only as long
as its inputs are unchanged."""

from __future__ import annotations

import importlib
import os
import sys

from sftlint.files.inputs import recording, signatures, unchanged


def test_a_folder_listed_and_a_file_read_are_inputs(tmp_path):
    data = tmp_path / "train.jsonl"
    data.write_text('{"text": "a"}\n', encoding="utf-8")
    with recording() as seen:
        os.listdir(tmp_path)
        data.read_text(encoding="utf-8")
        (tmp_path / "written.log").write_text("x", encoding="utf-8")

    recorded = signatures(seen)
    assert set(recorded) == {str(tmp_path), str(data)}
    assert unchanged(recorded)
    (tmp_path / "new.jsonl").write_text("", encoding="utf-8")
    assert not unchanged(recorded)  # the listed folder has a new name


def test_an_import_scanning_a_folder_on_sys_path_is_not_an_input(tmp_path, monkeypatch):
    # A lazy import during the first lint of a process lists the folders on sys.path (the current
    # folder among them); a file appearing there later must not make the cached result stale.
    (tmp_path / "lazily_imported_helper.py").write_text("VALUE = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "lazily_imported_helper", raising=False)
    importlib.invalidate_caches()
    with recording() as seen:
        importlib.import_module("lazily_imported_helper")

    assert signatures(seen) == {}
