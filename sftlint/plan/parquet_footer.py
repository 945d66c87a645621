"""A parquet file's row count, read from its footer without pyarrow.

Importing pyarrow costs far more than linting a config, and the count is stored in the file's
footer: the last 8 bytes are the footer length and ``PAR1``; the footer is a Thrift
(compact protocol) ``FileMetaData`` whose field 3 is ``num_rows``. Field 2 (the schema) comes
first, so a small reader that can skip any Thrift value is enough.
"""

from __future__ import annotations

import struct
from pathlib import Path

MAGIC = b"PAR1"
#: A footer larger than this is not a plausible parquet file (they are kilobytes to a few MB).
MAX_FOOTER_BYTES = 64 * 1024 * 1024

_STOP, _TRUE, _FALSE, _BYTE, _I16, _I32, _I64, _DOUBLE, _BINARY, _LIST, _SET, _MAP, _STRUCT = range(13)


class ParquetError(ValueError):
    pass


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def byte(self) -> int:
        if self.pos >= len(self.data):
            raise ParquetError("footer ends early")
        value = self.data[self.pos]
        self.pos += 1
        return value

    def varint(self) -> int:
        shift = result = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7
            if shift > 70:
                raise ParquetError("malformed varint in footer")

    def zigzag(self) -> int:
        n = self.varint()
        return (n >> 1) ^ -(n & 1)

    def skip(self, kind: int, depth: int = 0) -> None:
        if depth > 64:
            raise ParquetError("footer nests too deeply")
        if kind in (_TRUE, _FALSE):
            return
        if kind == _BYTE:
            self.pos += 1
        elif kind in (_I16, _I32, _I64):
            self.varint()
        elif kind == _DOUBLE:
            self.pos += 8
        elif kind == _BINARY:
            length = self.varint()  # read first: ``pos += varint()`` would add to the old position
            self.pos += length
        elif kind in (_LIST, _SET):
            header = self.byte()
            size, elem = header >> 4, header & 0x0F
            if size == 15:
                size = self.varint()
            for _ in range(size):
                if elem in (_TRUE, _FALSE):
                    self.pos += 1
                else:
                    self.skip(elem, depth + 1)
        elif kind == _MAP:
            size = self.varint()
            if size:
                types = self.byte()
                for _ in range(size):
                    self.skip(types >> 4, depth + 1)
                    self.skip(types & 0x0F, depth + 1)
        elif kind == _STRUCT:
            last = 0
            while True:
                field, kind_inner, last = self.field_header(last)
                if kind_inner == _STOP:
                    return
                self.skip(kind_inner, depth + 1)
        else:
            raise ParquetError(f"unknown Thrift type {kind} in footer")
        if self.pos > len(self.data):
            raise ParquetError("footer ends early")

    def field_header(self, last: int) -> tuple[int, int, int]:
        header = self.byte()
        kind = header & 0x0F
        if kind == _STOP:
            return 0, _STOP, last
        delta = header >> 4
        field = last + delta if delta else self.zigzag()
        return field, kind, field


def parquet_num_rows(path: Path) -> int:
    """Rows in the parquet file at ``path``; raises :class:`ParquetError` or OSError."""
    with path.open("rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        if size < 12:
            raise ParquetError("too short to be a parquet file")
        fh.seek(size - 8)
        tail = fh.read(8)
        if tail[4:] != MAGIC:
            raise ParquetError("no PAR1 footer (not a parquet file, or an encrypted one)")
        (length,) = struct.unpack("<I", tail[:4])
        if length > min(size - 12, MAX_FOOTER_BYTES):
            raise ParquetError("footer length is impossible")
        fh.seek(size - 8 - length)
        reader = _Reader(fh.read(length))
    last = 0
    while True:
        field, kind, last = reader.field_header(last)
        if kind == _STOP:
            raise ParquetError("footer has no row count")
        if field == 3 and kind == _I64:
            return reader.zigzag()
        reader.skip(kind)
