"""A training config read once: its text, its node tree and the ``# sftlint:`` directives.

Rules report from node positions (1-based line and column, and the character offset that fixes
edit at), so the file is composed with ruamel.yaml's C parser — no Python objects are constructed
and aliases stay shared nodes, which keeps an alias bomb harmless. Every plain scalar knows what a
YAML 1.1 loader and a YAML 1.2 loader make of it (see :mod:`sftlint.document.yaml_types`).

Bad input never raises anything but :class:`DocumentError`, which carries the line and column to
report and a sentence that says what to do.
"""

from __future__ import annotations

import bisect
import json
import os
import re
from itertools import accumulate
from pathlib import Path

from ..records import field, record
from .nodes import DocumentError, Duplicate, Mapping, Mark, Node, Scalar, Sequence

#: Training configs are a few kilobytes; anything this large is a dataset or a mistake.
MAX_FILE_BYTES = 2 * 1024 * 1024

#: The line breaks of YAML 1.1, which libyaml follows for every mark it reports: CR LF, LF, a lone
#: CR, NEL, and the Unicode line and paragraph separators. Lines here are counted the same way, or
#: a fix would edit a line other than the one its finding points at.
LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")
_NEWLINE = LINE_BREAK
_DIRECTIVE = re.compile(r"(?:^|\s)#\s*sftlint:\s*(?P<body>[^#]*?)\s*$")


class NotSettings(DocumentError):
    """A well-formed file whose top level is a list or a single value: no training config, so it is
    skipped with this reason, unless a dialect was forced on it (then it stays an error).

    ``directives`` are the file's ``# sftlint:`` comments, (line, body), as a Document has them."""

    def __init__(self, message: str, line: int, column: int, directives: list[tuple[int, str]]) -> None:
        super().__init__(message, line, column)
        self.directives = directives

    def directive_values(self, name: str) -> list[tuple[int, str]]:
        return _directive_values(self.directives, name)


def _directive_values(directives: list[tuple[int, str]], name: str) -> list[tuple[int, str]]:
    out = []
    for line, body in directives:
        key, sep, value = body.partition("=")
        if key.strip() == name:
            out.append((line, value.strip() if sep else ""))
    return out


@record
class Document:
    """One config file: its text, its node tree and the ``# sftlint:`` directives in its comments."""

    path: Path
    text: str
    root: Mapping
    is_json: bool = False
    duplicates: list[Duplicate] = field(default_factory=list)
    directives: list[tuple[int, str]] = field(default_factory=list)
    #: (key path, value, source text) of every credential in the file; masked in all output.
    secrets: list[tuple[str, str, str]] = field(default_factory=list)
    #: Where each line starts, worked out on first use (:meth:`line_starts`); empty until then.
    _line_starts: list[int] = field(default_factory=list, repr=False, compare=False)

    @property
    def display_path(self) -> str:
        return str(self.path)

    def line_starts(self) -> list[int]:
        """The character offset where each line starts. Worked out when first asked for: many
        files never need it, and a result sent between processes travels without it."""
        starts = self._line_starts
        if not starts:
            starts = self._line_starts = _line_starts(self.text)
        return starts

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        starts = self.line_starts()
        line = bisect.bisect_right(starts, offset) - 1
        return line + 1, offset - starts[line] + 1

    def line_start(self, line: int) -> int:
        """Character offset where 1-based ``line`` starts."""
        starts = self.line_starts()
        if line - 1 >= len(starts):
            return len(self.text)
        return starts[line - 1]

    def line_text(self, line: int) -> str:
        """The text of 1-based ``line``, without its line break."""
        start = self.line_start(line)
        found = LINE_BREAK.search(self.text, start)
        return self.text[start : found.start() if found else len(self.text)]

    @property
    def line_count(self) -> int:
        """Lines of the file; the empty "line" after a final line break is none."""
        starts = self.line_starts()
        count = len(starts)
        return count - 1 if count > 1 and starts[-1] == len(self.text) else count

    @property
    def newline(self) -> str:
        """The line ending the file mostly uses (CR LF, LF or CR), for lines a fix adds."""
        return line_ending(self.text)

    def lookup(self, path: tuple[str, ...]) -> tuple[Scalar, Node] | None:
        """The (key, value) entry at a dotted key path, or None if any part is missing."""
        node: Node = self.root
        found = None
        for part in path:
            if not isinstance(node, Mapping):
                return None
            found = node.entry(part)
            if found is None:
                return None
            node = found[1]
        return found

    def directive_values(self, name: str) -> list[tuple[int, str]]:
        """(line, value) for every ``# sftlint: name=value`` directive in the file."""
        return _directive_values(self.directives, name)


def read_text(path: Path) -> str:
    """Read a config as UTF-8 text, or raise a DocumentError that says why it cannot be."""
    from ..files.reading import ReadRefused, open_regular

    try:  # a regular file only: a link to /dev/zero or a FIFO named *.yaml must not hang the run
        with open_regular(path) as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > MAX_FILE_BYTES:
                raise DocumentError(
                    f"file is {size / 1024 / 1024:.1f} MiB, over the {MAX_FILE_BYTES // 1024 // 1024} MiB "
                    "limit for a config; is it a dataset? Exclude it from the paths you lint"
                )
            # What the file holds and one byte more, to notice it growing: asking for the limit's
            # size would allocate two megabytes for every file, which costs more than the read.
            data = fh.read(size + 1)
            if len(data) > size:  # it grew since the fstat: read on, still bounded
                data += fh.read(MAX_FILE_BYTES + 1 - len(data))
    except ReadRefused as exc:
        raise DocumentError(f"file is {exc}" if "regular file" in str(exc) else str(exc)) from None
    except OSError as exc:
        raise DocumentError(f"cannot read file: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise DocumentError(f"file grew past the {MAX_FILE_BYTES // 1024 // 1024} MiB limit for a config while read")
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        column = nul - (data.rfind(b"\n", 0, nul) + 1) + 1
        raise DocumentError("file holds binary data (a NUL byte), not a YAML or JSON config", line, column)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise DocumentError(
            f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x}); save it as UTF-8", line, column
        ) from None
    return text


def parse_document(path: Path, text: str) -> Document:
    """Compose ``text`` into a :class:`Document`, raising :class:`DocumentError` on bad input."""
    is_json = path.suffix.lower() == ".json"
    if is_json:
        # The tools read JSON configs with json.load, which rejects what YAML's flow style allows
        # (comments, unquoted keys, trailing commas): check with the tool's own reader first.
        _raise_json_error(text)
    nodes, duplicates = _compose(text, is_json)
    if not nodes:
        what = "file is empty" if not text.strip() else "file holds only comments"
        raise DocumentError(f"{what}: no settings to lint", 1, 1)
    if len(nodes) > 1:
        line, column = _separator_before(text, nodes[1].start)
        raise DocumentError(
            f"file holds {len(nodes)} YAML documents; a training config is one document "
            "(remove the extra '---' separators or split the file)",
            line,
            column,
        )
    root = nodes[0]
    if isinstance(root, Scalar) and root.plain and root.text == "":
        raise DocumentError("file holds no settings, only a document marker", 1, 1)
    directives = []
    if "sftlint:" in text:
        for number, line in enumerate(LINE_BREAK.split(text), start=1):
            match = _DIRECTIVE.search(line)
            if match:
                directives.extend((number, part.strip()) for part in match["body"].split(";") if part.strip())
    if not isinstance(root, Mapping):
        kind = "a list" if isinstance(root, Sequence) else "a single value"
        raise NotSettings(
            f"top level is {kind}, not a mapping of settings (key: value lines)",
            root.start.line,
            root.start.column,
            directives,
        )
    doc = Document(path, text, root, is_json, duplicates, directives)
    doc.secrets = remember_secrets(root, text)
    return doc


def remember_secrets(root: Node, text: str, limit: int = 200_000) -> list[tuple[str, str, str]]:
    """(key path, value, source text) of every credential under ``root``: a value of a token shape anywhere (keys
    too), or a real-looking value anywhere below a secret-looking key. Each is registered with
    :mod:`sftlint.redact`, with its source text, so that no output ever shows it."""
    from ..redact import MIN_SECRET_LENGTH, find_secret, key_facts, remember, secret_key

    # Most scalars (``true``, ``2e-4``, ``q_proj``) are shorter than any credential: they are not
    # visited at all, which spares the walk most of its work and changes nothing it finds.
    shortest = MIN_SECRET_LENGTH
    found: list[tuple[str, str, str]] = []
    stack: list[tuple[str, bool, Node]] = [("", False, root)]
    seen: set[int] = set()
    while stack and limit > 0:
        path, under_secret, node = stack.pop()
        limit -= 1
        if isinstance(node, Scalar):
            key = path.rsplit(".", 1)[-1] if path else None
            secret = find_secret("token" if under_secret else key, node.text)
            if secret is not None:
                source = text[node.start.offset:node.end.offset]
                found.append((path, node.text, source))
                remember(node.text, source)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, Mapping):
            for k, v in node.pairs:
                if isinstance(k, Scalar):
                    name = k.text
                    token_key, secret_named = key_facts(name)
                    if token_key:  # a token as a key
                        stack.append((path, under_secret, k))
                else:  # a complex key
                    name = "?"
                    secret_named = secret_key(name)
                    stack.append((path, under_secret, k))
                if not isinstance(v, Scalar) or len(v.text) >= shortest:
                    stack.append((f"{path}.{name}" if path else name, under_secret or secret_named, v))
        elif isinstance(node, Sequence):
            stack.extend((path, under_secret, item) for item in node.items
                         if not isinstance(item, Scalar) or len(item.text) >= shortest)
    return found


#: The line breaks other than LF; a file without any (most are) has its lines found by one split.
_OTHER_BREAKS = re.compile("[\r\x85\u2028\u2029]")


def _line_starts(text: str) -> list[int]:
    """The character offset where each line starts, counting every break :data:`LINE_BREAK` knows."""
    if _OTHER_BREAKS.search(text) is None:  # LF only: str.split in C, not a match object per line
        return list(accumulate((len(line) + 1 for line in text.split("\n")[:-1]), initial=0))
    return [0, *(m.end() for m in _NEWLINE.finditer(text))]


def line_ending(text: str) -> str:
    """The commonest of CR LF, LF and CR in ``text`` (LF when it has none)."""
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    cr = text.count("\r") - crlf
    if crlf >= lf and crlf >= cr and crlf:
        return "\r\n"
    return "\r" if cr > lf else "\n"


def _separator_before(text: str, mark: Mark) -> tuple[int, int]:
    """(line, column) of the ``---`` that starts the document at ``mark``: where the fix goes."""
    found = text.rfind("\n---", 0, mark.offset + 1)
    if found < 0 or text.count("\n", 0, found + 1) >= mark.line:
        return mark.line, mark.column
    return text.count("\n", 0, found + 1) + 1, 1


def load_text(path: Path, text: str) -> Document:
    """Compose text already in memory (an editor's buffer) as ``path``'s content, with the limits
    :func:`read_text` puts on a file: not over the size of a config, no binary data."""
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > MAX_FILE_BYTES:
        raise DocumentError(f"text is {size / 1024 / 1024:.1f} MiB, over the {MAX_FILE_BYTES // 1024 // 1024} MiB "
                            "limit for a config; is it a dataset?")
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise DocumentError("text holds binary data (a NUL character), not a YAML or JSON config", line,
                            nul - (text.rfind("\n", 0, nul) + 1) + 1)
    return parse_document(path, text)


def load_document(path: Path) -> Document:
    """Read and compose one config file."""
    return parse_document(path, read_text(path))


def _compose(text: str, is_json: bool) -> tuple[list[Node], list[Duplicate]]:
    from .composer import compose_documents
    from .libyaml import parser_errors

    MarkedYAMLError, YAMLError = parser_errors()

    try:
        return compose_documents(text)
    except MarkedYAMLError as exc:
        if is_json and "\t" in text:  # tabs are JSON whitespace but not YAML indentation; offsets are kept
            return _compose(text.replace("\t", " "), False)
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        context = f" ({exc.context})" if exc.context and exc.problem else ""
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise DocumentError(f"invalid YAML: {problem}{context}", line, column) from None
    except YAMLError as exc:
        raise DocumentError(f"invalid YAML: {exc}") from None
    except RecursionError:
        raise DocumentError("invalid YAML: nesting is too deep") from None


def _syntax_only_int(text: str) -> int:
    """The JSON check needs the syntax, not the values: huge integers are no error here (Python
    refuses to convert over 4,300 digits), the range checks report them where they stand."""
    return 0


def _raise_json_error(text: str) -> None:
    try:
        json.loads(text, parse_int=_syntax_only_int)
    except json.JSONDecodeError as exc:
        message, line, column = _json_problem(text, exc)
        raise DocumentError(f"invalid JSON: {message}", line, column) from None
    except RecursionError:
        raise DocumentError("invalid JSON: nesting is too deep") from None


def _json_problem(text: str, exc: json.JSONDecodeError) -> tuple[str, int, int]:
    """The decoder's message and position, with the likely cause where its wording hides it.

    A trailing comma is reported at the comma on every Python: 3.13 says "Illegal trailing comma"
    there, older ones "Expecting property name" at the bracket after it.
    """
    if exc.msg.startswith("Invalid control character"):
        return "a raw tab or line break inside a string (write \\t or \\n)", exc.lineno, exc.colno
    before = text[: exc.pos].rstrip()
    if exc.msg.startswith("Illegal trailing comma") or (
            exc.msg.startswith(("Expecting property name", "Expecting value")) and before.endswith(",")
            and text[exc.pos:].lstrip()[:1] in ("}", "]")):
        comma = text.rfind(",", 0, exc.pos + 1)
        line = text.count("\n", 0, comma) + 1
        column = comma - text.rfind("\n", 0, comma)
        return "a trailing comma before the closing bracket (JSON allows none)", line, column
    return exc.msg, exc.lineno, exc.colno
