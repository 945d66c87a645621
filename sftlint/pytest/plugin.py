"""sftlint's pytest plugin (the ``pytest11`` entry point), loaded in every pytest run.

It only names the modules that hold the hooks, so that loading it costs nothing: neither this
module nor those it names may import torch, transformers or the linter's engine at import time.
The training runner's hooks are wired here too; each part lists its own module below.
"""

pytest_plugins = [
    # `pytest --sftlint`: training configs collected and linted as test items.
    "sftlint.pytest.lint",
    # markers gpu/smoke/full, the `sft_run` fixture, `pytest --sft-runs DIR`, the runs' summary table.
    "sftlint.runner.pytest_support",
]
