"""Write the accepted and removed values of the enum-like settings, as JSON in
``sftlint/config/schemas_data/values.json`` (read by rule KT004).

The accepted values of transformers' enums (``OptimizerNames``, ``SchedulerType``,
``IntervalStrategy``, ``SaveStrategy``, ``HubStrategy``) and TRL's ``choices`` come from the
installed packages; LLaMA-Factory's chat templates are read (by pattern, nothing imported) from the
``register_template(name=...)`` calls of a source checkout. The removals are kept by hand below,
each established by comparing releases.

    python scripts/snapshot_values.py --llamafactory ~/src/LLaMA-Factory
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "sftlint" / "config" / "schemas_data" / "values.json"

#: Values transformers no longer accepts, from the enums of 4.46.3, 4.49.0, 4.50.3, 4.51.3,
#: 4.53.3, 4.57.1 and 5.17.0. ``to`` is the replacement; ``same`` marks one that computes the
#: same thing (so renaming is a safe fix).
TRANSFORMERS_REMOVED = {
    "optim": {
        "adamw_hf": {"since": "4.50", "to": "adamw_torch", "same": True,
                     "why": "transformers' own AdamW class was removed; torch's AdamW computes the same update"},
        "adamw_apex_fused": {"since": "5.0", "to": "adamw_torch_fused", "same": True,
                             "why": "NVIDIA Apex's fused AdamW is no longer wrapped; torch's fused AdamW replaces it"},
    },
}
#: TRL values its parser no longer accepts (``trl sft`` reads ``choices``), from TRL 0.19.0,
#: 0.20.0, 0.29.0, 1.0.0 and 1.15.0.
TRL_REMOVED = {
    "packing_strategy": {
        "ffd": {"since": "0.20", "to": "bfd", "same": True,
                "why": "renamed: the algorithm was always best-fit decreasing"},
        "bfd-requeue": {"since": "1.0", "to": "bfd_split", "same": True, "why": "renamed"},
    },
}
#: LLaMA-Factory chat templates removed in 0.9.5 ("clean obsolete models", commit 5cccaee), with
#: the models they served; no replacement renders the same prompt.
LLAMAFACTORY_REMOVED_SINCE = "0.9.5"
LLAMAFACTORY_REMOVED_TEMPLATES = (
    "aquila", "atom", "baichuan", "baichuan2", "belle", "bluelm", "chatglm2", "codegeex2", "codegeex4",
    "cpm", "cpm3", "intern", "marco", "orion", "skywork_o1", "telechat", "xverse", "yayi", "ziya",
)
#: Templates gone long before (0.2 - 0.8), still seen in old tutorials.
LLAMAFACTORY_OLD_TEMPLATES = {"billa": "0.2.0", "linly": "0.2.0", "chatglm3_raw": "0.4.0", "vanilla": "0.6.2",
                              "chatglm3_system": "0.8.2"}


def transformers_values() -> dict:
    import transformers
    from transformers.trainer_utils import HubStrategy, IntervalStrategy, SaveStrategy, SchedulerType
    from transformers.training_args import OptimizerNames

    fields = {
        "optim": OptimizerNames, "lr_scheduler_type": SchedulerType, "eval_strategy": IntervalStrategy,
        "logging_strategy": IntervalStrategy, "save_strategy": SaveStrategy, "hub_strategy": HubStrategy,
    }
    return {
        "version": transformers.__version__,
        "accepted": {name: sorted(e.value for e in enum) for name, enum in fields.items()},
        "removed": TRANSFORMERS_REMOVED,
    }


def trl_values() -> dict:
    import dataclasses

    import trl
    from trl import SFTConfig

    accepted = {}
    for f in dataclasses.fields(SFTConfig):
        choices = f.metadata.get("choices")
        if choices and f.name in TRL_REMOVED | {"truncation_mode": None, "loss_type": None}:
            accepted[f.name] = sorted(choices)
    return {"version": trl.__version__, "accepted": accepted, "removed": TRL_REMOVED}


def llamafactory_values(root: Path) -> dict:
    text = (root / "src" / "llamafactory" / "data" / "template.py").read_text(encoding="utf-8")
    current = sorted(set(re.findall(r'register_template\(\s*name="([^"]+)"', text)))
    env = (root / "src" / "llamafactory" / "extras" / "env.py").read_text(encoding="utf-8")
    version = re.search(r'VERSION = "([^"]+)"', env).group(1)
    removed = {name: {"since": LLAMAFACTORY_REMOVED_SINCE, "to": None} for name in LLAMAFACTORY_REMOVED_TEMPLATES}
    removed.update({name: {"since": since, "to": None} for name, since in LLAMAFACTORY_OLD_TEMPLATES.items()})
    stale = sorted(set(removed) & set(current))
    if stale:
        raise SystemExit(f"templates listed as removed are still registered: {stale}")
    return {"version": version, "accepted": {"template": current}, "removed": {"template": removed}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--llamafactory", type=Path, required=True, help="a LLaMA-Factory source checkout")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    data = {"transformers": transformers_values(), "trl": trl_values(),
            "llamafactory": llamafactory_values(args.llamafactory)}
    args.out.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(args.out, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
