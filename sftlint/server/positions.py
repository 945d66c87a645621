"""Between sftlint's places in a file and the editor's.

sftlint counts lines from 1 and columns in characters (code points) from 1, and fixes edit at
character offsets. The Language Server Protocol counts lines and columns from 0, and columns in
the code units the client and server agreed on at start-up: UTF-16 by default (a character
outside the Basic Multilingual Plane, such as an emoji in a comment, takes two), UTF-32 (code
points) or UTF-8 (bytes). A :class:`Lines` is built over the exact text that was linted, so every
position it converts refers to that text, whatever the buffer became since.
"""

from __future__ import annotations

import bisect
import re

from lsprotocol import types

from ..document import LINE_BREAK

#: The line breaks the protocol knows (Python's ``splitlines`` knows more, which would shift lines).
_BREAK = re.compile(r"\r\n|\r|\n")


def _units(text: str, encoding: str) -> int:
    if encoding == types.PositionEncodingKind.Utf32:
        return len(text)
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8", errors="surrogatepass"))
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


class Lines:
    """The lines of one text, converting offsets and (line, column) pairs to protocol positions."""

    def __init__(self, text: str, encoding: str = types.PositionEncodingKind.Utf16) -> None:
        self.text = text
        self.encoding = encoding
        self.starts = [0, *(m.end() for m in _BREAK.finditer(text))]
        self._yaml_starts: list[int] | None = None

    def line(self, index: int) -> str:
        """The 0-based line ``index`` without its line break ('' past the end)."""
        if index < 0 or index >= len(self.starts):
            return ""
        start = self.starts[index]
        end = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")

    def position(self, offset: int) -> types.Position:
        """The protocol position of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        index = bisect.bisect_right(self.starts, offset) - 1
        start = self.starts[index]
        return types.Position(index, _units(self.text[start:offset], self.encoding))

    def yaml_line(self, row: int) -> tuple[int, str]:
        """(start offset, text) of sftlint's 1-based line ``row``. sftlint counts lines as YAML
        does, which also breaks at NEL and U+2028/U+2029; the protocol breaks only at CR and LF."""
        if self._yaml_starts is None:
            self._yaml_starts = [0, *(m.end() for m in LINE_BREAK.finditer(self.text))]
        starts = self._yaml_starts
        index = min(max(row - 1, 0), len(starts) - 1)
        start = starts[index]
        found = LINE_BREAK.search(self.text, start)
        return start, self.text[start:found.start() if found else len(self.text)]

    def at(self, row: int, column: int) -> types.Position:
        """The protocol position of sftlint's 1-based (row, column), clamped to its line."""
        start, line = self.yaml_line(row)
        return self.position(start + min(max(column - 1, 0), len(line)))

    def offset(self, position: types.Position) -> int:
        """The character offset of a protocol position (past a line's end: its end)."""
        if position.line >= len(self.starts):
            return len(self.text)
        line = self.line(position.line)
        wanted, units, chars = position.character, 0, 0
        for char in line:
            step = _units(char, self.encoding)
            if units + step > wanted:
                break
            units += step
            chars += 1
        return self.starts[position.line] + chars

    def column(self, position: types.Position) -> int:
        """The 0-based character (code point) column of a protocol position."""
        return self.offset(position) - self.starts[min(position.line, len(self.starts) - 1)]

    def range(self, start: int, end: int) -> types.Range:
        return types.Range(self.position(start), self.position(end))
