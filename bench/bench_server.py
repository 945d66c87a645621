"""Time the language server as an editor meets it, beside a cold ``sftlint check`` of the same file.

    python bench/bench_server.py [CONFIG] [--edits 200] [--cold 21]

A client (pygls's) starts ``python -m sftlint server`` over stdio, opens the config and makes
``--edits`` edits one after another, each a real change of a value (the epochs, the learning rate,
the warmup), timing each from sending its ``didChange`` to receiving the ``publishDiagnostics`` of
that version. Then it times hovers on the run-shape keys and completions of keys and of closed-set
values. Between blocks of edits it runs ``sftlint check CONFIG`` in a fresh process, so the cold
command and the warm server are measured in the same minutes of a shared machine.

The config defaults to a 58-line axolotl QLoRA example of the shared corpus, with a
``# sftlint: num-examples=2000`` line added and ``sample_packing`` off, so that the plan has its
full length and a learning-rate curve of every step (the costlier case: with packing on, or no
dataset size, the plan stops at the batch). Times are wall-clock seconds seen by the client: they include the
JSON-RPC round trip over the pipes, the client's own decoding and the server's lint and plan.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO.parent / "shared" / "corpus" / "axolotl" / "examples" / "mistral4" / "qlora-text.yml"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def ms(values: list[float]) -> str:
    return (f"median {statistics.median(values) * 1000:.1f} ms, p99 {percentile(values, 99) * 1000:.1f} ms, "
            f"min {min(values) * 1000:.1f} ms")


def cold_check(path: Path, env: dict) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sftlint", "check", str(path)], cwd=path.parent, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def variants(text: str) -> list[str]:
    """Edited versions of the config: each changes one value a user tunes."""
    out = []
    for epochs in (1, 2, 3):
        for lr in ("0.0002", "0.0001", "2e-4", "0.00005"):
            for warmup in ("0.1", "0.03", "0.05"):
                out.append(text.replace("num_epochs: 1", f"num_epochs: {epochs}")
                           .replace("learning_rate: 0.0002", f"learning_rate: {lr}")
                           .replace("warmup_ratio: 0.1", f"warmup_ratio: {warmup}"))
    return out


def find(text: str, needle: str, offset: int = 0) -> types.Position:
    index = text.index(needle) + offset
    line = text.count("\n", 0, index)
    return types.Position(line, index - (text.rfind("\n", 0, index) + 1))


async def measure(path: Path, edits: int, cold_rounds: int, env: dict) -> dict:
    client = LanguageClient("bench", "1")
    published: dict[int, float] = {}
    waiting: dict[int, asyncio.Future] = {}

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def _diagnostics(params: types.PublishDiagnosticsParams) -> None:
        published[params.version] = time.perf_counter()
        future = waiting.pop(params.version, None)
        if future is not None and not future.done():
            future.set_result(None)

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def _register(params) -> None:
        return None

    started = time.perf_counter()
    await client.start_io(sys.executable, "-m", "sftlint", "server", cwd=str(path.parent), env=env)
    await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities(),
                                                         root_uri=from_fs_path(str(path.parent))))
    client.initialized(types.InitializedParams())
    uri = from_fs_path(str(path))
    text = path.read_text(encoding="utf-8")
    loop = asyncio.get_running_loop()
    waiting[1] = loop.create_future()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri=uri, language_id="yaml", version=1, text=text)))
    await waiting[1] if 1 in waiting else None
    first = time.perf_counter() - started

    edit_times: list[float] = []
    cold_times: list[float] = []
    texts = variants(text)
    block = max(1, edits // max(cold_rounds, 1))
    version = 1
    current = text
    for n in range(edits):
        new = texts[n % len(texts)]
        if new == current:
            new = texts[(n + 1) % len(texts)]
        version += 1
        lines = current.split("\n")
        future = waiting[version] = loop.create_future()
        sent = time.perf_counter()
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            [types.TextDocumentContentChangePartial(
                range=types.Range(types.Position(0, 0), types.Position(len(lines) - 1, len(lines[-1]))), text=new)]))
        await asyncio.wait_for(future, 30)
        edit_times.append(published[version] - sent)
        current = new
        if n % block == block - 1 and len(cold_times) < cold_rounds:
            cold_times.append(await loop.run_in_executor(None, cold_check, path, env))
    while len(cold_times) < cold_rounds:
        cold_times.append(await loop.run_in_executor(None, cold_check, path, env))

    hover_times: list[float] = []
    hover_at = [find(current, key) for key in ("warmup_ratio", "learning_rate", "micro_batch_size", "num_epochs",
                                               "lora_r", "gradient_accumulation_steps", "lr_scheduler")]
    for n in range(edits):
        sent = time.perf_counter()
        answer = await client.text_document_hover_async(types.HoverParams(
            types.TextDocumentIdentifier(uri), hover_at[n % len(hover_at)]))
        hover_times.append(time.perf_counter() - sent)
        assert answer is not None
    completion_times: list[float] = []
    at_key = find(current, "lora_dropout", 6)  # key completion, "lora_d|"
    at_value = find(current, "lr_scheduler: cosine", len("lr_scheduler: co"))  # a closed set of values
    for n in range(edits):
        sent = time.perf_counter()
        answer = await client.text_document_completion_async(types.CompletionParams(
            types.TextDocumentIdentifier(uri), at_key if n % 2 else at_value))
        completion_times.append(time.perf_counter() - sent)
        assert answer is not None and answer.items
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return {"first": first, "edits": edit_times, "cold": cold_times, "hover": hover_times,
            "completion": completion_times, "lines": text.count("\n") + 1}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("config", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--cold", type=int, default=21, help="cold 'sftlint check' runs, spread over the edits")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="sftlint-bench-"))
    try:
        path = folder / args.config.name
        text = args.config.read_text(encoding="utf-8")
        if args.config == DEFAULT:
            text = "# sftlint: num-examples=2000\n" + text.replace("sample_packing: true", "sample_packing: false")
        path.write_text(text, encoding="utf-8")
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p))
        result = asyncio.run(measure(path, args.edits, args.cold, env))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {load:.1f} at the end")
    print(f"config: {args.config.name}, {result['lines']} lines")
    print(f"server start to first diagnostics: {result['first'] * 1000:.0f} ms")
    print(f"didChange -> publishDiagnostics, {len(result['edits'])} edits: {ms(result['edits'])}")
    print(f"cold 'sftlint check', {len(result['cold'])} runs: {ms(result['cold'])}")
    print(f"hover, {len(result['hover'])} requests: {ms(result['hover'])}")
    print(f"completion, {len(result['completion'])} requests: {ms(result['completion'])}")


if __name__ == "__main__":
    main()
