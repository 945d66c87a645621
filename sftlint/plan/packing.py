"""How many packed sequences a packing run trains on, counted the way the tool packs them.

With packing, the Trainer's rows are packed sequences, not examples, so the run length depends on
token counts. When the data file and the tokenizer are both local, this module tokenizes every
example with the ``tokenizers`` library (imported here only, never on the plain lint path) and
packs the lengths as the tool does; anywhere else it says why the count is unknown.

TRL 1.15 (``SFTTrainer`` and ``trl.data_utils.pack_dataset``): a text example is
``tokenizer(text + eos)`` (the eos string is appended unless the text ends with it; a
prompt-completion example is ``prompt + completion + eos``); ``pack_dataset`` runs as a batched
``datasets`` map, so each run of 1,000 examples is packed on its own: ``bfd`` (the default) drops
empty examples, truncates each to ``max_length`` and packs best-fit decreasing; ``bfd_split``
splits long examples into ``max_length`` pieces instead; ``wrapped`` cuts the token stream into
``max_length`` blocks. Conversational examples need the chat template (Jinja), which this does not
render: their count stays unknown.

The shared steps (finding a local file or model folder, reading JSON rows, loading the tokenizer)
live here too; axolotl's multipack sampler is in :mod:`.packing_axolotl` and LLaMA-Factory's
packing in :mod:`.packing_llamafactory`.
"""

from __future__ import annotations

import bisect
import json
from pathlib import Path
from typing import Any

from ..config.canonical import TrainingConfig
from ..files.reading import ReadRefused, inside, read_bounded
from ..dialects.values import as_int

#: ``datasets.Dataset.map(batched=True)``'s default batch size: TRL packs each batch on its own.
MAP_BATCH = 1000
#: Data and tokenizer files larger than this are not read while planning.
MAX_BYTES = 64 * 2**20
STRATEGIES = ("bfd", "bfd_split", "wrapped")


class PackingUnknown(Exception):
    """The packed row count cannot be worked out; the message says why."""


def best_fit_decreasing(lengths: list[int], capacity: int) -> int:
    """Bins ``pack_dataset``'s ``_pack_bfd`` fills: each length, longest first, goes to the open bin
    with the least room that still fits it, else to a new bin."""
    rooms: list[int] = []  # room left in each open bin, sorted; full bins are not kept
    bins = 0
    for length in sorted(lengths, reverse=True):
        at = bisect.bisect_left(rooms, length)
        if at == len(rooms):
            bins += 1
            room = capacity - length
        else:
            room = rooms.pop(at) - length
        if room > 0:
            bisect.insort(rooms, room)
    return bins


def packed_rows(lengths: list[int], capacity: int, strategy: str) -> int:
    """Packed sequences from tokenized lengths, one ``datasets`` map batch at a time."""
    total = 0
    for start in range(0, len(lengths), MAP_BATCH):
        chunk = lengths[start:start + MAP_BATCH]
        if strategy == "wrapped":
            tokens = sum(chunk)
            total += -(-tokens // capacity)
            continue
        chunk = [n for n in chunk if n > 0]
        if strategy == "bfd":
            pieces = [min(n, capacity) for n in chunk]
        else:
            pieces = []
            for n in chunk:
                full, rest = divmod(n, capacity)
                pieces += [capacity] * full + ([rest] if rest else [])
        total += best_fit_decreasing(pieces, capacity)
    return total


def raw_value(config: TrainingConfig, key: str) -> Any:
    return config.raw(key)


def local_path(raw: Any, config: TrainingConfig, roots: list[Path]) -> Path | None:
    if not isinstance(raw, str) or not raw:
        return None
    base = config.document.path.parent if config.document is not None else Path.cwd()
    for candidate in (Path(raw).expanduser(), base / raw, Path.cwd() / raw):
        if candidate.exists() and inside(candidate, roots):
            return candidate
    return None


def read_records(path: Path) -> list[dict]:
    try:
        text = read_bounded(path, MAX_BYTES).decode("utf-8-sig")
    except (ReadRefused, OSError, UnicodeDecodeError) as exc:
        raise PackingUnknown(f"{path.name} cannot be read ({exc})") from None
    stripped = text.lstrip()
    try:
        if stripped.startswith("["):
            rows = json.loads(text)
        else:
            rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError as exc:
        raise PackingUnknown(f"{path.name} is not JSON or JSON Lines ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise PackingUnknown(f"{path.name} does not hold one JSON object per example")
    return rows


def _eos(folder: Path, config: TrainingConfig) -> str:
    written = raw_value(config, "eos_token")
    if isinstance(written, str):
        return written
    eos = special_token(folder, "eos_token")
    if eos is None:
        raise PackingUnknown(f"the tokenizer in {folder} names no eos_token (tokenizer_config.json)")
    return eos


def model_folder(config: TrainingConfig, roots: list[Path]) -> Path:
    """The local model folder whose ``tokenizer.json`` the tool would load; :class:`PackingUnknown` if none."""
    model = local_path(config.value("base_model"), config, roots)
    if model is None or not (model / "tokenizer.json").is_file():
        raise PackingUnknown(f"the tokenizer of {config.value('base_model')!r} is not in a local folder "
                             "(tokenizer.json)")
    return model


def load_tokenizer(model: Path) -> Any:
    """``tokenizers.Tokenizer`` from a model folder: imported here only, on the packing path."""
    try:
        from tokenizers import Tokenizer
    except ImportError:
        raise PackingUnknown("the 'tokenizers' library is not installed") from None
    try:
        return Tokenizer.from_file(str(model / "tokenizer.json"))
    except Exception as exc:  # a malformed tokenizer.json: the count is unknown, never a crash
        raise PackingUnknown(f"{model / 'tokenizer.json'} cannot be loaded ({exc})") from None


def tokenizer_settings(model: Path) -> dict[str, Any]:
    """``tokenizer_config.json`` of a model folder ({} when it is missing or unreadable)."""
    settings = model / "tokenizer_config.json"
    try:
        data = json.loads(read_bounded(settings, MAX_BYTES)) if settings.is_file() else {}
    except (ReadRefused, OSError, ValueError):
        data = {}
    return data if isinstance(data, dict) else {}


def special_token(model: Path, name: str) -> str | None:
    """A special token's text as ``tokenizer_config.json`` names it (``eos_token``, ``bos_token``)."""
    token = tokenizer_settings(model).get(name)
    token = token.get("content") if isinstance(token, dict) else token
    return token if isinstance(token, str) else None


def one_local_json(config: TrainingConfig, roots: list[Path], what: str) -> Path:
    """The config's one training dataset, a local JSON or JSON Lines file; :class:`PackingUnknown`
    saying why ``what`` (the count asked for) is not worked out otherwise."""
    datasets = config.value("datasets") or []
    train = [d for d in datasets if isinstance(d, dict) and d.get("role", "train") == "train"]
    if len(train) != 1 or train[0].get("data_files"):
        raise PackingUnknown(f"{what} is worked out for one local JSON or JSON Lines file")
    data = local_path(train[0].get("path"), config, roots)
    if data is None or not data.is_file() or data.suffix not in (".json", ".jsonl"):
        raise PackingUnknown(f"the dataset {train[0].get('path')!r} is not a local JSON or JSON Lines file")
    return data


def trl_packed_rows(config: TrainingConfig, roots: list[Path]) -> tuple[int, str]:
    """(packed rows, how they were counted) for a ``trl sft`` config; :class:`PackingUnknown` otherwise."""
    strategy = raw_value(config, "packing_strategy") or "bfd"
    if strategy not in STRATEGIES:
        raise PackingUnknown(f"packing_strategy {strategy!r} is not one of {', '.join(STRATEGIES)}")
    capacity = as_int(config.value("max_seq_length"))
    if not capacity or capacity < 1:
        raise PackingUnknown("packing needs max_length, and TRL raises without it")
    model = model_folder(config, roots)
    data = one_local_json(config, roots, "the packed count")
    rows = read_records(data)
    if len(rows) > MAP_BATCH and (raw_value(config, "shuffle_dataset") is True
                                  or (as_int(raw_value(config, "dataset_num_proc")) or 1) > 1):
        raise PackingUnknown("shuffle_dataset or dataset_num_proc changes which examples are packed together")
    field = raw_value(config, "dataset_text_field") or "text"
    eos = _eos(model, config)
    texts = []
    for row in rows:
        if "messages" in row or "conversations" in row or isinstance(row.get("prompt"), list):
            raise PackingUnknown("conversational examples are rendered with the chat template, which the plan "
                                 "does not run")
        if isinstance(row.get(field), str):
            text = row[field]
            texts.append(text if text.endswith(eos) else text + eos)
        elif isinstance(row.get("prompt"), str) and isinstance(row.get("completion"), str):
            completion = row["completion"] if row["completion"].endswith(eos) else row["completion"] + eos
            texts.append(row["prompt"] + completion)
        else:
            raise PackingUnknown(f"an example of {data.name} has neither a '{field}' text nor prompt and completion")
    tokenizer = load_tokenizer(model)
    lengths = [len(encoding.ids) for encoding in tokenizer.encode_batch(texts)]
    packed = packed_rows(lengths, capacity, strategy)
    return packed, (f"{packed} sequences of up to {capacity} tokens packed ({strategy}) from the {len(rows)} "
                    f"examples of {data.name}, tokenized with {model.name}'s tokenizer")
