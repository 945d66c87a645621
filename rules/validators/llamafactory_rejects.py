from __future__ import annotations

from sftlint import Rule, Severity
from sftlint.dialects.llamafactory import is_v1

from ._checks import run
from .llamafactory_checks import CHECKS


class LlamaFactoryRejectsConfig(Rule):
    """## What it does
    Reports combinations of settings that `llamafactory-cli train` refuses at start-up, following
    LLaMA-Factory 0.9.5's own checks (`hparams/parser.py` `get_train_args` and the arguments'
    `__post_init__`), those a config file alone can trip:

    - `adapter_name_or_path` without LoRA; on a quantized model: `pissa_init`, `resize_vocab`,
      `create_new_adapter`, `quantization_device_map: auto` when training, `fp8`
    - outside stage `sft`: `predict_with_generate`, `neat_packing`, `train_on_prompt`,
      `mask_history`; in stage `sft`: `do_predict` without `predict_with_generate`
    - stages `rm` and `ppo` with `load_best_model_at_end`; `ppo` without `reward_model`
    - `streaming` without `max_steps`, or with `max_samples`; `do_train` without `dataset`
    - `do_eval`/`do_predict`/`predict_with_generate` with neither `eval_dataset` nor `val_size`
    - `val_size` without `dataset`, or with `eval_dataset`; `interleave_probs` with
      `mix_strategy: concat`; `mask_history` with `train_on_prompt`
    - `predict_with_generate` with `compute_accuracy`; GaLore/APOLLO with `deepspeed`; a vLLM or
      SGLang `infer_backend` for training
    - `dpo_label_smoothing` with a `pref_loss` other than sigmoid; `use_llama_pro` with full
      fine-tuning; LoRA with GaLore, APOLLO or BAdam, or two of those together;
      `loraplus_lr_ratio`, `use_rslora`, `use_dora`, `pissa_init` without LoRA

    Checks that depend on the machine (a GPU's bf16 support, how many processes were launched,
    DeepSpeed's stage inside its own file) are left out. The newer format (`examples/v1/`) has a
    different parser and is not checked.

    ## Why is this bad?
    LLaMA-Factory raises `ValueError` for each of these after its imports, one at a time.

    ## Example
    ```yaml
    stage: dpo
    neat_packing: true
    ```

    ## Use instead
    ```yaml
    stage: dpo
    ```

    ## Options
    None.

    ## Fix safety
    No fix: which setting is the mistake is the author's choice.

    ## References
    - LLaMA-Factory 0.9.5 `src/llamafactory/hparams/parser.py`, `finetuning_args.py`,
      `data_args.py`: the findings name 0.9.5, the release read; when each check first
      appeared was not traced
    """

    code = "TV002"
    name = "llamafactory-rejects-config"
    severity = Severity.ERROR
    dialects = frozenset({"llamafactory"})

    def check(self, ctx):
        if is_v1(ctx.document):
            return
        yield from run(ctx, CHECKS, "LLaMA-Factory", "0.9.5")
