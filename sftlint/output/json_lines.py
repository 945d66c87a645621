"""One JSON object per finding per line (the fields of :mod:`.json`), for streaming consumers.

Each line stands alone, so ``grep``, ``jq -c`` and log shippers can take findings one at a time;
no findings means no output at all rather than an empty list.
"""

from __future__ import annotations

import json
from typing import TextIO

from .json import finding_to_dict, skip_notes


def render(results, stream: TextIO, *, color: bool = False, verbose: bool = False, registry=None) -> None:
    for result in results:
        for finding in result.findings:
            stream.write(json.dumps(finding_to_dict(finding, result.document)) + "\n")
    if verbose:
        skip_notes(results)
