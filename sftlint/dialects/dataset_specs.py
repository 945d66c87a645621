"""The canonical ``datasets`` value: one dict per dataset a config names, in one shape for all tools.

Each spec has ``path`` (a file, folder or hub id as written; None when the tool names datasets by
an entry in a registry file instead), ``split`` and ``type`` (the tool's prompt format, if any) and
``role``: ``"train"`` or ``"eval"``, so that row counts never mix held-out data into the training
set. Tools that name datasets indirectly add what is needed to resolve them: LLaMA-Factory's
``name`` plus ``dataset_dir`` (an entry of ``<dataset_dir>/dataset_info.json``), or
``dataset_info`` (a YAML file that lists datasets, LLaMA-Factory's newer format). The plan resolves
paths relative to the config file, then the working directory; a path found in neither is taken
as a hub id and its rows stay unknown.
"""

from __future__ import annotations

from typing import Any


def spec(path: Any, split: Any = None, type: Any = None, role: str = "train", **extra: Any) -> dict[str, Any]:
    """One dataset spec; non-string parts the tool would reject are kept as None."""
    out = {
        "path": path if isinstance(path, str) and path else None,
        "split": split if isinstance(split, str) and split else None,
        "type": type if isinstance(type, str) and type else None,
        "role": role,
    }
    out.update({k: v for k, v in extra.items() if v is not None})
    return out


def from_mappings(value: Any, role: str = "train", path_key: str = "path") -> list[dict[str, Any]]:
    """Specs from a list of mappings such as axolotl's ``datasets`` or TRL's dataset mixtures."""
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return []
    out = []
    for item in value:
        if not isinstance(item, dict):
            continue
        data_files = item.get("data_files")
        out.append(
            spec(
                item.get(path_key),
                item.get("split"),
                item.get("type") if isinstance(item.get("type"), str) else None,
                role,
                name=item.get("name") if isinstance(item.get("name"), str) else None,
                data_files=data_files if isinstance(data_files, (str, list)) else None,
            )
        )
    return out


def split_names(value: Any) -> list[str]:
    """Dataset names from ``"a,b"`` or ``[a, b]``, stripped, empty ones dropped."""
    if isinstance(value, str):
        parts = value.split(",")
    elif isinstance(value, list):
        parts = [v for v in value if isinstance(v, str)]
    else:
        return []
    return [p.strip() for p in parts if p.strip()]
