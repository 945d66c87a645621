"""pytest integration of the runner: markers, the ``sft_run`` fixture, ``--sft-runs DIR`` items, and a
summary table at the end of the session.

Wired from :mod:`sftlint.pytest.plugin`, so it is loaded in every pytest run of every project that
installs sftlint: nothing here imports the engine or any training package until a run is asked for.

* ``gpu`` marks a test that needs a CUDA device; without one it is skipped with the reason, so a
  CPU CI stays green and ``pytest -m gpu`` on a GPU machine runs exactly those tests.
* ``smoke`` and ``full`` mark the kind of run a test makes.
* ``sft_run(config, mode="smoke", backend="auto", model=None, steps=10)`` runs a config and returns
  a :class:`~sftlint.runner.result.RunResult`; ``assert result.passed, result.explain()``.
* ``pytest --sft-runs DIR`` turns every training config in DIR into a smoke-run item, collected
  like any test (so the header counts them and ``-k`` selects them); a config that cannot be read
  into a plan, or has lint errors, fails its item (``--sft-runs-model synthetic:tiny`` keeps them
  on a CPU).
* The table of runs is built from the test reports, so it is complete under pytest-xdist too.
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
CONFIGS = pytest.StashKey[set]()
#: Name of the user property that carries a run's table row in its test report.
ROW_PROPERTY = "sftlint_run"
#: Rows of the runs reported in this process (the controller's, under pytest-xdist).
ROWS: list[dict] = []


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
    ROWS.clear()
    for folder in config.getoption("sft_runs", default=[]) or []:
        if not Path(folder).is_dir():
            raise pytest.UsageError(f"--sft-runs {folder}: no such folder")
        if folder not in config.args:  # collected like any path given on the command line
            config.args.append(folder)


@functools.lru_cache(maxsize=1)
def cuda_available() -> bool:
    from .run import cuda_available as probe

    return probe()


def needs_gpu(model: str | None) -> bool:
    """Real models (the config's own, or a path/id) and large synthetic ones need a GPU."""
    from .synthetic_model import is_synthetic
    from .synthetic_model import needs_gpu as synthetic_needs_gpu

    return not is_synthetic(model) or synthetic_needs_gpu(model)


def skip_without_cuda(what: str) -> None:
    if not cuda_available():
        pytest.skip(f"{what} needs a CUDA device and none is present")


def pytest_runtest_setup(item):
    if isinstance(item, SftRunItem):
        return  # it reads its config first: a broken config fails even where a GPU is missing
    if item.get_closest_marker("gpu") is not None:
        skip_without_cuda(f"{item.nodeid} (marked gpu)")


def _row(result) -> dict:
    """A run's line in the summary table, as plain data: it travels in test reports, so the table
    is complete under pytest-xdist, whose workers run the tests and whose controller prints it."""
    return {"name": f"{Path(result.config).name} [{result.mode}]", "backend": result.backend,
            "steps": result.steps, "planned": result.planned_steps, "first": result.first_loss,
            "last": result.last_loss, "tps": result.tokens_per_second, "peak": result.peak_memory_bytes,
            "estimate": result.estimated_memory_bytes, "verdict": result.verdict,
            "failed": [c.name for c in result.failures]}


def _record(node, result) -> None:
    node.user_properties.append((ROW_PROPERTY, _row(result)))


@pytest.fixture
def sft_run(request, tmp_path_factory):
    """Run a config and return its checked result: ``sft_run(config, mode, backend, model, steps)``."""
    from .run import run_config

    def run(config, mode: str = "smoke", backend: str = "auto", model: str | None = None, steps: int = 10, **kwargs):
        if needs_gpu(model):
            skip_without_cuda(f"a {mode} run of {config} with model {model or 'from the config'}")
        out = kwargs.pop("output_dir", None) or tmp_path_factory.mktemp(f"sft-{Path(str(config)).stem}-{mode}")
        result = run_config(config, mode=mode, backend=backend, model=model, steps=steps, output_dir=out, **kwargs)
        _record(request.node, result)
        return result

    return run


class RunFailed(Exception):
    def __init__(self, result) -> None:
        super().__init__(result.explain())
        self.result = result


class ConfigUnusable(Exception):
    """The config cannot be read into a plan, or has lint errors: the item fails with the reason."""


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
        from .plan_source import PlanError, lint_and_plan
        from .run import LintErrors, run_config

        try:
            lint_and_plan(self.config_path)
        except PlanError as exc:
            if not exc.unreadable:  # a YAML file that is no training config: nothing to run
                pytest.skip(str(exc))
            raise ConfigUnusable(str(exc)) from None
        if self.get_closest_marker("gpu") is not None:
            skip_without_cuda(f"{self.nodeid} (marked gpu)")
        out = self.config._tmp_path_factory.mktemp(f"sft-runs-{self.config_path.stem}")
        try:
            result = run_config(self.config_path, mode="smoke", backend=self.backend, model=self.model,
                                steps=self.steps, output_dir=out)
        except PlanError as exc:
            if not exc.unreadable:  # a YAML file that is no training config: nothing to run
                pytest.skip(str(exc))
            raise ConfigUnusable(str(exc)) from None
        except LintErrors as exc:
            raise ConfigUnusable("\n".join([str(exc), *exc.findings])) from None
        _record(self, result)
        if not result.passed:
            raise RunFailed(result)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, RunFailed):
            r = excinfo.value.result
            return f"{self.config_path}: smoke run {r.verdict} ({r.backend}, {r.steps} steps; folder {r.output_dir})\n" \
                   + r.explain()
        if isinstance(excinfo.value, ConfigUnusable):
            return f"{self.config_path}: cannot be run: {excinfo.value}"
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.config_path, None, f"smoke run: {self.config_path}"


class SftRunsFile(pytest.File):
    """A training config under a ``--sft-runs`` folder: one smoke-run item."""

    def collect(self):
        yield SftRunItem.from_parent(self, name="smoke", config_path=Path(self.path))


def _run_configs(config) -> set[Path]:
    """Training configs under the ``--sft-runs`` folders, found the way ``sftlint check`` finds them."""
    found = config.stash.get(CONFIGS, None)
    if found is None:
        from ..files.discovery import discover
        from ..settings.resolver import SettingsResolver

        folders = [Path(f) for f in config.getoption("sft_runs")]
        files, _ = discover(folders, SettingsResolver()) if folders else ([], None)
        found = {Path(f).resolve() for f in files}
        config.stash[CONFIGS] = found
    return found


def pytest_collect_file(file_path: Path, parent):
    if parent.config.getoption("sft_runs") and file_path.resolve() in _run_configs(parent.config):
        return SftRunsFile.from_parent(parent, path=file_path)
    return None


def pytest_runtest_logreport(report):
    if report.when != "call":
        return
    for name, value in report.user_properties:
        if name == ROW_PROPERTY:
            ROWS.append(value)


def _mib(n) -> str:
    return "-" if n is None else f"{n / 2**20:.0f}MiB"


def _loss(x) -> str:
    return "-" if x is None else f"{x:.4f}"


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not ROWS or hasattr(config, "workerinput"):
        return
    tr = terminalreporter
    tr.section("sftlint training runs")
    header = f"{'run':<40} {'backend':<8} {'steps':>9} {'loss first->last':>19} {'tok/s':>8} {'peak':>9} {'estimate':>9}  verdict"
    tr.write_line(header)
    for r in ROWS:
        steps = f"{r['steps']}/{r['planned'] if r['planned'] is not None else '?'}"
        tps = "-" if r["tps"] is None else f"{r['tps']:.0f}"
        failed = ", ".join(r["failed"])
        tr.write_line(f"{r['name'][:40]:<40} {r['backend']:<8} {steps:>9} "
                      f"{_loss(r['first']) + '->' + _loss(r['last']):>19} {tps:>8} {_mib(r['peak']):>9} "
                      f"{_mib(r['estimate']):>9}  {r['verdict']}{' (' + failed + ')' if failed else ''}")
