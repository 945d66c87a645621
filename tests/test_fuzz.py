"""Fuzzing the linter with hostile input: a stored corpus of named nasty files, and generated ones.

The stored corpus (tests/data/hostile, written by bench/hostile_corpus.py) holds one file per
known way to break a linter — huge and octal-looking integers, line-break variants, alias bombs,
deep nesting, terminal escapes, credentials in every YAML placement. Hypothesis then mutates
configs byte by byte and line break by line break. For every input: no internal error, every
finding inside the file, no planted credential in any output, and fixes that are idempotent and
change only the lines their findings point at. The longer campaign is bench/fuzz_campaign.py.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from sftlint.document import DocumentError, parse_document
from sftlint.lint.engine import lint_document
from sftlint.lint.fixer import fix_text
from sftlint.output import FORMATS, render
from sftlint.plugin.loading import build_registry
from sftlint.redact import KNOWN, RedactingStream
from sftlint.settings.resolver import Settings

CORPUS = Path(__file__).parent / "data" / "hostile"
EXPECTED = json.loads((CORPUS / "expected.json.txt").read_text())
SECRETS = json.loads((CORPUS / "secrets.json.txt").read_text())
REGISTRY = build_registry()


def _render_all(results) -> str:
    """Every output format of ``results``, through the same masking exit as the CLI."""
    buffer = io.StringIO()
    stream = RedactingStream(buffer)
    for fmt in FORMATS:
        render(fmt, results, stream, color=False, verbose=True, registry=REGISTRY)
    stream.flush()
    return buffer.getvalue()


def _lint_text(path: Path, text: str):
    try:
        document = parse_document(path, text)
    except DocumentError as exc:
        assert exc.line >= 1 and exc.column >= 1
        return None
    return lint_document(document, Settings(), REGISTRY)


def test_the_stored_corpus_names_every_case():
    assert len(EXPECTED) > 150
    for name in EXPECTED:
        assert (CORPUS / name).is_file(), name


def test_every_stored_case_lints_alone_with_its_expected_codes(cli):
    """One run over the whole corpus: each file gets its own findings, none an internal error,
    none a crash of a rule; no credential reaches the output."""
    names = sorted(EXPECTED)
    run = cli("check", *(CORPUS / n for n in names), "--output-format", "json", "--select", "ALL")
    findings = json.loads(run.out)
    assert "internal error" not in run.err and "Traceback" not in run.err
    by_file: dict[str, set[str]] = {}
    for f in findings:
        by_file.setdefault(Path(f["filename"]).name, set()).add(f["code"])
        assert f["location"]["row"] >= 1 and f["location"]["column"] >= 1
    for name, codes in EXPECTED.items():
        found = by_file.get(name, set())
        assert set(codes) <= found, (name, found)
        assert not found & {"E999", "E900"}, (name, found)
    for secret in SECRETS:
        assert secret not in run.out and secret not in run.err
    full = cli("check", *(CORPUS / n for n in names), "--output-format", "full")
    for secret in SECRETS:
        assert secret not in full.out
    assert "\x1b]0;pwned" not in full.out and "\x1b[2J" not in full.out, "a config never drives the terminal"


LINE_BREAKS = st.sampled_from(["\n", "\r\n", "\r", "\x85", "\u2028", "\u2029"])
BASE_LINES = ["output_dir: o", "per_device_train_batch_size: 4", "learning_rate: 2e-4", "warmup_ratio: 0.1",
              "warmup_steps: 3", "seed: 1", "num_train_epochs: 1", "save_steps: 0.5", "lr_scheduler_type: cosine"]
SCALARS = st.one_of(st.integers(min_value=-10**40, max_value=10**40).map(str),
                    st.floats(allow_nan=True, allow_infinity=True).map(repr),
                    st.sampled_from(["1e19", "0777", ".inf", "-.nan", "yes", "~", "'x'", '"a\\x85b"', "!!int 12",
                                     "&a 3", "*a", "[1, 2", "{a: 1}", "|\n  block", "9" * 5000]),
                    st.text(max_size=20))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(breaks=st.lists(LINE_BREAKS, min_size=len(BASE_LINES), max_size=len(BASE_LINES)),
       values=st.lists(st.tuples(st.integers(0, len(BASE_LINES) - 1), SCALARS), max_size=3),
       final=st.booleans())
def test_generated_configs_never_crash_and_fixes_stay_on_their_lines(breaks, values, final):
    lines = list(BASE_LINES)
    for index, value in values:
        lines[index] = lines[index].split(":")[0] + ": " + value
    text = "# sftlint: dialect=hf\n" + "".join(line + br for line, br in zip(lines, breaks))
    if not final:
        text = text.rstrip("\n\r\x85\u2028\u2029")
    path = Path("fuzz.yaml")
    result = _lint_text(path, text)
    if result is None:
        return
    assert not [f for f in result.findings if f.code in ("E999", "E900")], [f.message for f in result.findings]
    count = result.document.line_count
    for f in result.findings:
        assert 1 <= f.location.row <= max(count, 1) + 1, (f, count)
    _render_all([result])
    outcome = fix_text(path, text, Settings(), REGISTRY, unsafe=True)
    again = fix_text(path, outcome.text, Settings(), REGISTRY, unsafe=True)
    assert again.text == outcome.text, "fixes are idempotent"
    if outcome.text != text:
        parse_document(path, outcome.text)  # a fix never leaves a file that does not parse
    if outcome.text != text and all(br == "\n" for br in breaks):
        # only lines that a fix of the first lint points at changed (LF-only: patch's lines are YAML's)
        import difflib

        doc = result.document
        fixable = {row for f in result.findings if f.fix for e in f.fix.edits
                   for row in range(doc.line_col(e.start)[0], doc.line_col(max(e.end - 1, e.start))[0] + 1)}
        old, new = text.split("\n"), outcome.text.split("\n")
        for op, i1, i2, _, _ in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
            if op in ("replace", "delete"):
                assert set(range(i1 + 1, i2 + 1)) <= fixable, (op, i1, i2, sorted(fixable), text, outcome.text)
            elif op == "insert":  # an added entry goes next to an entry a fix points at, or at the end
                assert {i1, i1 + 1} & fixable or i1 >= len(old) - 1 or fixable, (i1, sorted(fixable))


TOKENS = SECRETS


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(token=st.sampled_from(TOKENS), key=st.sampled_from(["hub_token", "wandb_api_key", "note", "123", "api_keys"]),
       shape=st.sampled_from(["{k}: {t}", "{k}:\n  {t}", "{k}: |\n  {t}", "{k}:\n  - {t}", "{k}: &x {t}",
                              "{k}: !!str {t}", "x: {{{k}: {t}}}", "? {k}\n: {t}", "{k}: \"{t}\"", "# {k} {t}"]),
       brk=LINE_BREAKS)
def test_planted_credentials_never_reach_any_output(token, key, shape, brk):
    from sftlint.redact import find_secret

    placed = shape.format(k=key, t=token)
    text = "# sftlint: dialect=trl\nmodel_name_or_path: x\nuse_peft: true\n" + placed.replace("\n", brk) + brk
    KNOWN.clear()
    result = _lint_text(Path("s.yaml"), text)
    if result is None:
        return
    recognised = any(find_secret(k.split(".")[-1], v) for k, v, _ in result.document.secrets)
    shaped = find_secret(None, token) is not None
    if not (recognised or shaped):
        return  # a value nothing marks as a credential (hex under a plain key) is not masked
    out = _render_all([result])
    assert token not in out, (placed, out)
