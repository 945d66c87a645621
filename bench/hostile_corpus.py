"""Writes the stored corpus of nasty inputs used by tests/test_fuzz.py (tests/data/hostile/).

Each file is one named problem; ``expected.json`` maps its name to the codes linting must report
(a subset), and ``secrets.json`` lists the made-up credentials planted in the corpus, which no
output may contain. Run it again after changing the cases: ``python bench/hostile_corpus.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "tests" / "data" / "hostile"
sys.path.insert(0, str(HERE.parent / "tests"))

from hostile_secrets import TOKENS, json_placement, placements  # noqa: E402

AXOLOTL = ("base_model: meta-llama/Llama-2-7b-hf\nadapter: qlora\nload_in_4bit: true\nmicro_batch_size: 2\n"
           "gradient_accumulation_steps: 4\nlearning_rate: 0.0002\nnum_epochs: 1\n")
HF = "output_dir: o\nper_device_train_batch_size: 4\nlearning_rate: 0.0002\nwarmup_ratio: 0.1\nwarmup_steps: 3\nseed: 1\n"


def cases() -> dict[str, tuple[bytes, list[str]]]:
    c: dict[str, tuple[bytes, list[str]]] = {
        "json-int-5000-digits.json": (('{"output_dir": "o", "learning_rate": 1e-4, "per_device_train_batch_size": '
                                       + "9" * 5000 + "}").encode(), ["E006"]),
        "yaml-int-5000-digits.yaml": ((AXOLOTL + "max_steps: " + "9" * 5000 + "\n").encode(), ["E006"]),
        "octal-looking-5000-digits.yaml": ((AXOLOTL + "save_steps: 0" + "7" * 5000 + "\n").encode(), ["E006"]),
        "max-steps-1e19.yaml": ((AXOLOTL + "max_steps: 1e19\n").encode(), ["E006"]),
        "save-steps-1e300.yaml": ((AXOLOTL + "max_steps: 100\nsave_steps: 1.0e+300\n").encode(), ["E006"]),
        "batch-not-a-number.yaml": (AXOLOTL.replace("micro_batch_size: 2", "micro_batch_size: abc").encode(), []),
        "batch-infinite.yaml": (AXOLOTL.replace("micro_batch_size: 2", "micro_batch_size: .inf").encode(), ["E006"]),
        "epochs-nan.yaml": (AXOLOTL.replace("num_epochs: 1", "num_epochs: .nan").encode(), ["E006"]),
        "num-examples-comment-huge.yaml": (("# sftlint: num-examples=" + "9" * 40 + "\n" + AXOLOTL).encode(), ["E006"]),
        "num-examples-comment-junk.yaml": (("# sftlint: num-examples=lots\n" + AXOLOTL).encode(), ["E006"]),
        "world-size-negative.yaml": (("# sftlint: dialect=hf\n" + HF + "world_size: -5\n").encode(), []),
        "nul-byte.yaml": (b"output_dir: o\x00\n", ["E001"]),
        "invalid-utf8.yaml": (b"output_dir: \xff\xfe\n", ["E001"]),
        "bom-and-cr.yaml": (b"\xef\xbb\xbf" + HF.replace("\n", "\r").encode(), []),
        "cr-only.yaml": (HF.replace("\n", "\r").encode(), ["WS003"]),
        "crlf.yaml": (HF.replace("\n", "\r\n").encode(), ["WS003"]),
        "nel-in-quoted.yaml": (HF.replace("output_dir: o", 'output_dir: "o\x85p"').encode(), ["WS003"]),
        "u2028-in-quoted.yaml": (HF.replace("output_dir: o", 'output_dir: "o\u2028p"').encode(), ["WS003"]),
        "u2029-in-quoted.yaml": (HF.replace("output_dir: o", 'output_dir: "o\u2029p"').encode(), ["WS003"]),
        "lone-cr-in-quoted.yaml": (HF.replace("output_dir: o", 'output_dir: "o\rp"').encode(), ["WS003"]),
        "no-final-newline.yaml": (HF.rstrip("\n").encode(), ["WS003"]),
        "alias-bomb.yaml": (("a: &a [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
            f"{n}: &{n} [{', '.join(['*' + p] * 10)}]\n" for p, n in zip("abcdefgh", "bcdefghi"))).encode(), ["E001"]),
        "deep-nesting.yaml": (("a: " + "[" * 5000 + "]" * 5000 + "\n").encode(), ["E001"]),
        "deep-nesting.json": (("{\"a\": " + "[" * 5000 + "]" * 5000 + "}").encode(), ["E001"]),
        "many-documents.yaml": ((HF + "---\n" + HF).encode(), ["E001"]),
        "terminal-escape.yaml": (("output_dir: \"\x1b]0;pwned\x07\x1b[2J\"\n" + HF.split("\n", 1)[1]).encode(), []),
        "tabs-and-controls.yaml": (HF.replace("seed: 1", "seed: \"\x01\x02\x7f\"").encode(), []),
        "duplicate-keys.yaml": ((HF + "seed: 2\n").encode(), ["YM004"]),
        "huge-line.yaml": ((HF + "comment_key: " + "x" * 20_000 + "\n").encode(), []),
        "sexagesimal-huge.yaml": ((AXOLOTL + "max_steps: " + ":".join(["59"] * 3000) + "\n").encode(), []),
        "tagged-int-huge.yaml": ((AXOLOTL + "max_steps: !!int " + "9" * 5000 + "\n").encode(), []),
    }
    for name, token in TOKENS.items():
        for where, text in placements(name, token).items():
            c[f"secret-{name}-{where}.yaml"] = (("# sftlint: dialect=trl\n" + text).encode(), [])
        c[f"secret-{name}-one-line.json"] = (json_placement(name, token).encode(), [])
    return c


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    expected = {}
    for name, (data, codes) in cases().items():
        (OUT / name).write_bytes(data)
        expected[name] = codes
    (OUT / "expected.json.txt").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
    (OUT / "secrets.json.txt").write_text(json.dumps(sorted(TOKENS.values()), indent=1) + "\n")
    print(f"{len(expected)} cases in {OUT}")


if __name__ == "__main__":
    main()
