"""How many packed sequences and optimizer steps axolotl's ``sample_packing`` makes.

axolotl (read at 067b021, ``utils/trainer.py``'s ``calculate_total_num_steps`` and
``utils/samplers/multipack.py``) does not let the Trainer count a packing run: it counts once,
before training, and passes ``max_steps``. It packs the tokenized lengths with its
``MultipackBatchSampler`` (``drop_last`` always on):

- Each bin holds ``sequence_len`` tokens and a batch is ``micro_batch_size`` bins, unless the
  attention implementation packs with position ids (flash attention 2/3, flex, xformers, sage) and
  ``multipack_real_batches`` is not set: then a bin holds ``micro_batch_size x sequence_len``
  tokens and a batch is one bin.
- Packing is first fit in the sampler's order, at most ``sample_packing_bin_size`` (200) examples
  a bin, ``sample_packing_group_size`` (100,000) examples at a time; with
  ``sample_packing_sequentially`` it is next fit. The last incomplete batch is dropped.
- The order is the ``RandomSampler``'s, unless ``curriculum_sampling`` (the dataset's own order,
  which is then not shuffled either). With a random order the count is the smallest of 4 random
  orders (1 with 4 or more processes), and it varies from run to run: the plan packs in a few
  fixed orders of its own and reports the range it saw, as an estimate. With the dataset's order
  the count is exact.
- ``max_steps = floor(max(1, batches x micro_batch_size // batch_size) x num_epochs)``, one step
  less per epoch with ``dataloader_drop_last``, where ``batch_size`` is micro batch x accumulation
  x processes. A written ``sample_packing_eff_est`` replaces the packing with axolotl's closed
  form, ``(floor(0.99 x tokens / eff_est / sequence_len // batch_size) - 1) x num_epochs``, which
  needs only the token count.

The lengths are known for local JSON or JSON Lines files that are pre-tokenized (``input_ids``,
``attention_mask`` and ``labels`` in every row: axolotl takes them as they are, whatever the type)
or of ``type: completion``: the ``text`` field (or the dataset's ``field``) tokenized with the
special tokens the tokenizer adds, cut at 64 x ``sequence_len`` tokens, eos appended when missing,
split into ``sequence_len`` pieces. Rows shorter than ``min_sample_len`` (2) or longer than
``sequence_len`` are dropped as axolotl drops them (``excess_length_strategy``). Every other
dataset type is rendered with a prompt or chat template first, which the plan does not do.
"""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any, Callable

from ..config.canonical import TrainingConfig
from ..records import record
from .packing import (PackingUnknown, load_tokenizer, local_path, model_folder, raw_value, read_records,
                      special_token)
from ..dialects.values import as_int, as_number

GROUP_SIZE = 100_000
BIN_SIZE = 200
MIN_SAMPLE_LEN = 2
#: Random orders axolotl packs to count, taking the fewest batches (1 from 4 processes up).
COUNT_SAMPLES = 4
#: How many times the plan repeats axolotl's count with orders of its own, to show the spread.
DRAWS = 3
#: Attention implementations that pack one bin per micro-batch with position ids.
PACKING_ATTENTION = frozenset({"flash_attention_2", "flash_attention_3", "flex_attention", "xformers", "sage",
                               "kernels-community/flash-attn2", "kernels-community/flash-attn3",
                               "kernels-community/sage-attention"})
#: The older boolean attention keys and the implementation each selects, in axolotl's priority order.
ATTENTION_FLAGS = {"xformers_attention": "xformers", "sage_attention": "sage", "flex_attention": "flex_attention",
                   "flash_attention": "flash_attention_2", "sdp_attention": "sdpa", "eager_attention": "eager"}
#: The columns that make axolotl take a dataset as already tokenized, whatever its type.
TOKENIZED = frozenset({"input_ids", "attention_mask", "labels"})
#: Settings that change the tokenizer or the rows before packing in ways the plan does not follow.
UNFOLLOWED = ("special_tokens", "tokens", "added_tokens_overrides", "dataset_exact_deduplication",
              "pretraining_dataset", "streaming", "shuffle_before_merging_datasets", "use_pose",
              "skip_prepare_dataset", "total_num_tokens")


@record
class AxolotlPacking:
    """axolotl's count: packed sequences (bins), the sampler's batches and ``max_steps``.

    ``rows`` are the sequences the sampler serves in an epoch (whole batches of bins). ``exact`` is
    False when axolotl packs in a random order: ``rows``/``steps`` are then the most common of the
    plan's draws and ``*_low``/``*_high`` the range it saw. With ``sample_packing_eff_est`` only
    the steps are known.
    """

    rows: int | None
    rows_low: int | None
    rows_high: int | None
    batches: int | None
    steps: int
    steps_low: int
    steps_high: int
    exact: bool
    how: str


def first_fit(lengths: list[int], capacity: int, max_items: int = BIN_SIZE, group_size: int = GROUP_SIZE) -> int:
    """Bins ``pack_group`` fills: each length, in order, goes to the first bin with room for it and
    fewer than ``max_items`` examples, else to a new bin; each group of ``group_size`` on its own.

    A max-tree over the bins' free room finds that first bin in log time.
    """
    total = 0
    for start in range(0, len(lengths), group_size):
        total += _first_fit_group(lengths[start:start + group_size], capacity, max_items)
    return total


def _first_fit_group(lengths: list[int], capacity: int, max_items: int) -> int:
    size = 1
    while size < max(len(lengths), 1):
        size *= 2
    tree = [-1] * (2 * size)  # the most room in any open bin below each node; -1: none
    rooms: list[int] = []
    counts: list[int] = []
    for length in lengths:
        if tree[1] >= length:
            node = 1
            while node < size:
                node = 2 * node if tree[2 * node] >= length else 2 * node + 1
            b = node - size
            rooms[b] -= length
            counts[b] += 1
        else:
            b = len(rooms)
            rooms.append(capacity - length)
            counts.append(1)
        node = b + size
        tree[node] = rooms[b] if counts[b] < max_items else -1
        node //= 2
        while node:
            tree[node] = max(tree[2 * node], tree[2 * node + 1])
            node //= 2
    return len(rooms)


def next_fit(lengths: list[int], capacity: int) -> int:
    """Bins ``allocate_sequentially`` fills: a new bin whenever the next length does not fit."""
    bins, room = 0, 0
    for length in lengths:
        if bins and length <= room:
            room -= length
        else:
            bins += 1
            room = capacity - length
    return bins


def sampler_batches(bins: int, bins_per_batch: int) -> int:
    """Batches of ``bins_per_batch`` bins, the last incomplete one dropped."""
    return bins // bins_per_batch


def steps_from_batches(batches: int, micro_batch: int, batch_size: int, epochs: float, drop_last: bool) -> int:
    """``calculate_total_num_steps`` from the sampler's length."""
    per_epoch = max(1, batches * micro_batch // batch_size)
    steps = int(math.floor(per_epoch * epochs))
    if drop_last:
        steps -= int(math.ceil(epochs))
    return steps


def steps_from_estimate(tokens: int, efficiency: float, sequence_len: int, batch_size: int, epochs: float) -> int:
    """``calculate_total_num_steps`` with ``sample_packing_eff_est`` written: no packing, a closed form."""
    return int((int(math.floor(0.99 * tokens / efficiency / sequence_len // batch_size)) - 1) * epochs)


def random_order_batches(lengths: list[int], pack: Callable[[list[int]], int], bins_per_batch: int,
                         samples: int = COUNT_SAMPLES, draws: int = DRAWS) -> list[int]:
    """axolotl's count of batches for a random order, repeated ``draws`` times with orders of the
    plan's own (seeded, so a plan is the same every time): each the fewest of ``samples`` orders."""
    rng = random.Random(0)
    seen = []
    for _ in range(draws):
        counts = []
        for _ in range(samples):
            order = list(lengths)
            rng.shuffle(order)
            counts.append(sampler_batches(pack(order), bins_per_batch))
        seen.append(min(counts))
    return seen


def completion_lengths(texts: list[str], tokenizer: Any, eos_id: int | None, sequence_len: int) -> list[int]:
    """Token counts of the pieces axolotl's ``completion`` strategy makes of each text."""
    limit = sequence_len * 64
    tokenizer.enable_truncation(max_length=limit)
    pieces: list[int] = []
    for text, encoding in zip(texts, tokenizer.encode_batch([t or "" for t in texts])):
        ids = encoding.ids
        if not text or not ids:
            continue
        n = len(ids)
        if ids[-1] != eos_id and n < limit:
            n += 1
        full, rest = divmod(n, sequence_len)
        pieces += [sequence_len] * full + ([rest] if rest else [])
    return pieces


def _attention(config: TrainingConfig) -> str | None:
    written = raw_value(config, "attn_implementation")
    if isinstance(written, str):
        return written
    for flag, implementation in ATTENTION_FLAGS.items():
        if raw_value(config, flag) is True:
            return implementation
    return None


def _lengths(config: TrainingConfig, roots: list[Path], sequence_len: int) -> tuple[list[int], str]:
    for name in UNFOLLOWED:
        if raw_value(config, name) not in (None, False, [], {}):
            raise PackingUnknown(f"{name} changes the tokenizer or the rows before packing, which the plan does not "
                                 "follow")
    val = as_number(raw_value(config, "val_set_size"))
    if val:
        raise PackingUnknown("val_set_size holds out randomly chosen rows before packing")
    specs = raw_value(config, "datasets")
    specs = [specs] if isinstance(specs, dict) else specs
    if not isinstance(specs, list) or not specs or not all(isinstance(s, dict) for s in specs):
        raise PackingUnknown("the config names no training dataset the plan can read")
    texts: list[str] = []
    pieces: list[int] = []  # pre-tokenized rows: their lengths as they are
    names = []
    for spec in specs:
        data = local_path(spec.get("path"), config, roots)
        if spec.get("data_files") or data is None or not data.is_file() or data.suffix not in (".json", ".jsonl"):
            raise PackingUnknown(f"the dataset {spec.get('path')!r} is not a local JSON or JSON Lines file")
        rows = read_records(data)
        names.append(data.name)
        if rows and all(TOKENIZED <= row.keys() for row in rows):
            if not all(isinstance(row["input_ids"], list) for row in rows):
                raise PackingUnknown(f"an example of {data.name} has input_ids that are not a list")
            pieces += [len(row["input_ids"]) for row in rows]
            continue
        kind = spec.get("type")
        if kind != "completion":
            raise PackingUnknown(f"dataset type {kind!r} is rendered with axolotl's prompt or chat template before "
                                 "packing; lengths are worked out for type: completion and for pre-tokenized rows "
                                 "(input_ids, attention_mask, labels)")
        field = spec.get("field") or "text"
        for row in rows:
            text = row.get(field)
            if text is not None and not isinstance(text, str):
                raise PackingUnknown(f"an example of {data.name} has a '{field}' that is not text")
            texts.append(text or "")
    if texts:
        model = model_folder(config, roots)
        tokenizer = load_tokenizer(model)
        eos = special_token(model, "eos_token")
        eos_id = tokenizer.token_to_id(eos) if eos is not None else None
        pieces += completion_lengths(texts, tokenizer, eos_id, sequence_len)
    minimum = as_int(raw_value(config, "min_sample_len")) or MIN_SAMPLE_LEN
    strategy = str(raw_value(config, "excess_length_strategy") or "drop").lower()
    if strategy == "raise" and any(n > sequence_len for n in pieces):
        raise PackingUnknown("excess_length_strategy raise: axolotl stops at an example over sequence_len")
    kept = [min(n, sequence_len) for n in pieces if n >= minimum and (strategy == "truncate" or n <= sequence_len)]
    read = (f"{len(texts)} texts tokenized with {model.name}'s tokenizer" if texts else "pre-tokenized rows")
    return kept, f"{len(pieces)} pieces from {', '.join(names)} ({read}), {len(kept)} kept"


def axolotl_packing(config: TrainingConfig, roots: list[Path], world_size: int, micro_batch: int,
                    accumulation: int, epochs: float) -> AxolotlPacking:
    """axolotl's packed count for a ``sample_packing`` config; :class:`PackingUnknown` otherwise."""
    sequence_len = as_int(config.value("max_seq_length"))
    if not sequence_len or sequence_len < 1:
        raise PackingUnknown("sequence_len is not a whole number of at least 1")
    lengths, read = _lengths(config, roots, sequence_len)
    batch_size = micro_batch * accumulation * world_size
    drop_last = raw_value(config, "dataloader_drop_last") is True
    efficiency = as_number(raw_value(config, "sample_packing_eff_est"))
    if efficiency:
        tokens = sum(lengths)
        steps = steps_from_estimate(tokens, efficiency, sequence_len, batch_size, epochs)
        how = (f"{read}; axolotl does not pack to count: it estimates the run from the {tokens} tokens with "
               f"sample_packing_eff_est {efficiency:g}: {steps} steps")
        return AxolotlPacking(rows=None, rows_low=None, rows_high=None, batches=None, steps=steps, steps_low=steps,
                              steps_high=steps, exact=True, how=how)
    by_position = _attention(config) in PACKING_ATTENTION and not raw_value(config, "multipack_real_batches")
    capacity, per_batch = (micro_batch * sequence_len, 1) if by_position else (sequence_len, micro_batch)
    bin_size = as_int(raw_value(config, "sample_packing_bin_size")) or BIN_SIZE
    group_size = as_int(raw_value(config, "sample_packing_group_size")) or GROUP_SIZE
    sequential = raw_value(config, "sample_packing_sequentially") is True
    in_order = raw_value(config, "curriculum_sampling") is True
    if in_order and len(raw_value(config, "datasets") or []) > 1 and raw_value(config, "shuffle_merged_datasets") \
            is not False:
        in_order = False  # axolotl shuffles merged datasets (with its seed) even then

    def pack(order: list[int]) -> int:
        return next_fit(order, capacity) if sequential else first_fit(order, capacity, bin_size, group_size)

    shape = (f"bins of {capacity} tokens" + (f", {per_batch} a batch" if per_batch > 1 else "")
             + (", next fit" if sequential else ", first fit"))
    if not lengths:
        raise PackingUnknown("no example is left to pack: axolotl's sampler fails on an empty dataset")
    if in_order:
        bins = pack(lengths)
        batches = sampler_batches(bins, per_batch)
        steps = steps_from_batches(batches, micro_batch, batch_size, epochs, drop_last)
        rows = batches * per_batch
        return AxolotlPacking(rows=rows, rows_low=rows, rows_high=rows, batches=batches, steps=steps, steps_low=steps,
                              steps_high=steps, exact=True,
                              how=f"{read}; packed in the dataset's order ({shape}): {bins} sequences, {batches} "
                                  f"whole batches, {steps} steps")
    seen = random_order_batches(lengths, pack, per_batch, 1 if world_size >= COUNT_SAMPLES else COUNT_SAMPLES)
    batches = max(sorted(seen), key=seen.count)
    all_steps = [steps_from_batches(b, micro_batch, batch_size, epochs, drop_last) for b in seen]
    steps = steps_from_batches(batches, micro_batch, batch_size, epochs, drop_last)
    rows = batches * per_batch
    low, high = min(seen), max(seen)
    spread = (f"{low * per_batch}" if low == high else f"{low * per_batch}-{high * per_batch}")
    step_spread = f"{min(all_steps)}" if min(all_steps) == max(all_steps) else f"{min(all_steps)}-{max(all_steps)}"
    how = (f"{read}; axolotl packs in a random order that changes from run to run ({shape}), so this is an "
           f"estimate: {DRAWS} repeats of its count gave {spread} sequences and {step_spread} steps")
    return AxolotlPacking(rows=rows, rows_low=low * per_batch, rows_high=high * per_batch, batches=batches,
                          steps=steps, steps_low=min(all_steps), steps_high=max(all_steps), exact=False, how=how)
