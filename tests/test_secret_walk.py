"""The walk that registers a file's credentials skips values too short to be one: it must find
exactly what asking about every value finds."""

from __future__ import annotations

import re
import string
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from hostile_secrets import TOKENS, placements
from sftlint.document import DocumentError, Mapping, Scalar, Sequence, parse_document, remember_secrets
from sftlint.redact import (MIN_SECRET_LENGTH, SECRET_KEYS, SHAPES, WANDB_KEY, _KEY_HINTS, _SECRET_KEY_WORDS, _find_secret,
                            find_secret, secret_key)

#: Keys under which find_secret is most willing: token shapes, W&B keys, any real-looking value.
KEYS = [None, "token", "wandb_api_key", "hub_token", "db_password", "x-api-key", *sorted(SECRET_KEYS)]
#: Characters the recognised shapes are made of.
ALPHABET = string.ascii_letters + string.digits + "_-:/@. "
#: Short texts, many of them starting with a shape's public prefix (whatever shapes there are).
SHORT_TEXTS = st.one_of(
    st.text(alphabet=ALPHABET, max_size=MIN_SECRET_LENGTH - 1),
    st.builds(lambda prefix, rest: (prefix + rest)[:MIN_SECRET_LENGTH - 1],
              st.sampled_from([prefix for _, prefix, _ in SHAPES]), st.text(alphabet=ALPHABET, max_size=8)),
)


@settings(max_examples=600, deadline=None)
@given(key=st.sampled_from(KEYS), text=SHORT_TEXTS)
def test_nothing_shorter_than_the_shortest_credential_is_one(key, text):
    """The recogniser itself (find_secret turns such text away before asking it)."""
    assert _find_secret(key, text) is None


def shortest_text(pattern: str) -> int:
    """The fewest characters a text needs for ``pattern`` to find something in it: the shortest
    match, plus what its lookbehinds and lookaheads need around it."""
    parsed = re._parser.parse(pattern)  # the standard library's own reading of the pattern
    around = sum(av[1].getwidth()[0] for op, av in parsed if op is re._constants.ASSERT)
    return parsed.getwidth()[0] + around


def test_every_recognised_shape_needs_at_least_the_shortest_length():
    assert min(shortest_text(pattern) for _, _, pattern in SHAPES) == MIN_SECRET_LENGTH
    assert shortest_text(WANDB_KEY) >= MIN_SECRET_LENGTH
    real_looking = "Ab3dE6g" + "h" * 10
    assert find_secret("hub_token", real_looking[:MIN_SECRET_LENGTH + 1]) is not None  # under a secret key
    assert _find_secret("hub_token", real_looking[:MIN_SECRET_LENGTH - 1]) is None


def test_the_shortest_credential_is_recognised():
    """The bound is the real one: a credential in a URL of exactly that length is found."""
    shortest = "://a:b@"
    assert len(shortest) == MIN_SECRET_LENGTH
    assert find_secret(None, shortest) is not None
    assert find_secret(None, f"https{shortest}host") is not None


def every_value(root) -> list[tuple[str, str]]:
    """(key path, value) of each credential, in the walk's order, asking about every scalar value
    (and every key of a token's shape) in the tree."""
    out, stack, seen = [], [("", False, root)], set()
    while stack:
        path, under, node = stack.pop()
        if isinstance(node, Scalar):
            key = path.rsplit(".", 1)[-1] if path else None
            if find_secret("token" if under else key, node.text) is not None:
                out.append((path, node.text))
        elif id(node) not in seen:
            seen.add(id(node))
            if isinstance(node, Mapping):
                for k, v in node.pairs:
                    name = k.text if isinstance(k, Scalar) else "?"
                    if not isinstance(k, Scalar) or find_secret(None, k.text):
                        stack.append((path, under, k))
                    stack.append((f"{path}.{name}" if path else name, under or secret_key(name), v))
            elif isinstance(node, Sequence):
                stack.extend((path, under, item) for item in node.items)
    return out


def test_the_walk_finds_every_credential_asking_about_every_value_finds():
    texts = [text for name, token in TOKENS.items() for text in placements(name, token).values()]
    texts += [
        "a: 1\nurl: ftp://a:b@h\nlist: [x, '://a:b@', {hub_token: secretvalue1}]\n",
        "hub_token: short\nwandb_api_key: '" + "ab" * 20 + "'\n",
        "nested:\n  credentials:\n    - [one, two, Abcdefgh12]\n",
    ]
    checked = 0
    for text in texts:
        try:
            doc = parse_document(Path("c.yaml"), text)
        except DocumentError:  # a placement that is no valid YAML (an undefined alias)
            continue
        walked = [(path, value) for path, value, _ in remember_secrets(doc.root, text)]
        assert walked == every_value(doc.root), text
        checked += 1
    assert checked > 40
    found = remember_secrets(parse_document(Path("c.yaml"), texts[-3]).root, texts[-3])
    assert {value for _, value, _ in found} == {"ftp://a:b@h", "://a:b@", "secretvalue1"}


@settings(max_examples=300, deadline=None)
@given(st.from_regex(_SECRET_KEY_WORDS, fullmatch=False))
def test_every_secret_looking_key_name_holds_a_hint_word(name):
    """The key-name pattern is only tried on names holding a hint word; every name it matches does."""
    lowered = name.lower()
    if re.search(_SECRET_KEY_WORDS, lowered):
        assert any(hint in lowered for hint in _KEY_HINTS)
        assert secret_key(name)


def test_secret_looking_key_names_are_still_secret():
    for name in ("db_password", "x-api-key", "private_key", "my.credentials", "refresh-token", "auth_tokens",
                 "HF_HUB_TOKEN", "service_secret"):
        assert secret_key(name), name
    for name in ("learning_rate", "tokenizer_name", "keyboard", "passage_len", "model_name_or_path"):
        assert not secret_key(name), name
