"""YAML that lives beside training configs in a repository is recognised, not linted."""

from __future__ import annotations

import pytest

from sftlint.cli.main import main

OTHER = {
    "workflow.yml": ("GitHub Actions workflow", "name: lint\non: [push]\njobs:\n  lint:\n    runs-on: ubuntu-latest\n"),
    "compose.yaml": ("Docker Compose file", "services:\n  trainer:\n    image: pytorch/pytorch\n"),
    "pod.yaml": ("Kubernetes manifest", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: train\n"),
    "environment.yml": ("conda environment", "name: ft\nchannels: [conda-forge]\ndependencies: [python=3.11]\n"),
}


@pytest.mark.parametrize("name", sorted(OTHER))
def test_other_yaml_is_skipped_with_its_kind(tmp_path, capsys, name):
    kind, text = OTHER[name]
    (tmp_path / name).write_text(text, encoding="utf-8")
    assert main(["check", str(tmp_path / name), "-v"]) == 0
    out = capsys.readouterr().out
    assert f"skipped: {kind}, not a training config" in out


def test_a_training_config_with_a_services_key_is_still_linted(tmp_path, capsys):
    config = tmp_path / "train.yaml"
    config.write_text("base_model: x/y\nmicro_batch_size: 2\nlearning_rate: 1e-4\nservices: {}\n", encoding="utf-8")
    main(["check", str(config), "-v", "--exit-zero"])
    assert "dialect axolotl" in capsys.readouterr().out
