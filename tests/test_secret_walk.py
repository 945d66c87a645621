"""The walk that registers a file's credentials skips values too short to be one: it must find
exactly what asking about every value finds."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from hostile_secrets import TOKENS, placements
from sftlint.document import DocumentError, Mapping, Scalar, Sequence, parse_document, remember_secrets
from sftlint.redact import MIN_SECRET_LENGTH, SECRET_KEYS, find_secret, secret_key

#: Keys under which find_secret is most willing: token shapes, W&B keys, any real-looking value.
KEYS = [None, "token", "wandb_api_key", "hub_token", "db_password", "x-api-key", *sorted(SECRET_KEYS)]
#: Characters every recognised shape is made of, so short texts come close to matching.
ALPHABET = "hfsk_-antgpouxbrlcAKISGPD0123456789:/@.aef ABCQZ"


@settings(max_examples=400, deadline=None)
@given(key=st.sampled_from(KEYS), text=st.text(alphabet=ALPHABET, max_size=MIN_SECRET_LENGTH - 1))
def test_nothing_shorter_than_the_shortest_credential_is_one(key, text):
    assert find_secret(key, text) is None


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
