"""The node tree is the same whether libyaml's C parser or ruamel's pure-Python one reads the file."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sftlint.document import composer
from sftlint.document import DocumentError, Mapping, Sequence, parse_document

TEXT = """\
base: &base {lr: 2e-4, flag: on}
trainer:
  <<: *base
  steps: [1, 2, 0o17]
  name: 'quoted'
  note: |
    two
    lines
"""


def shape(node):
    """Everything a rule reads from a node: kind, positions, tag, text and both YAML versions' values."""
    if isinstance(node, Mapping):
        return ("map", node.start, node.end, node.tag, node.flow, [(shape(k), shape(v)) for k, v in node.pairs])
    if isinstance(node, Sequence):
        return ("seq", node.start, node.end, node.tag, node.flow, [shape(v) for v in node.items])
    return ("scalar", node.start, node.end, node.tag, node.text, node.style, node.value11, node.value12)


@pytest.fixture
def pure_python(monkeypatch):
    """As on a platform without ruamel.yaml.clib: the C extension cannot be imported."""
    monkeypatch.setitem(sys.modules, "_ruamel_yaml", None)
    monkeypatch.setattr(composer, "_parser_class", None)


def test_c_and_pure_python_parsers_build_the_same_tree(monkeypatch):
    assert composer.event_parser() is composer.event_parser() is not None  # built once
    fast = parse_document(Path("a.yaml"), TEXT)

    monkeypatch.setitem(sys.modules, "_ruamel_yaml", None)
    monkeypatch.setattr(composer, "_parser_class", None)
    assert composer.event_parser() is None
    slow = parse_document(Path("a.yaml"), TEXT)

    assert shape(slow.root) == shape(fast.root)
    assert "trainer" in fast.root and fast.root.get("trainer").get("steps") is not None


def test_pure_python_parser_errors_are_still_located(pure_python):
    with pytest.raises(DocumentError) as caught:
        parse_document(Path("a.yaml"), "a: [1, 2\nb: 3\n")
    assert caught.value.line >= 1 and caught.value.code.startswith("E")
