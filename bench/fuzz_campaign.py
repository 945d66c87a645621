"""A long fuzz campaign against ``sftlint check``, ``--diff``, ``--fix`` and ``plan``.

Generates hostile inputs — bad bytes in corpus files, damaged corpus files, line-break variants,
credentials planted in every placement, hostile plugins, devices, FIFOs and links as configs and
as datasets — in batches of files, runs the real command line on each batch under a time and a
memory limit, and counts:

- internal errors: E999 findings, "internal error" or a traceback on stderr, an unexpected exit;
- hangs: a run past the time limit;
- leaks: a planted credential (or a piece of it) in any output;
- diffs that ``patch`` does not apply to give what ``--fix`` writes;
- files changed outside the lines their findings' fixes point at.

    python bench/fuzz_campaign.py --inputs 10000 --out bench/fuzz-report.json

Needs the corpus folder (``--corpus``, default ../shared/corpus) and the ``patch`` program.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from hostile_plugins import PLUGINS, install  # noqa: E402
from hostile_secrets import TOKENS, core, placements  # noqa: E402

LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")
#: Tokens recognised by their shape alone: safe to plant into inputs that are then damaged.
SHAPED = {k: v for k, v in TOKENS.items() if k not in ("wandb", "opaque-under-secret-key", "url-password")}
HOSTILE_VALUES = ["1e19", "9" * 5000, "0" + "7" * 400, ".inf", "-.inf", ".nan", "abc", "yes", "~", "!!int 99",
                  "&a 1", "*a", "*undefined", "[", "{", "'unterminated", "1_000_000_000_000_000", "0x" + "f" * 300,
                  "-1", "0", "1e-400", "1e400", "\"\\x85\\u2028\"", "|\n  block", ":".join(["59"] * 50)]
MUTATIONS = ("flip", "nul", "bad-utf8", "truncate", "duplicate", "delete-line", "duplicate-line", "indent",
             "hostile-value", "tab")


def corpus_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml", ".json") and p.is_file())


def mutate(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    kind = rng.choice(MUTATIONS)
    if not data:
        return data, kind
    i = rng.randrange(len(data))
    if kind == "flip":
        return data[:i] + bytes([data[i] ^ (1 << rng.randrange(8))]) + data[i + 1:], kind
    if kind == "nul":
        return data[:i] + b"\x00" + data[i:], kind
    if kind == "bad-utf8":
        return data[:i] + rng.choice([b"\xff", b"\xc3", b"\xe2\x80", b"\xed\xa0\x80"]) + data[i:], kind
    if kind == "truncate":
        return data[:i], kind
    if kind == "duplicate":
        j = min(len(data), i + rng.randrange(1, 200))
        return data[:j] + data[i:j] + data[j:], kind
    lines = data.split(b"\n")
    k = rng.randrange(len(lines))
    if kind == "delete-line":
        del lines[k]
    elif kind == "duplicate-line":
        lines.insert(k, lines[k])
    elif kind == "indent":
        lines[k] = b"   " + lines[k]
    elif kind == "tab":
        lines[k] = b"\t" + lines[k]
    elif kind == "hostile-value":
        line = lines[k]
        if b":" in line:
            lines[k] = line.split(b":", 1)[0] + b": " + rng.choice(HOSTILE_VALUES).encode()
    return b"\n".join(lines), kind


def line_break_variant(rng: random.Random, text: str) -> tuple[str, str]:
    kind = rng.choice(["cr", "crlf", "nel-quoted", "ls-quoted", "ps-quoted", "cr-quoted", "no-final", "mixed"])
    if kind == "cr":
        return text.replace("\n", "\r"), kind
    if kind == "crlf":
        return text.replace("\n", "\r\n"), kind
    if kind == "no-final":
        return text.rstrip("\n"), kind
    if kind == "mixed":
        return "".join(line + rng.choice(["\n", "\r\n", "\r"]) for line in text.split("\n")), kind
    inner = {"nel-quoted": "\x85", "ls-quoted": "\u2028", "ps-quoted": "\u2029", "cr-quoted": "\r"}[kind]
    lines = text.split("\n")
    k = rng.randrange(len(lines))
    lines.insert(k, f'note_{k}: "a{inner}b"')
    return "\n".join(lines), kind


def plant_secret(rng: random.Random, text: str, damaged: bool) -> tuple[str, str, str]:
    pool = SHAPED if damaged else TOKENS
    name = rng.choice(sorted(pool))
    token = pool[name]
    where, snippet = rng.choice(sorted(placements(name, token).items()))
    body = snippet.split("report_to: wandb\n", 1)[-1]
    lines = text.split("\n")
    if rng.random() < 0.5 or not lines:
        return text.rstrip("\n") + "\n" + body, token, f"{name}/{where}"
    return body + text, token, f"{name}/{where}"


class Batch:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.tokens: set[str] = set()
        self.kinds: dict[str, str] = {}
        self.plugin: str | None = None


def make_batch(rng: random.Random, folder: Path, size: int, corpus: list[Path], site: Path, index: int) -> Batch:
    folder.mkdir(parents=True)
    batch = Batch(folder)
    for n in range(size):
        source = rng.choice(corpus)
        data = source.read_bytes()
        suffix = source.suffix
        kind = rng.choice(["bad-bytes", "damaged", "line-breaks", "secret", "secret-damaged", "special"])
        if kind == "bad-bytes":
            for _ in range(rng.randrange(1, 4)):
                data, how = mutate(rng, data)
        elif kind == "damaged":
            data, how = mutate(rng, data)
        elif kind == "line-breaks":
            text, how = line_break_variant(rng, data.decode("utf-8", "replace"))
            data = text.encode("utf-8")
        elif kind.startswith("secret"):
            damaged = kind == "secret-damaged"
            if suffix == ".json":
                suffix = ".yaml"
                data = b"# sftlint: dialect=trl\nmodel_name_or_path: x\nuse_peft: true\n"
            text, token, how = plant_secret(rng, data.decode("utf-8", "replace"), damaged)
            data = text.encode("utf-8")
            if damaged:
                data, more = mutate(rng, data)
                how += "+" + more
        else:  # a config naming a device, FIFO or / as its dataset, or no regular file at all
            how = rng.choice(["dataset-dev-zero", "dataset-urandom", "dataset-fifo", "dataset-root", "dataset-root-link",
                              "config-link-dev-zero", "config-fifo"])
            name = f"f{n:04d}"
            if how == "config-link-dev-zero":
                os.symlink("/dev/zero", folder / f"{name}.yaml")
            elif how == "config-fifo":
                os.mkfifo(folder / f"{name}.json")
            else:
                target = {"dataset-dev-zero": "/dev/zero", "dataset-urandom": "/dev/urandom", "dataset-fifo": None,
                          "dataset-root": "/", "dataset-root-link": None}[how]
                if how == "dataset-fifo":
                    os.mkfifo(folder / f"{name}.jsonl")
                    target = f"{name}.jsonl"
                elif how == "dataset-root-link":
                    os.symlink("/", folder / f"{name}-root")
                    target = f"{name}-root"
                else:
                    os.symlink(target, folder / f"{name}-data.jsonl")
                    target = f"{name}-data.jsonl"
                (folder / f"{name}.yaml").write_text(
                    "base_model: meta-llama/Llama-2-7b-hf\nadapter: qlora\nmicro_batch_size: 2\nlearning_rate: 2e-4\n"
                    f"num_epochs: 1\ndatasets:\n  - path: {target}\n    type: alpaca\n")
            batch.kinds[name] = f"special/{how}"
            continue
        if kind.startswith("secret"):
            if token.encode() in data:
                batch.tokens.add(token)
            else:  # a token a mutation broke is no credential any more: take its rest out too, or
                # the leak check would count it when another file of the batch holds the token whole
                data = data.replace(core(token).encode(), b"Zq0Zq0Zq0Z")
                how += "+token-destroyed"
        name = f"f{n:04d}{suffix}"
        (folder / name).write_bytes(data)
        batch.kinds[name] = f"{kind}/{how}"
    if rng.random() < 0.25:  # a hostile plugin governs this batch
        plugin = rng.choice(sorted(PLUGINS))
        module = install(site, plugin)
        (folder / "sftlint.toml").write_text(f'plugins = ["{module}"]\n')
        batch.plugin = plugin
    return batch


def copy_folder(source: Path, target: Path) -> None:
    """A flat copy that keeps links as links and FIFOs as FIFOs (shutil refuses FIFOs)."""
    import stat

    target.mkdir()
    for entry in source.iterdir():
        dest = target / entry.name
        if entry.is_symlink():
            os.symlink(os.readlink(entry), dest)
        elif stat.S_ISFIFO(entry.lstat().st_mode):
            os.mkfifo(dest)
        else:
            shutil.copy2(entry, dest)


def bounded(seconds: int, memory: int):
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        os.setsid()
    return limit


def run(args: list[str], cwd: Path, env: dict, seconds: int, memory: int) -> tuple[int | None, str, str, float]:
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "sftlint", *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, preexec_fn=bounded(seconds, memory))
    try:
        out, err = proc.communicate(timeout=seconds)
        rc = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        out, err = proc.communicate()
        rc = None
    return rc, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), time.monotonic() - start


def yaml_lines(text: str) -> list[str]:
    return LINE_BREAK.split(text)


def fix_rows(findings: list[dict], name: str) -> set[int]:
    rows: set[int] = set()
    for f in findings:
        if Path(f["filename"]).name != name or not f.get("fix"):
            continue
        for edit in f["fix"]["edits"]:
            start, end = edit["location"]["row"], edit["end_location"]["row"]
            last = end if edit["end_location"]["column"] > 1 or end == start else end - 1
            rows.update(range(start, last + 1))
    return rows


def changed_outside(original: str, fixed: str, allowed: set[int]) -> list[int]:
    import difflib

    old, new = yaml_lines(original), yaml_lines(fixed)
    outside = []
    for op, i1, i2, _, _ in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op in ("replace", "delete"):
            outside += [r for r in range(i1 + 1, i2 + 1) if r not in allowed]
        elif op == "insert" and not ({i1, i1 + 1} & allowed) and i1 < len(old) - 1:
            outside.append(i1 + 1)
    return outside


def write_report(args, counts: dict, kinds: dict, problems: list, started: float) -> dict:
    """The figures so far, written after every batch (an interrupted campaign keeps its counts)."""
    report = {"machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
              "seed": args.seed, "seconds": round(time.monotonic() - started), "limits": {
                  "seconds_per_run": args.seconds, "memory_gib_per_run": args.memory_gib},
              "counts": counts, "inputs_by_kind": kinds, "problems": problems}
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--seconds", type=int, default=300, help="time limit of one run")
    parser.add_argument("--memory-gib", type=float, default=3.0, help="address-space limit of one run")
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--out", type=Path, default=HERE / "fuzz-report.json")
    args = parser.parse_args()
    corpus = corpus_files(args.corpus)
    if not corpus:
        print(f"no corpus files under {args.corpus}", file=sys.stderr)
        return 2
    rng = random.Random(args.seed)
    memory = int(args.memory_gib * 2**30)
    work = Path(tempfile.mkdtemp(prefix="sftlint-fuzz-"))
    site = work / "site"
    site.mkdir()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(site)]), NO_COLOR="1",
               XDG_CACHE_HOME=str(work / "cache"))
    counts = {"inputs": 0, "runs": 0, "batches": 0, "internal_errors": 0, "hangs": 0, "leaks": 0,
              "patch_mismatches": 0, "files_changed_outside_reported_lines": 0, "files_fixed": 0,
              "diffs_masked_not_applied": 0, "plugin_batches": 0, "e999_worker_deaths": 0, "memory_errors": 0}
    kinds: dict[str, int] = {}
    problems: list[dict] = []
    started = time.monotonic()
    batch_no = 0
    try:
        while counts["inputs"] < args.inputs:
            size = min(args.batch, args.inputs - counts["inputs"])
            batch = make_batch(rng, work / f"b{batch_no:03d}", size, corpus, site, batch_no)
            batch_no += 1
            counts["batches"] += 1
            counts["inputs"] += size
            counts["plugin_batches"] += batch.plugin is not None
            for kind in batch.kinds.values():
                top = kind.split("/")[0]
                kinds[top] = kinds.get(top, 0) + 1
            outputs: list[tuple[str, str, str]] = []

            def note(what: str, detail: str) -> None:
                if len(problems) < 200:
                    problems.append({"batch": batch.folder.name, "plugin": batch.plugin, "what": what,
                                     "detail": detail[:400]})

            def checked(label: str, argv: list[str], cwd: Path) -> tuple[int | None, str, str]:
                rc, out, err, _ = run(argv, cwd, env, args.seconds, memory)
                counts["runs"] += 1
                outputs.append((label, out, err))
                if rc is None:
                    counts["hangs"] += 1
                    note("hang", f"{label}: {argv}")
                elif rc not in (0, 1, 2) or "Traceback" in err or "internal error" in err:
                    counts["internal_errors"] += 1
                    note("internal error", f"{label} rc={rc}: {err[-300:]}")
                if "MemoryError" in out + err:
                    counts["memory_errors"] += 1
                return rc, out, err

            rc, out, err = checked("json", ["check", ".", "--output-format", "json", "--select", "ALL"], batch.folder)
            try:
                findings = json.loads(out) if out.strip() else []
            except json.JSONDecodeError:
                findings = []
                counts["internal_errors"] += 1
                note("stdout is not JSON", out[:200] + err[-200:])
            for f in findings:
                if f["code"] == "E999":
                    if "worker process" in f["message"]:
                        counts["e999_worker_deaths"] += 1
                    counts["internal_errors"] += 1
                    note("E999", f"{f['filename']}: {f['message']} ({batch.kinds.get(Path(f['filename']).name)})")
            if batch_no % 4 == 1 or batch.tokens:
                checked("full", ["check", ".", "--output-format", "full", "-v"], batch.folder)
            if batch_no % 4 == 1:
                checked("sarif", ["check", ".", "--output-format", "sarif"], batch.folder)
            rc, diff, derr = checked("diff", ["check", ".", "--diff", "--unsafe-fixes"], batch.folder)
            masked = set(re.findall(r"warning: (\S+): the diff masks", derr))
            fixed_dir = work / (batch.folder.name + "-fixed")
            patched_dir = work / (batch.folder.name + "-patched")
            for target in (fixed_dir, patched_dir):
                copy_folder(batch.folder, target)
            checked("fix", ["check", ".", "--fix", "--unsafe-fixes"], fixed_dir)
            if diff.strip():
                subprocess.run(["patch", "-p1", "-s", "-f", "--no-backup-if-mismatch", "-r", "-"], cwd=patched_dir,
                               input=diff.encode("utf-8"), capture_output=True, timeout=120)
            for path in sorted(batch.folder.iterdir()):
                if path.is_symlink() or not path.is_file() or path.suffix not in (".yaml", ".yml", ".json"):
                    continue
                before = path.read_bytes()
                fixed = (fixed_dir / path.name).read_bytes()
                if fixed == before:
                    continue
                counts["files_fixed"] += 1
                if path.name in masked:
                    counts["diffs_masked_not_applied"] += 1
                elif (patched_dir / path.name).read_bytes() != fixed:
                    counts["patch_mismatches"] += 1
                    note("patch mismatch", path.name + " " + batch.kinds.get(path.name, ""))
                original = before.decode("utf-8-sig", "replace")
                outside = changed_outside(original, fixed.decode("utf-8-sig", "replace"), fix_rows(findings, path.name))
                if outside:
                    counts["files_changed_outside_reported_lines"] += 1
                    note("changed outside reported lines", f"{path.name} rows {outside[:5]} ({batch.kinds.get(path.name)})")
            sample = [p for p in sorted(batch.folder.iterdir()) if p.suffix in (".yaml", ".yml") and not p.is_symlink()
                      and p.is_file()]
            for path in rng.sample(sample, min(2, len(sample))):
                checked("plan", ["plan", path.name], batch.folder)
                checked("plan-json", ["plan", path.name, "--output-format", "json"], batch.folder)
            for label, out, err in outputs:
                for token in batch.tokens:
                    if token in out or token in err or core(token) in out or core(token) in err:
                        counts["leaks"] += 1
                        note("leak", f"{label}: {token[:6]}... in output")
            shutil.rmtree(fixed_dir)
            shutil.rmtree(patched_dir)
            shutil.rmtree(batch.folder)
            write_report(args, counts, kinds, problems, started)
            elapsed = time.monotonic() - started
            print(f"[{elapsed:7.0f}s] {counts['inputs']:6d} inputs, {counts['runs']} runs: "
                  f"{counts['internal_errors']} internal errors, {counts['hangs']} hangs, {counts['leaks']} leaks, "
                  f"{counts['patch_mismatches']} patch mismatches, {counts['files_changed_outside_reported_lines']} "
                  "changed outside", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report = write_report(args, counts, kinds, problems, started)
    print(json.dumps({k: v for k, v in report.items() if k != "problems"}, indent=1))
    bad = counts["internal_errors"] + counts["hangs"] + counts["leaks"] + counts["patch_mismatches"] + \
        counts["files_changed_outside_reported_lines"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
