"""pytest integration of the runner: markers, the ``sft_run`` fixture, ``--sft-runs DIR`` items, and a
summary table at the end of the session.

Wired from :mod:`sftlint.pytest_plugin`, so it is loaded in every pytest run of every project that
installs sftlint: nothing here imports the engine or any training package until a run is asked for.

* ``gpu`` marks a test that needs a CUDA device; without one it is skipped with the reason, so a
  CPU CI stays green and ``pytest -m gpu`` on a GPU machine runs exactly those tests.
* ``smoke`` and ``full`` mark the kind of run a test makes.
* ``sft_run(config, mode="smoke", backend="auto", model=None, steps=10)`` runs a config and returns
  a :class:`~sftlint.runner.result.RunResult`; ``assert result.passed, result.explain()``.
* ``pytest --sft-runs DIR`` turns every training config in DIR into a smoke-run item
  (``--sft-runs-model synthetic:tiny`` keeps them on a CPU).
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

MARKERS = {
    "gpu": "needs a CUDA device; skipped where none is present",
    "smoke": "a short training run of a config (sftlint run --mode smoke)",
    "full": "a full training run of a config as written (sftlint run --mode full)",
}
RESULTS = pytest.StashKey[list]()


def pytest_addoption(parser):
    group = parser.getgroup("sftlint-runner", "sftlint training runs")
    group.addoption("--sft-runs", action="append", default=[], metavar="DIR",
                    help="collect every training config in DIR as a smoke-run test item")
    group.addoption("--sft-runs-backend", default="auto", choices=("auto", "unsloth", "hf"),
                    help="backend of --sft-runs items (default auto)")
    group.addoption("--sft-runs-model", default=None, metavar="MODEL",
                    help="model for --sft-runs items instead of each config's (e.g. synthetic:tiny)")
    group.addoption("--sft-runs-steps", type=int, default=10, metavar="N", help="optimizer steps per smoke run")


def pytest_configure(config):
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    config.stash[RESULTS] = []


@functools.lru_cache(maxsize=1)
def cuda_available() -> bool:
    from .run import cuda_available as probe

    return probe()


def needs_gpu(model: str | None) -> bool:
    """Real models (the config's own, or a path/id) and large synthetic ones need a GPU."""
    from .synthetic_model import is_synthetic, needs_gpu as synthetic_needs_gpu

    return not is_synthetic(model) or synthetic_needs_gpu(model)


def skip_without_cuda(what: str) -> None:
    if not cuda_available():
        pytest.skip(f"{what} needs a CUDA device and none is present")


def pytest_runtest_setup(item):
    if item.get_closest_marker("gpu") is not None:
        skip_without_cuda(f"{item.nodeid} (marked gpu)")


@pytest.fixture
def sft_run(request, tmp_path_factory):
    """Run a config and return its checked result: ``sft_run(config, mode, backend, model, steps)``."""
    from .run import run_config

    def run(config, mode: str = "smoke", backend: str = "auto", model: str | None = None, steps: int = 10, **kwargs):
        if needs_gpu(model):
            skip_without_cuda(f"a {mode} run of {config} with model {model or 'from the config'}")
        out = kwargs.pop("output_dir", None) or tmp_path_factory.mktemp(f"sft-{Path(str(config)).stem}-{mode}")
        result = run_config(config, mode=mode, backend=backend, model=model, steps=steps, output_dir=out, **kwargs)
        request.config.stash[RESULTS].append(result)
        return result

    return run


class RunFailed(Exception):
    def __init__(self, result) -> None:
        super().__init__(result.explain())
        self.result = result


class SftRunItem(pytest.Item):
    """One config of ``--sft-runs DIR``, trained for a few steps and checked."""

    def __init__(self, *, config_path: Path, **kwargs) -> None:
        super().__init__(**kwargs)
        self.config_path = config_path
        opts = self.config.option
        self.backend, self.model, self.steps = opts.sft_runs_backend, opts.sft_runs_model, opts.sft_runs_steps
        self.add_marker("smoke")
        if needs_gpu(self.model):
            self.add_marker("gpu")

    def runtest(self) -> None:
        from .plan_source import PlanError
        from .run import run_config

        out = self.config._tmp_path_factory.mktemp(f"sft-runs-{self.config_path.stem}")
        try:
            result = run_config(self.config_path, mode="smoke", backend=self.backend, model=self.model,
                                steps=self.steps, output_dir=out)
        except PlanError as exc:
            pytest.skip(str(exc))
        self.config.stash[RESULTS].append(result)
        if not result.passed:
            raise RunFailed(result)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, RunFailed):
            r = excinfo.value.result
            return f"{self.config_path}: smoke run failed ({r.backend}, {r.steps} steps; folder {r.output_dir})\n" \
                   + r.explain()
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.config_path, None, f"smoke run: {self.config_path}"


class SftRunsDir(pytest.Collector):
    def __init__(self, *, folder: Path, **kwargs) -> None:
        super().__init__(**kwargs)
        self.folder = folder

    def collect(self):
        from ..discovery import discover
        from ..settings import SettingsResolver

        files, _ = discover([self.folder], SettingsResolver())
        for path in sorted(files):
            yield SftRunItem.from_parent(self, name=str(path), config_path=Path(path))


def pytest_collection_modifyitems(session, config, items):
    for folder in config.getoption("sft_runs"):
        path = Path(folder)
        if not path.is_dir():
            raise pytest.UsageError(f"--sft-runs {folder}: no such folder")
        collector = SftRunsDir.from_parent(session, name=f"sft-runs:{folder}", folder=path)
        items.extend(collector.collect())


def _mib(n) -> str:
    return "-" if n is None else f"{n / 2**20:.0f}MiB"


def _loss(x) -> str:
    return "-" if x is None else f"{x:.4f}"


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    results = config.stash.get(RESULTS, [])
    if not results:
        return
    tr = terminalreporter
    tr.section("sftlint training runs")
    header = f"{'run':<40} {'backend':<8} {'steps':>9} {'loss first->last':>19} {'tok/s':>8} {'peak':>9} {'estimate':>9}  verdict"
    tr.write_line(header)
    for r in results:
        name = f"{Path(r.config).name} [{r.mode}]"
        steps = f"{r.steps}/{r.planned_steps if r.planned_steps is not None else '?'}"
        tps = "-" if r.tokens_per_second is None else f"{r.tokens_per_second:.0f}"
        failed = ", ".join(c.name for c in r.failures)
        tr.write_line(f"{name[:40]:<40} {r.backend:<8} {steps:>9} {_loss(r.first_loss) + '->' + _loss(r.last_loss):>19} "
                      f"{tps:>8} {_mib(r.peak_memory_bytes):>9} {_mib(r.estimated_memory_bytes):>9}  "
                      f"{r.verdict}{' (' + failed + ')' if failed else ''}")
