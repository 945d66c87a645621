"""A credential written into a config appears in no output format, only in redacted form."""

from __future__ import annotations

import pytest

from sftlint.cli.main import main
from sftlint.output import FORMATS
from sftlint.redact import find_secret, redact_line

HF = "hf_" + "Zx9" * 12  # 39 characters, shaped like a Hugging Face token
WANDB = "0a1b2c3d4e" * 4  # 40 hex digits
OPENAI = "sk-proj-" + "Q7w" * 10

CONFIG = f"""model_name_or_path: Qwen/Qwen2.5-0.5B
use_peft: true
trust_remote_code: true
hub_token: {HF}
learning_rate: 2e-4
report_to: wandb
wandb_api_key: "{WANDB}"
# judge key: {OPENAI}
load_in_4bit: true
bnb_4bit_quant_type: fp4
"""


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "sft.yaml"
    path.write_text(CONFIG)
    return path


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_format_prints_a_secret(config, capsys, fmt):
    code = main(["check", "--output-format", fmt, "--dialect", "trl", "--select", "ALL", str(config)])
    out, err = capsys.readouterr()
    assert code == 1, err
    assert "SEC001" in out
    for secret in (HF, WANDB, OPENAI, HF[3:20], WANDB[:20]):
        assert secret not in out and secret not in err, f"{fmt} printed part of a secret"


def test_diff_of_fixes_does_not_print_the_token(config, capsys):
    main(["check", "--diff", "--unsafe-fixes", "--dialect", "trl", str(config)])
    out, err = capsys.readouterr()
    assert HF not in out + err and WANDB not in out + err


def test_redacted_form_keeps_only_the_public_prefix():
    secret = find_secret("hub_token", HF)
    assert secret is not None and secret.redacted == "hf_\u2026(39 chars)"
    assert redact_line(f"hub_token: {HF}  # mine") == "hub_token: hf_\u2026(39 chars)  # mine"
    assert redact_line(f'wandb_api_key: "{WANDB}"') == "wandb_api_key: \u2026(40 chars)"
    assert redact_line("pad_token: <|end_of_text|>") == "pad_token: <|end_of_text|>"


def test_diff_that_masks_a_credential_says_so_and_where(config, capsys):
    main(["check", "--diff", "--unsafe-fixes", "--dialect", "trl", str(config)])
    out, err = capsys.readouterr()
    masked_lines = [n for n, line in enumerate(CONFIG.splitlines(), 1) if WANDB in line or OPENAI in line]
    assert "\u2026(40 chars)" in out  # the W&B key sits in the context of the fp4 -> nf4 fix
    assert (f"{config}: the diff masks the credentials on lines {', '.join(map(str, masked_lines))}, "
            "so it cannot be applied with patch") in err


def test_diff_without_credentials_has_no_warning(tmp_path, capsys):
    path = tmp_path / "sft.yaml"
    path.write_text(CONFIG.replace(f"hub_token: {HF}\n", "").replace(f'wandb_api_key: "{WANDB}"\n', "")
                    .replace(f"# judge key: {OPENAI}\n", ""))
    main(["check", "--diff", "--unsafe-fixes", "--dialect", "trl", str(path)])
    out, err = capsys.readouterr()
    assert "+bnb_4bit_quant_type: nf4" in out
    assert "masks" not in err


def test_a_masking_stream_outliving_what_it_wrote_to_closes_quietly():
    """A test runner closes the stream it captured output with before the masking stream around it
    is collected, which closes it: that must not raise (Python 3.13 reports it at every exit)."""
    import io

    from sftlint.redact import RedactingStream

    target = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")  # what capture and sys.stdout are
    stream = RedactingStream(target)
    stream.write("done\n")
    target.close()
    stream.close()
    assert stream.closed
