"""No credential leaves the process: every shape, every placement, every output path."""

from __future__ import annotations

import pytest

from hostile_secrets import PREFIXES, TOKENS, core, json_placement, placements

CASES = [(name, where, text) for name, token in TOKENS.items() for where, text in placements(name, token).items()]


def _assert_clean(token: str, *outputs: str) -> None:
    for out in outputs:
        assert token not in out and core(token) not in out, out


@pytest.mark.parametrize("name,where,text", CASES, ids=[f"{n}-{w}" for n, w, _ in CASES])
def test_no_output_path_prints_a_planted_credential(tmp_path, cli, name, where, text):
    token = TOKENS[name]
    config = tmp_path / "sft.yaml"
    config.write_text(text)
    # every format over every placement is the stored corpus's job (test_fuzz); here the formats
    # that escape differently (none, JSON, GitHub's %XX, XML)
    runs = [cli("check", config, "--output-format", fmt, "--dialect", "trl") for fmt in ("full", "json", "github", "junit")]
    runs += [cli("check", config, "-v", "--statistics", "--dialect", "trl"),
             cli("check", config, "--diff", "--unsafe-fixes", "--dialect", "trl"),
             cli("plan", config, "--dialect", "trl"),
             cli("plan", config, "--output-format", "json", "--dialect", "trl")]
    before = config.read_text()
    runs.append(cli("check", config, "--unsafe-fixes", "--dialect", "trl"))
    for run in runs:
        _assert_clean(token, run.out, run.err)
        assert "internal error" not in run.err and "Traceback" not in run.err
    after = config.read_text()
    if token in before:  # a fix never carries the credential to another key
        assert after.count(token) <= before.count(token)


@pytest.mark.parametrize("name", sorted(TOKENS))
def test_one_line_json_keeps_credentials_out_of_diffs_and_snippets(tmp_path, cli, name):
    token = TOKENS[name]
    config = tmp_path / "args.json"
    config.write_text(json_placement(name, token))
    for args in (["--output-format", "full"], ["--diff", "--unsafe-fixes"], ["--output-format", "sarif"]):
        run = cli("check", config, *args)
        _assert_clean(token, run.out, run.err)


def test_known_shapes_are_recognised_and_keep_only_their_public_prefix():
    from sftlint.redact import find_secret, redact_text

    for name, token in TOKENS.items():
        key = "wandb_api_key" if name == "wandb" else "hub_token"
        assert find_secret(key, token) is not None, name
        shown = redact_text(f"value {token} end") if name not in ("wandb", "opaque-under-secret-key", "url-password") else ""
        assert token not in shown
        if name in PREFIXES:
            assert f"{PREFIXES[name]}\u2026(" in shown
    shown = redact_text("see https://user:Fresh1Pass2Word@host/x")
    assert "Fresh1Pass2Word" not in shown and shown.endswith("@host/x")
    assert find_secret("pad_token", "<|endoftext|>") is None and find_secret("eos_token", "</s>") is None
    assert find_secret("max_tokens", "4096") is None


def test_an_unsafe_rename_never_moves_a_credential_to_another_key(tmp_path, cli):
    token = TOKENS["wandb"]
    config = tmp_path / "a.yaml"
    config.write_text("model_name_or_path: x\nstage: sft\nfinetuning_type: lora\n"
                      f"wandb_api_key: {token}\n")
    run = cli("check", config, "--unsafe-fixes")
    assert "move a credential" in run.err
    assert f"wandb_api_key: {token}" in config.read_text() and "swanlab" not in config.read_text()
    _assert_clean(token, run.out, run.err)


def test_credentials_met_in_worker_processes_are_masked_by_the_parent(tmp_path, cli, monkeypatch):
    from sftlint.lint import parallel

    token = "Zz9Yy8Xx7Ww6Vv5Uu4"  # opaque: only its key says it is a credential
    monkeypatch.setattr(parallel, "MIN_FILES", 2)
    monkeypatch.setattr(parallel, "CHUNK", 2)
    for i in range(6):
        (tmp_path / f"c{i}.yaml").write_text(f"model_name_or_path: x\nuse_peft: true\nhub_token:\n  {token}{i}\n")
    run = cli("check", tmp_path, "--dialect", "trl")
    assert "SEC001" in run.out
    _assert_clean(token, run.out, run.err)


def test_a_piece_of_a_credential_copied_elsewhere_is_masked_too(tmp_path, cli):
    """A damaged copy of part of a token (here a key made of it) holds its secret characters."""
    token = TOKENS["huggingface"]
    config = tmp_path / "s.yaml"
    config.write_text("# sftlint: dialect=trl\nmodel_name_or_path: x\nuse_peft: true\n"
                      f"secrets: {{hub_token: {token}, other: 1}}\n{token[5:]}, other: 1}}\n")
    for fmt in ("concise", "full", "json"):
        run = cli("check", config, "--output-format", fmt)
        _assert_clean(token, run.out, run.err)
        assert token[5:20] not in run.out


@pytest.mark.parametrize("others", [0, 40])
def test_pieces_are_found_with_few_credentials_known_and_with_many(others):
    """Text that holds no piece of a credential skips the token scan: with few credentials known
    by a substring search per piece, with many by a set lookup per place in each token. Both must
    still mask a piece wherever it stands, and leave everything else alone."""
    from sftlint.redact import MIN_FRAGMENT, _Known

    known = _Known()
    token = "Qm7Zr2Lp9Xw4Nv8Kt3Hs6Jd1"
    known.add(token)
    for i in range(others):  # unrelated credentials, enough to pass the substring search's limit
        known.add(f"zz{i:04d}unrelated{i:04d}credential")
    assert (len(known.pieces()) > 256) == bool(others)
    piece = token[3:3 + MIN_FRAGMENT + 2]
    assert known.mask(f"key: abc-{piece}-def and more") == f"key: abc-\u2026({len(piece)} chars)-def and more"
    assert known.mask(f"ref={piece}") == f"ref=\u2026({len(piece)} chars)"
    plain = "learning_rate: 2e-4 # a comment with tokenlike_but_unrelated_text_here"
    assert known.mask(plain) == plain


def test_fixes_made_in_worker_processes_mask_their_credentials_too(tmp_path, cli, monkeypatch):
    from sftlint.lint import parallel

    token = "Yy9Xx8Ww7Vv6Uu5Tt4"
    monkeypatch.setattr(parallel, "MIN_FILES", 2)
    monkeypatch.setattr(parallel, "CHUNK", 2)
    for i in range(6):
        (tmp_path / f"c{i}.yaml").write_text(f"# sftlint: dialect=hf\noutput_dir: o\nlearning_rate: 2e-4\n"
                                             f"per_device_train_batch_size: 4\nhub_token: {token}{i}\n")
    for args in (["--diff"], ["--fix"]):
        run = cli("check", tmp_path, *args)
        assert "internal error" not in run.err, run.err
        _assert_clean(token, run.out, run.err)
    assert "learning_rate: 2.0e-4" in (tmp_path / "c0.yaml").read_text() or "2e-4" not in (tmp_path / "c0.yaml").read_text()
