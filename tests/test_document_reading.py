"""A config is read as many bytes as it holds: all of them when it grew after its size was taken,
and never more than the limit."""

from __future__ import annotations

import os
import pytest

from sftlint.document import DocumentError, load_document, loading

TEXT = "model_name_or_path: Qwen/Qwen2.5-0.5B\nlearning_rate: 2e-4\nnum_train_epochs: 3\n"


@pytest.fixture
def stale_size(monkeypatch):
    """The size the open file reports is that of an older, shorter version of it."""
    real = os.fstat

    def fstat(fd):
        found = real(fd)
        return os.stat_result((*found[:6], min(found.st_size, 10), *found[7:10]))

    monkeypatch.setattr(os, "fstat", fstat)


def test_a_config_is_read_whole(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(TEXT)
    doc = load_document(path)
    assert doc.text == TEXT and doc.root.keys() == ["model_name_or_path", "learning_rate", "num_train_epochs"]


def test_a_config_that_grew_after_its_size_was_taken_is_read_whole(tmp_path, stale_size):
    path = tmp_path / "c.yaml"
    path.write_text(TEXT)
    doc = load_document(path)
    assert doc.text == TEXT and doc.lookup(("num_train_epochs",))[1].value11 == 3


def test_growing_past_the_limit_is_refused_not_read_on(tmp_path, stale_size, monkeypatch):
    monkeypatch.setattr(loading, "MAX_FILE_BYTES", 40)
    path = tmp_path / "c.yaml"
    path.write_text(TEXT)  # 78 bytes: under the limit when its size was taken, over it when read
    with pytest.raises(DocumentError, match="grew past"):
        load_document(path)


def test_an_empty_file_is_read_as_empty(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_bytes(b"")
    with pytest.raises(DocumentError, match="file is empty"):
        load_document(path)
