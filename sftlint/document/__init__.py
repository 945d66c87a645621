"""The document layer: a config file read once into a tree of nodes that know where they stand.

:mod:`.nodes` holds the node types rules walk, :mod:`.loading` reads a file into a
:class:`Document`, :mod:`.composer` builds the tree from the YAML parser's events and
:mod:`.yaml_types` says what a plain scalar means to YAML 1.1 and 1.2 loaders. The names a rule or
a plugin needs are importable from here.
"""

from .loading import (
    LINE_BREAK,
    MAX_FILE_BYTES,
    Document,
    NotSettings,
    line_ending,
    load_document,
    load_text,
    parse_document,
    read_text,
    remember_secrets,
)
from .nodes import AnyNode, DocumentError, Duplicate, Mapping, Mark, Node, Scalar, Sequence, iter_scalars

__all__ = [
    "LINE_BREAK", "MAX_FILE_BYTES", "AnyNode", "Document", "DocumentError", "Duplicate", "Mapping", "Mark",
    "Node", "NotSettings", "Scalar", "Sequence", "iter_scalars", "line_ending", "load_document", "load_text",
    "parse_document", "read_text", "remember_secrets",
]
