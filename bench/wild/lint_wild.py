"""Lint the wild set (``manifest.tsv``) from the fetched mirrors and print how each file was read.

For every file of the manifest whose mirror is present, the file is written from git into a
scratch folder (same repo/path layout) and linted with default settings. Each project's pin files
(``pyproject.toml``, ``setup.py``, ``setup.cfg``, ``requirements*.txt``, wherever they are in the
tree) are written beside them, and an empty ``.git`` marks the repository's root, so the configs
are judged against the releases their project pins, as in a checkout. The report gives, per
project, how many files were read as the expected tool or rightly skipped, the files that were not,
and the findings per rule. ``--findings`` lists every finding for reading one by one.

    PYTHONPATH=$PWD python bench/wild/lint_wild.py --mirrors /work/.mirror
    PYTHONPATH=$PWD python bench/wild/lint_wild.py --mirrors /work/.mirror --findings > findings.txt
"""

from __future__ import annotations

import argparse
import collections
import csv
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def rows(manifest: Path):
    with manifest.open(encoding="utf-8") as handle:
        yield from csv.DictReader(handle, delimiter="\t")


PIN_FILES = ("pyproject.toml", "setup.py", "setup.cfg")


def pin_files(git_dir: Path, commit: str) -> list[str]:
    listing = subprocess.run(["git", "-C", str(git_dir), "ls-tree", "-r", "--name-only", commit],
                             capture_output=True, text=True)
    names = listing.stdout.splitlines() if listing.returncode == 0 else []
    return [n for n in names if n.rsplit("/", 1)[-1] in PIN_FILES
            or (n.rsplit("/", 1)[-1].startswith("requirements") and n.endswith(".txt"))]


def materialise(mirrors: Path, scratch: Path, manifest: Path) -> list[tuple[dict, Path]]:
    out = []
    projects: set[tuple[str, str]] = set()
    for row in rows(manifest):
        git_dir = mirrors / row["repo"].replace("/", "+") / "repo"
        if git_dir.is_dir() and (row["repo"], row["commit"]) not in projects:
            projects.add((row["repo"], row["commit"]))
            (scratch / row["repo"] / ".git").mkdir(parents=True, exist_ok=True)
            for name in pin_files(git_dir, row["commit"]):
                blob = subprocess.run(["git", "-C", str(git_dir), "show", f"{row['commit']}:{name}"], capture_output=True)
                if blob.returncode == 0:
                    (scratch / row["repo"] / name).parent.mkdir(parents=True, exist_ok=True)
                    (scratch / row["repo"] / name).write_bytes(blob.stdout)
    for row in rows(manifest):
        git_dir = mirrors / row["repo"].replace("/", "+") / "repo"
        if not git_dir.is_dir():
            continue
        target = scratch / row["repo"] / row["path"]
        if not target.exists():
            blob = subprocess.run(["git", "-C", str(git_dir), "show", f"{row['commit']}:{row['path']}"],
                                  capture_output=True)
            if blob.returncode != 0:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(blob.stdout)
        out.append((row, target))
    return out


def verdict(row: dict, result) -> tuple[bool, str]:
    """(read as expected, how it was read). A file that is not a mapping of settings at all, or not
    valid YAML/JSON, is reported as unreadable (exit 2), which is right for a file expected to be
    skipped: it cannot be any tool's config."""
    errors = [f for f in result.findings if f.code == "E001"]
    if errors and result.choice is None:
        return row["expected"] == "skip", "unreadable (E001: " + errors[0].message[:60] + ")"
    if result.skipped is not None or result.choice is None or result.choice.dialect is None:
        how = f"skipped ({result.skipped})"
        return row["expected"] == "skip", how
    name = result.choice.dialect.name
    return row["expected"] == name, name


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=Path, required=True, help="folder of <owner>+<name>/repo git dirs")
    parser.add_argument("--manifest", type=Path, default=HERE / "manifest.tsv")
    parser.add_argument("--scratch", type=Path, help="where to write the files (default: a temporary folder)")
    parser.add_argument("--findings", action="store_true", help="list every finding")
    args = parser.parse_args(argv)

    from sftlint.lint.engine import lint_file
    from sftlint.plugin.loading import build_registry
    from sftlint.settings.resolver import Settings

    registry = build_registry()
    with tempfile.TemporaryDirectory() as tmp:
        scratch = args.scratch or Path(tmp)
        files = materialise(args.mirrors, scratch, args.manifest)
        if not files:
            print(f"no mirrors found under {args.mirrors}", file=sys.stderr)
            return 1
        per_repo = collections.defaultdict(lambda: [0, 0, 0, 0])  # files, right, linted, findings
        how_read = collections.Counter()
        per_rule = collections.Counter()
        wrong = []
        listing = []
        for row, path in files:
            result = lint_file(path, Settings(), registry)
            ok, how = verdict(row, result)
            stats = per_repo[row["repo"]]
            stats[0] += 1
            stats[1] += ok
            stats[2] += result.skipped is None and result.choice is not None and result.choice.dialect is not None
            stats[3] += len(result.findings)
            how_read[(row["expected"], how.split(" (")[0])] += 1
            if not ok:
                wrong.append(f"{row['repo']}/{row['path']}: expected {row['expected']}, read {how}")
            for f in result.findings:
                per_rule[f.code] += 1
                listing.append(f"{row['repo']}/{row['path']}:{f.location.row}: {f.code} {f.message}")

    total = sum(s[0] for s in per_repo.values())
    right = sum(s[1] for s in per_repo.values())
    print(f"{total} files, {right} read as the expected tool or rightly skipped ({100 * right / total:.1f}%)\n")
    print("| project | files | right | linted | findings |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for repo, (n, ok, linted, found) in sorted(per_repo.items()):
        print(f"| {repo} | {n} | {ok} | {linted} | {found} |")
    print("\n| expected | read as | files |\n| --- | --- | ---: |")
    for (exp, how), n in sorted(how_read.items()):
        print(f"| {exp} | {how} | {n} |")
    print("\n| rule | findings |\n| --- | ---: |")
    for code, n in per_rule.most_common():
        print(f"| {code} | {n} |")
    if wrong:
        print("\nNot read as expected:")
        print("\n".join(f"- {line}" for line in wrong))
    if args.findings:
        print("\nFindings:")
        print("\n".join(listing))
    return 0


if __name__ == "__main__":
    sys.exit(main())
