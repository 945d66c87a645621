"""How many rows TRL's ``KTOTrainer`` trains on, counted from a local data file.

TRL 1.15's ``KTOTrainer._prepare_dataset``: when the first example has ``chosen`` and ``rejected``,
the whole dataset is unpaired (``unpair_preference_dataset``: each pair becomes a desirable and an
undesirable row, so two rows per pair); then, with ``max_length`` set (1024 by default), the rows
whose tokenized prompt has ``max_length`` tokens or more are dropped. Nothing else changes the
count, so it is exact whenever the file is local and either every prompt is too short to reach
``max_length`` (no tokenizer produces more tokens than a text has UTF-8 bytes, plus the few
special tokens it adds) or the tokenizer is local and the prompts are tokenized (on the ``plan``
path only).
"""

from __future__ import annotations

from pathlib import Path

from ..config.canonical import TrainingConfig
from .packing import PackingUnknown, load_tokenizer, model_folder, one_local_json, read_records
from ..dialects.values import as_int

class FileRowsAreNot(PackingUnknown):
    """The local file was read, but its rows are not KTOTrainer's and their number is not known."""


#: Room for the special tokens a tokenizer adds around a prompt (a bos, an eos, a template's markers).
SPECIAL_TOKENS = 16


def kto_rows(config: TrainingConfig, roots: list[Path], may_tokenize: bool) -> tuple[int, str]:
    """(rows, how counted); :class:`PackingUnknown` with the reason when the count is not known."""
    data = one_local_json(config, roots, "the KTO row count")
    rows = read_records(data)
    if not rows:
        raise PackingUnknown(f"{data.name} holds no example")
    first = rows[0]
    if "prompt" not in first:
        raise FileRowsAreNot("examples without a 'prompt' have it extracted from chosen and rejected first")
    paired = "chosen" in first and "rejected" in first
    per_row = 2 if paired else 1
    shape = f"{len(rows)} pairs unpaired into two rows each" if paired else f"{len(rows)} labelled rows"
    written = config.value("max_seq_length")
    limit = as_int(written) if written is not None else None
    if limit is None:
        return per_row * len(rows), f"{shape} of {data.name} (no max_length: none dropped)"
    prompts = [r.get("prompt") for r in rows]
    texts = [p for p in prompts if isinstance(p, str)]
    if len(texts) != len(prompts):
        raise FileRowsAreNot("conversational prompts are rendered with the chat template before KTOTrainer drops "
                             f"those of max_length ({limit}) tokens or more")
    if max(len(p.encode("utf-8")) for p in texts) + SPECIAL_TOKENS < limit:
        return per_row * len(rows), f"{shape} of {data.name} (every prompt is shorter than max_length {limit})"
    if not may_tokenize:
        raise FileRowsAreNot(f"KTOTrainer drops prompts of max_length ({limit}) tokens or more; 'sftlint plan' "
                             "tokenizes them to count")
    try:
        tokenizer = load_tokenizer(model_folder(config, roots))
    except PackingUnknown as exc:
        raise FileRowsAreNot(f"KTOTrainer drops prompts of max_length ({limit}) tokens or more, and {exc}") from None
    kept = sum(1 for e in tokenizer.encode_batch(texts) if len(e.ids) < limit)
    return per_row * kept, (f"{shape} of {data.name}; {len(rows) - kept} prompts of max_length ({limit}) tokens or "
                            "more dropped")
