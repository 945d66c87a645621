"""Time the document layer alone over a folder of configs, in one process: reading the bytes,
composing the node tree, the credential walk, and ``load_document`` as a whole (which adds the
line table, the directives and the JSON check).

    PYTHONPATH=/path/to/checkout python bench/bench_document.py /path/to/corpus --rounds 9

Each figure is the least CPU time (``time.process_time``) over the rounds, after one warm-up round:
on a shared machine the least is the run the other jobs disturbed least. To compare two versions,
run the script with each checkout on ``PYTHONPATH`` in turn, several times, alternating.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sftlint.document import DocumentError, loading
from sftlint.document.composer import compose_documents
from timing import least  # bench/timing.py, beside this script


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()

    files = sorted(p for p in args.folder.rglob("*") if p.suffix in (".yaml", ".yml", ".json") and p.is_file())
    texts = []
    for path in files:
        try:
            texts.append((path, loading.read_text(path)))
        except DocumentError:
            pass
    documents = []
    for path, text in texts:
        try:
            documents.append(loading.parse_document(path, text))
        except DocumentError:
            pass

    def read() -> None:
        for path in files:
            try:
                loading.read_text(path)
            except DocumentError:
                pass

    def compose() -> None:
        for _, text in texts:
            try:
                compose_documents(text)
            except Exception:  # noqa: BLE001 - a file that is no YAML costs its parse all the same
                pass

    def credentials() -> None:
        for document in documents:
            loading.remember_secrets(document.root, document.text)

    def load() -> None:
        for path in files:
            try:
                loading.load_document(path)
            except DocumentError:
                pass

    print(f"{len(files)} files, least CPU time of {args.rounds} rounds:")
    for name, work in (("read_text", read), ("compose_documents", compose),
                       ("remember_secrets", credentials), ("load_document", load)):
        print(f"  {name:18s} {least(work, args.rounds):7.1f} ms")


if __name__ == "__main__":
    main()
