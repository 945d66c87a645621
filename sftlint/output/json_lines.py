"""One JSON object per finding per line (the fields of :mod:`.json`), for streaming consumers.

Each line stands alone, so ``grep``, ``jq -c`` and log shippers can take findings one at a time;
a skipped file is a line too (the record of :mod:`.json`, with ``skipped``); nothing found and
nothing skipped means no output at all rather than an empty list.
"""

from __future__ import annotations

import json
from typing import TextIO

from .json import file_dicts, skip_notes


def render(results, stream: TextIO, *, color: bool = False, verbose: bool = False, registry=None) -> None:
    for result in results:
        for record in file_dicts(result):
            stream.write(json.dumps(record) + "\n")
    if verbose:
        skip_notes(results)
