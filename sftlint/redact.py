"""Recognising credentials, and making sure none ever leaves the process unmasked.

Two halves. :func:`find_secret` recognises a credential: a value of a common token shape (Hugging
Face, OpenAI, Anthropic, GitHub, Slack, AWS access key ids, credentials in a URL) under any key,
or any real-looking value under a secret-looking key (``hub_token``, ``wandb_api_key``,
``aws_secret_access_key``, ``db_password`` ...). Every document read registers the credentials
it holds — their values, the lines of their source text, and the escaped forms JSON, XML and
GitHub annotations would print — in :data:`KNOWN`.

Then the single exit: :func:`redact_text` masks every registered value and every token shape in
a string, and :class:`RedactingStream` applies it to everything written to stdout and stderr
while a command runs (findings in any format, source snippets, diffs, plan tables and JSON,
warnings and errors). Whatever path a value takes to the output — a message quoting it, a
snippet of the next line, a block scalar, a diff's context — it is masked on the way out.
"""

from __future__ import annotations

import io
import json
import re
from functools import lru_cache
from typing import Iterable, NamedTuple

#: Keys whose string value is a credential, whatever it looks like (lower-case).
SECRET_KEYS = frozenset({
    "hub_token", "hf_token", "hf_hub_token", "huggingface_token", "ms_hub_token", "om_hub_token",
    "wandb_api_key", "wandb_key", "comet_api_key", "neptune_api_token", "mlflow_tracking_token",
    "openai_api_key", "api_key", "access_token", "auth_token", "secret_key", "token", "github_token",
    "gh_token", "slack_token", "anthropic_api_key", "swanlab_api_key", "aws_secret_access_key",
    "aws_session_token", "password", "passwd",
})
#: Key names that look secret wherever these words stand in them (``db_password``, ``x-api-key``).
_SECRET_KEY_WORDS = (r"(?:^|[_.\-])(?:secret|password|passwd|api[_-]?key|apikey|access[_-]?key|private[_-]?key|"
                     r"credentials?|auth[_-]?token|access[_-]?token|hub[_-]?token|refresh[_-]?token|"
                     r"bearer[_-]?token|session[_-]?token)s?(?:$|[_.\-])")
#: A word of :data:`_SECRET_KEY_WORDS` always holds one of these.
_KEY_HINTS = ("secret", "pass", "key", "credential", "token")

# The patterns are kept as source and compiled by ``re`` on first use (it caches them): most
# runs meet no value that contains a token prefix, and compiling them all up front was a
# noticeable share of a one-file check.

#: Values that are credentials under any key: (what they are, public prefix, pattern). A value
#: without the prefix cannot match, so the pattern is only tried on text that contains it.
SHAPES = (
    ("Hugging Face token", "hf_", r"\bhf_[A-Za-z0-9]{30,}"),
    ("Anthropic API key", "sk-ant-", r"\bsk-ant-[A-Za-z0-9_\-]{20,}"),
    ("API key", "sk-", r"\bsk-[A-Za-z0-9_\-]{20,}"),
    ("GitHub token", "gh", r"\bgh[pousr]_[A-Za-z0-9]{30,}"),
    ("GitHub token", "github_pat_", r"\bgithub_pat_[A-Za-z0-9_]{30,}"),
    ("Slack token", "xox", r"\bxox[abposr]-[A-Za-z0-9\-]{10,}"),
    ("AWS access key id", "A", r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b"),
    ("W&B API key", "local-", r"\blocal-[0-9a-f]{40,}"),
    ("credential in a URL", "://", r"(?<=://)[^\s/@:'\"]{1,256}:[^\s/@'\"]{1,256}(?=@)"),
)
#: The shortest text :func:`find_secret` can recognise, whatever the key: a credential in a URL,
#: ``://a:b@``. Walks over a file's values skip anything shorter without asking.
MIN_SECRET_LENGTH = 7
#: A W&B API key: 40 hex digits (86 in newer keys, with a prefix); only under a W&B-ish key.
WANDB_KEY = r"^(?:[a-z0-9]+-)?[0-9a-f]{40,86}$"

#: Values that stand for a credential without being one.
_PLACEHOLDER = (r"(?i)^(?:\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|<[^>]*>|\{\{.*\}\}|x+|\*+|\.\.\.|"
                r"(?:your|my)[_\- ].*|changeme|none|null|todo|tbd|secret|token|true|false)$")

_KEY_VALUE = r"""^(?P<lead>\s*(?:-\s+)?["']?(?P<key>[A-Za-z0-9_.\-]+)["']?\s*:\s*)(?P<value>\S.*?)(?P<tail>\s*,?\s*(?:#.*)?)$"""

#: Pieces of a credential's source text shorter than this are not masked on their own (they
#: would mask ordinary words); whole values are masked whatever their length.
MIN_PIECE = 6
#: A piece of a known credential this long is masked wherever it appears, even cut from the rest.
MIN_FRAGMENT = 12
_FRAGMENT_RUN = re.compile(r"[A-Za-z0-9_\-+/=.]{12,}")


class Secret(NamedTuple):
    """A credential found in a value: what it is and a redacted form safe to print."""

    kind: str
    length: int
    prefix: str = ""

    @property
    def redacted(self) -> str:
        return f"{self.prefix}\u2026({self.length} chars)"


@lru_cache(maxsize=4096)
def secret_key(key: str | None) -> bool:
    """Whether a key's name says its value is a credential (remembered: the same few key names
    come back in every file)."""
    name = (key or "").lower()
    if name in SECRET_KEYS:
        return True
    # every word of the pattern holds one of these: most key names never need the pattern
    return any(hint in name for hint in _KEY_HINTS) and bool(_pattern("key").search(name))


@lru_cache(maxsize=4096)
def key_facts(key: str) -> tuple[bool, bool]:
    """What a key's name says: whether the name is itself a credential (a token pasted as a key),
    and whether values under it are credentials (:func:`secret_key`). One remembered answer per name,
    as every key of every file is asked about."""
    return find_secret(None, key) is not None, secret_key(key)


_PATTERNS = {"key": _SECRET_KEY_WORDS, "wandb": WANDB_KEY, "placeholder": _PLACEHOLDER}


@lru_cache(maxsize=None)
def _pattern(name: str) -> re.Pattern:
    """One of the patterns many values meet, compiled on first need (the token shapes are tried
    only on text holding their prefix, rarely, so they stay with :mod:`re`'s own cache)."""
    return re.compile(_PATTERNS[name])


def find_secret(key: str | None, value: object) -> Secret | None:
    """The credential held by ``value`` under ``key``, or None."""
    if not isinstance(value, str) or len(value) < MIN_SECRET_LENGTH:  # most values: no lookup at all
        return None
    return _find_secret(key, value)


@lru_cache(maxsize=8192)
def _find_secret(key: str | None, value: str) -> Secret | None:
    """:func:`find_secret` for a string, remembered: every scalar and key of every file is asked
    about, and the same few (``true``, ``q_proj``, ``2e-4``, the key names) come back in each."""
    text = value.strip()
    for kind, prefix, pattern in SHAPES:
        if prefix in text and re.search(pattern, text):
            return Secret(kind, len(text), prefix if text.startswith(prefix) and len(prefix) > 2 else "")
    name = (key or "").lower()
    if "wandb" in name and _pattern("wandb").match(text):
        return Secret("W&B API key", len(text))
    if secret_key(name) and _looks_real(text):
        return Secret("credential", len(text))
    return None


def _looks_real(text: str) -> bool:
    return len(text) >= 8 and " " not in text and "\n" not in text and not _pattern("placeholder").match(text)


def redact_line(line: str) -> str:
    """``line`` with every credential replaced by its redacted form (unchanged when it has none)."""
    match = re.match(_KEY_VALUE, line)
    if match:
        raw = match["value"]
        value = raw[1:-1] if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"" else raw
        secret = find_secret(match["key"], value)
        if secret is not None:
            line = match["lead"] + secret.redacted + match["tail"]
    return redact_text(line)


def redact_diff_line(line: str) -> str:
    """A unified-diff line with credentials redacted in its content (the +/-/space mark is kept)."""
    if line.startswith(("---", "+++", "@@")) or not line:
        return line
    end = "\n" if line.endswith("\n") else ""
    return line[0] + redact_line(line[1:].rstrip("\n")) + end


# --- the values met so far, and the single exit ---------------------------------------------------

class _Known:
    """Credential texts met in the documents read by this process, longest first when masking."""

    def __init__(self) -> None:
        self.texts: set[str] = set()
        #: the credentials as written, for masking pieces of them
        self.raw: set[str] = set()
        self._pattern: re.Pattern | None = None
        #: every piece of :data:`MIN_FRAGMENT` characters of a raw credential, built on first need
        self._pieces: frozenset[str] | None = None

    def clear(self) -> None:
        self.texts.clear()
        self.raw.clear()
        self._pattern = None
        self._pieces = None

    def add(self, text: str) -> None:
        if len(text) >= MIN_FRAGMENT and text not in self.raw:
            self.raw.add(text)
            self._pieces = None
        for form in _printed_forms(text):
            if form and form not in self.texts:
                self.texts.add(form)
                self._pattern = None

    def mask(self, text: str) -> str:
        if not self.texts:
            return text
        if self._pattern is None:
            self._pattern = re.compile("|".join(re.escape(t) for t in sorted(self.texts, key=len, reverse=True)))
        text = self._pattern.sub(lambda m: f"{_public_prefix(m.group(0))}\u2026({len(m.group(0))} chars)", text)
        if not self.raw:
            return text
        pieces = self.pieces()
        if len(pieces) <= 256 and not any(piece in text for piece in pieces):
            return text  # the common case: a substring search in C per piece, no scan per token
        return _FRAGMENT_RUN.sub(self._mask_fragments, text)

    def pieces(self) -> frozenset[str]:
        """Every piece of :data:`MIN_FRAGMENT` characters of a credential as written."""
        if self._pieces is None:
            self._pieces = frozenset(value[k:k + MIN_FRAGMENT] for value in self.raw
                                     for k in range(len(value) - MIN_FRAGMENT + 1))
        return self._pieces

    def _mask_fragments(self, match: re.Match) -> str:
        """A run of token characters with every piece of :data:`MIN_FRAGMENT` or more characters
        that a known credential contains masked: a part of a token copied elsewhere in a file (a
        truncated paste, a damaged line) is as secret as the whole."""
        run, out, i, plain = match.group(0), [], 0, 0
        pieces = self.pieces()
        if not any(run[k:k + MIN_FRAGMENT] in pieces for k in range(len(run) - MIN_FRAGMENT + 1)):
            return run  # one set lookup per place instead of a scan of every credential
        while i + MIN_FRAGMENT <= len(run):
            if any(run[i:i + MIN_FRAGMENT] in value for value in self.raw):
                j = i + MIN_FRAGMENT
                while j < len(run) and any(run[i:j + 1] in value for value in self.raw):
                    j += 1
                out += [run[plain:i], f"\u2026({j - i} chars)"]
                i = plain = j
            else:
                i += 1
        out.append(run[plain:])
        return "".join(out)


def _public_prefix(token: str) -> str:
    """The part of a token that says what it is and nothing more (``hf_``, ``sk-``), if any."""
    for _, prefix, _ in SHAPES:
        if len(prefix) > 2 and prefix != "://" and token.startswith(prefix):
            return prefix
    return ""


def _printed_forms(text: str) -> Iterable[str]:
    """``text`` as each output format may print it: raw, JSON-escaped, XML-escaped, and escaped for
    GitHub annotations."""
    import html  # only once a credential is found, which is rare

    yield text
    yield json.dumps(text)[1:-1]
    yield json.dumps(text, ensure_ascii=False)[1:-1]
    yield html.escape(text)
    yield html.escape(text, quote=False)
    data = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    yield data
    yield data.replace(":", "%3A").replace(",", "%2C")


KNOWN = _Known()


def remember(value: str, source: str = "") -> None:
    """Mask ``value`` (a credential) and the lines of its ``source`` text in all output from now on."""
    value = value.strip()
    if value:
        KNOWN.add(value)
    from .document import LINE_BREAK

    for piece in LINE_BREAK.split(f"{value}\n{source}"):
        piece = piece.strip().strip("'\"").strip()
        if len(piece) >= MIN_PIECE:
            KNOWN.add(piece)


def redact_text(text: str) -> str:
    """``text`` with every known credential and every token shape masked: the single exit."""
    text = KNOWN.mask(text)
    for _, prefix, pattern in SHAPES:
        if prefix in text:
            text = re.sub(pattern, lambda m, p=prefix: f"{p if len(p) > 2 and p != '://' else ''}"
                          f"\u2026({len(m.group(0))} chars)", text)
    return text


class RedactingStream(io.TextIOBase):
    """A text stream that masks credentials in everything written to it, a whole line at a time
    (a token split over two ``write`` calls is still seen whole)."""

    def __init__(self, target) -> None:
        super().__init__()
        self.target = target
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += text
        cut = self._pending.rfind("\n") + 1
        if cut:
            self.target.write(redact_text(self._pending[:cut]))
            self._pending = self._pending[cut:]
        return len(text)

    def flush(self) -> None:
        if getattr(self.target, "closed", False):  # its owner closed it first; this one is being collected
            return
        if self._pending:
            self.target.write(redact_text(self._pending))
            self._pending = ""
        self.target.flush()

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self.target.isatty()

    def fileno(self) -> int:
        return self.target.fileno()

    @property
    def encoding(self) -> str:
        return getattr(self.target, "encoding", "utf-8")

    @property
    def errors(self):
        return getattr(self.target, "errors", None)
