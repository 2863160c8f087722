"""Robustness of the real command lines: hostile inputs, kills and concurrent sweeps.

Usage: ``python -m benchmarks.robustness_cli --out benchmarks/results/robustness_cli.json``
(also writes the ``.md`` beside it). Where :mod:`benchmarks.robustness` fuzzes Python objects
in-process, this drives ``python -m archgraph``, ``contrastive.train``, ``contrastive.label``,
``predictor.train`` and ``predictor.search`` in subprocesses, each under a timeout:

* nested JSON (100k ``[``) as an arch file and a config file; duplicate keys; a 5000-digit
  int; a 10 MB key; ``[]``;
* typed ``--config`` values (``{"index": 0.5}``, ``{"file": 123}``, ``{"n": 1.5}``, ...);
* unbounded inputs: ``/dev/zero`` and a fifo as an arch or config file, ``sample -n 1e8``;
* tampered checkpoints: meta a list, no ``space``, a task without ``windows``,
  ``width=1e7``, ``depth="3"``, ``dims="ab"``, a missing weight, NaN weights, an edited sidecar;
* foreign and corrupted stores: garbage, truncated, a corrupted page, a directory, another
  program's SQLite file, ``schema_version=99``, ``metrics='[1,2]'`` (each file's bytes are
  compared before and after);
* ``kill -9`` of ``contrastive.label --workers 2`` (a real pool, the real label function at a
  tiny budget): processes of the killed sweep still alive 10 s later;
* two ``contrastive.label --workers 1`` sweeps on one store at once: label and reference
  computations counted (by :func:`counted_label`), duplicates reported.

A case is *clean* when the command exits 1 or 2 with no traceback on stderr, a message that
names the file, and no file it was refused to modify changed.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import report
from cliconfig import option, parse, run_main

ROOT = Path(__file__).resolve().parents[1]
COUNT_ENV = "CTSNAS_BENCH_COUNT"


@dataclass
class Config:
    """Robustness of the real command lines, each in a subprocess."""

    timeout: float = option(240.0, "seconds per command")
    parallel: int = option(2, "commands at once")
    sweep_archs: int = option(6, "archs per sweep")
    budget: int = option(3, "training steps a label")
    per_category: int = option(0, "run only the first N cases of each category (0: all)")
    out: str = option(
        "benchmarks/results/robustness_cli.json", "the JSON file to write (and .md beside it)"
    )


# -- label functions that count their computations (imported by reference in the workers) ---


def _count(what: str) -> None:
    path = os.environ.get(COUNT_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(what + "\n")


def counted_label(arch: dict, task: Any, cfg: Any) -> dict:
    """``contrastive.protocol.label``, appending one line per computation to ``$CTSNAS_BENCH_COUNT``."""
    import archgraph
    from contrastive.protocol import label

    _count(f"label {archgraph.arch_hash(arch)} {task.name} {cfg.steps} {cfg.seed}")
    return label(arch, task, cfg)


def counted_references(task: Any, cfg: Any) -> dict:
    """``contrastive.train.references``, counted like :func:`counted_label`."""
    from contrastive.references import references

    _count(f"references {task.name} {cfg.seed}")
    return references(task, cfg)


# -- running one command ---------------------------------------------------------------------


def run_case(case: dict, timeout: float, cwd: Path) -> dict:
    """Run ``case["cmd"]`` and classify it (see the module docstring)."""
    watched = [Path(p) for p in case.get("unchanged", [])]
    before = {str(p): _digest(p) for p in watched}
    t0 = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        proc = subprocess.run(
            [sys.executable, "-m", *case["cmd"]],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        rc, err = proc.returncode, proc.stderr
    except subprocess.TimeoutExpired as exc:
        rc = None
        err = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else ""
    seconds = time.perf_counter() - t0
    last = [line for line in err.strip().splitlines() if line.strip()][-1:] or [""]
    changed = [p for p, d in before.items() if _digest(Path(p)) != d]
    named = case.get("names", "") in err
    traceback = "Traceback (most recent call last)" in err
    if rc is None:
        outcome = "timeout"
    elif traceback:
        outcome = "traceback"
    elif rc in (1, 2) and named and not changed:
        outcome = "clean"
    elif rc == 0:
        outcome = "exit 0"
    else:
        outcome = "unclear"
    return {
        "category": case["category"],
        "case": case["case"],
        "command": "python -m " + " ".join(case["cmd"]),
        "exit": rc,
        "outcome": outcome,
        "names_file": named,
        "changed_files": changed,
        "message": last[0][:300],
        "seconds": round(seconds, 1),
    }


def _digest(path: Path) -> str | None:
    import hashlib

    if not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- the hostile inputs ----------------------------------------------------------------------


def _write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _tiny_csv(folder: Path) -> str:
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3)).cumsum(0)
    lines = ["a,b,c"] + [",".join(f"{v:.5f}" for v in row) for row in x]
    return _write(folder, "tiny.csv", "\n".join(lines) + "\n")


def _checkpoints(folder: Path) -> dict[str, str]:
    """Tampered copies of the shipped comparator, by case name."""
    import torch

    shipped = ROOT / "predictor" / "checkpoints" / "default.pt"
    out = {}

    def drop(mapping: dict, key: Any) -> None:
        del mapping[key]

    def make(name: str, change: Any) -> None:
        blob = torch.load(shipped, map_location="cpu", weights_only=True)
        meta = json.loads(blob["meta"])
        replaced = change(blob, meta)
        blob["meta"] = replaced if replaced is not None else json.dumps(meta)
        path = folder / f"{name}.pt"
        torch.save(blob, path)
        out[name] = str(path)

    make("meta_list", lambda b, m: "[1, 2]")
    make("no_space", lambda b, m: drop(m, "space"))

    def no_windows(b: dict, m: dict) -> None:
        if not b["tasks"]:  # a comparator without task fusion ships no task table: craft one
            s, w = m["dims"]
            b["tasks"]["crafted"] = {"stats": torch.zeros(s), "pooled": torch.zeros(w)}
        else:
            drop(next(iter(b["tasks"].values())), "windows")

    make("task_without_windows", no_windows)
    make("width_1e7", lambda b, m: m["config"].update(width=1e7))
    make("width_10M_int", lambda b, m: m["config"].update(width=10**7))
    make("depth_str", lambda b, m: m["config"].update(depth="3"))
    make("dims_str", lambda b, m: m.update(dims="ab"))
    make("missing_weight", lambda b, m: drop(b["state_dict"], sorted(b["state_dict"])[0]))

    def nan(b: dict, m: dict) -> None:
        for k, v in b["state_dict"].items():
            if v.is_floating_point():
                b["state_dict"][k] = torch.full_like(v, float("nan"))

    make("nan_weights", nan)
    make("edited_sidecar", lambda b, m: None)
    side = json.loads((ROOT / "predictor" / "checkpoints" / "default.pt.json").read_text())
    Path(out["edited_sidecar"] + ".json").write_text(json.dumps({**side, "dims": [13, 0]}))
    return out


def _stores(folder: Path) -> dict[str, str]:
    """Broken and foreign store files, by case name."""
    from contrastive.store import Key, LabelStore

    good = folder / "good.sqlite"
    with LabelStore(good) as s:
        for i in range(40):
            s.put(Key(f"h{i:03d}", "t", 10, 0), {"pad": "x" * 300}, {"label": i / 10})
    data = good.read_bytes()
    out = {}
    p = folder / "garbage.sqlite"
    p.write_bytes(b"not a database " * 100)
    out["garbage"] = str(p)
    p = folder / "truncated.sqlite"
    p.write_bytes(data[: len(data) // 3])
    out["truncated"] = str(p)
    p = folder / "corrupted_page.sqlite"
    p.write_bytes(data[: 3 * 4096] + b"\xff" * 4096 + data[4 * 4096 :])
    out["corrupted_page"] = str(p)
    p = folder / "a_directory.sqlite"
    p.mkdir()
    out["directory"] = str(p)
    p = folder / "foreign.sqlite"
    con = sqlite3.connect(p)
    con.execute("CREATE TABLE people (name TEXT)")
    con.commit()
    con.close()
    out["foreign"] = str(p)
    for name, sql in (
        ("schema_99", "UPDATE meta SET value = '99' WHERE key = 'schema_version'"),
        ("metrics_list", "UPDATE labels SET metrics = '[1,2]'"),
    ):
        p = folder / f"{name}.sqlite"
        p.write_bytes(data)
        con = sqlite3.connect(p)
        con.execute(sql)
        con.commit()
        con.close()
        out[name] = str(p)
    return out


def cases(folder: Path) -> list[dict]:
    """Every single-command case (the kill and concurrency checks are separate)."""
    csv = _tiny_csv(folder)
    deep = _write(folder, "deep.json", "[" * 100_000)
    fifo = folder / "fifo.json"
    os.mkfifo(fifo)
    out: list[dict] = []

    def add(category: str, case: str, cmd: list[str], names: str, unchanged=()) -> None:
        out.append(
            {
                "category": category,
                "case": case,
                "cmd": cmd,
                "names": names,
                "unchanged": list(unchanged),
            }  # fmt: skip
        )

    for sub in ("validate", "encode", "draw"):
        add("nested_json", f"archgraph {sub}", ["archgraph", sub, deep], deep)
    add("nested_json", "contrastive.train --arch", ["contrastive.train", "--arch", deep,
        "--data", csv], deep)  # fmt: skip
    add("nested_json", "contrastive.label --archs", ["contrastive.label", "--archs", deep,
        "--data", csv, "--store", str(folder / "n.sqlite"), "--no-progress"], deep)  # fmt: skip
    add("nested_json", "config", ["archgraph", "sample", "--config", deep], deep)
    for name, text in (
        ("duplicate_keys", '{"a": 1, "a": 2}'),
        ("int_5000_digits", '{"a": ' + "9" * 5000 + "}"),
        ("key_10MB", '{"' + "k" * 10**7 + '": 1}'),
        ("empty_list", "[]"),
    ):
        path = _write(folder, f"{name}.json", text)
        add("json_messages", name, ["archgraph", "validate", path], path)
    for name, cmd, cfg in (
        ("index_float", "draw", {"index": 0.5}),
        ("index_list", "draw", {"index": [1]}),
        ("file_int", "draw", {"file": 123}),
        ("output_int", "draw", {"output": 5}),
        ("n_float", "sample", {"n": 1.5}),
    ):
        path = _write(folder, f"cfg_{name}.json", json.dumps(cfg))
        add("typed_config", f"archgraph {cmd} {cfg}", ["archgraph", cmd, "--config", path], path)
    path = _write(folder, "cfg_workers.json", json.dumps({"workers": "two", "data": csv}))
    add("typed_config", "contrastive.label {'workers': 'two'}", ["contrastive.label",
        "--config", path], path)  # fmt: skip
    path = _write(folder, "cfg_epochs.json", json.dumps({"epochs": [3]}))
    add("typed_config", "predictor.train {'epochs': [3]}", ["predictor.train", "--config",
        path], path)  # fmt: skip
    add("unbounded", "archgraph validate /dev/zero", ["archgraph", "validate", "/dev/zero"],
        "/dev/zero")  # fmt: skip
    add("unbounded", "archgraph validate fifo", ["archgraph", "validate", str(fifo)], str(fifo))
    add("unbounded", "--config /dev/zero", ["archgraph", "sample", "--config", "/dev/zero"],
        "/dev/zero")  # fmt: skip
    add("unbounded", "contrastive.label --archs /dev/zero", ["contrastive.label", "--archs",
        "/dev/zero", "--data", csv, "--store", str(folder / "z.sqlite")], "/dev/zero")  # fmt: skip
    add("unbounded", "archgraph sample -n 100000000", ["archgraph", "sample", "-n",
        "100000000"], "-n")  # fmt: skip
    for name, path in _checkpoints(folder).items():
        add("checkpoint_meta", name, ["predictor.search", "--checkpoint", path, "--data", csv,
            "--n", "20", "--top", "3", "--out-dir", str(folder / "search")], path)  # fmt: skip
    for name, path in _stores(folder).items():
        add("stores", f"predictor.train {name}", ["predictor.train", "--store", path, "--out",
            str(folder / "pt"), "--tiny"], path, [path])  # fmt: skip
        if name not in ("garbage", "foreign", "schema_99", "directory"):
            continue  # the same opening code; a few through the sweep CLI are enough
        add("stores", f"contrastive.label {name}", ["contrastive.label", "--data", csv,
            "--store", path, "--n-archs", "1", "--budget", "1", "--no-progress",
            "--no-references"], path, [path])  # fmt: skip
    return out


# -- kill -9 with a real pool, and concurrent sweeps -----------------------------------------


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d.name))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _sweep_cmd(csv: str, db: Path, cfg: Config, workers: int, n_archs: int) -> list[str]:
    return [
        sys.executable, "-m", "contrastive.label", "--data", csv, "--task-name", "tiny",
        "--n-archs", str(n_archs), "--seed", "0", "--budget", str(cfg.budget), "--store",
        str(db), "--workers", str(workers), "--no-progress", "--label-fn",
        "benchmarks.robustness_cli:counted_label", "--references-fn",
        "benchmarks.robustness_cli:counted_references",
    ]  # fmt: skip


def kill_with_pool(folder: Path, cfg: Config) -> dict:
    """``kill -9`` of a ``--workers 2`` sweep once its pool runs; its processes alive 10 s later."""
    csv = str(folder / "tiny.csv")
    db = folder / "kill.sqlite"
    env = {**os.environ, "PYTHONPATH": str(ROOT), COUNT_ENV: str(folder / "kill_count.txt")}
    proc = subprocess.Popen(
        _sweep_cmd(csv, db, cfg, 2, 40), cwd=folder, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    procs: list[int] = []
    deadline = time.monotonic() + cfg.timeout
    while time.monotonic() < deadline and proc.poll() is None:
        procs = sorted(set(procs) | set(_descendants(proc.pid)))
        if len(procs) >= 4 and (folder / "kill_count.txt").exists():  # server, tracker, 2 workers
            break
        time.sleep(0.2)
    time.sleep(1.0)
    procs = sorted(set(procs) | set(_descendants(proc.pid)))
    still_running = proc.poll() is None
    os.kill(proc.pid, signal.SIGKILL)  # the driver only, as a crash or the OOM killer would
    proc.wait()
    time.sleep(10.0)
    leaked = [p for p in procs if _alive(p)]
    for p in leaked:  # do not leave them behind this benchmark
        os.kill(p, signal.SIGKILL)
    return {
        "command": " ".join(_sweep_cmd("tiny.csv", Path("kill.sqlite"), cfg, 2, 40)[1:]),
        "killed_while_running": still_running,
        "processes_of_the_sweep": len(procs),
        "leaked_after_10s": len(leaked),
    }


def concurrent_sweeps(folder: Path, cfg: Config) -> dict:
    """Two sweeps of the same grid on one store at once: computations counted."""
    csv = str(folder / "tiny.csv")
    db = folder / "shared.sqlite"
    count = folder / "shared_count.txt"
    env = {**os.environ, "PYTHONPATH": str(ROOT), COUNT_ENV: str(count)}
    t0 = time.perf_counter()
    procs = [
        subprocess.Popen(
            _sweep_cmd(csv, db, cfg, 1, cfg.sweep_archs),
            cwd=folder,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=cfg.timeout * 2) for p in procs]
    lines = count.read_text().splitlines() if count.exists() else []
    per = Counter(lines)
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        rows = con.execute("SELECT COUNT(*) FROM labels WHERE status = 'ok'").fetchone()[0]
    return {
        "command": "2 x "
        + " ".join(
            _sweep_cmd("tiny.csv", Path("shared.sqlite"), cfg, 1, cfg.sweep_archs)[1:]
        ),  # fmt: skip
        "exit_codes": [p.returncode for p in procs],
        "tracebacks": sum("Traceback (most recent call last)" in e for _, e in outs),
        "rows_ok": rows,
        "label_computations": sum(1 for k in lines if k.startswith("label")),
        "reference_computations": sum(1 for k in lines if k.startswith("references")),
        "duplicated_computations": sum(n - 1 for n in per.values() if n > 1),
        "summaries": [o.strip().splitlines()[-1:] for o, _ in outs],
        "seconds": round(time.perf_counter() - t0, 1),
    }


# -- the run ---------------------------------------------------------------------------------


def scrub(obj: Any, folder: str) -> Any:
    """``obj`` with the scratch ``folder`` written as ``<tmp>`` in every string (result files
    name no path of the machine that made them)."""
    if isinstance(obj, str):
        return obj.replace(folder, "<tmp>")
    if isinstance(obj, dict):
        return {k: scrub(v, folder) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [scrub(v, folder) for v in obj]
    return obj


def run(cfg: Config) -> dict:
    with tempfile.TemporaryDirectory(prefix="robust-cli-") as tmp:
        folder = Path(tmp)
        all_cases = cases(folder)
        if cfg.per_category:  # a sample: the first cases of each category
            seen: Counter = Counter()
            picked = []
            for c in all_cases:
                seen[c["category"]] += 1
                if seen[c["category"]] <= cfg.per_category:
                    picked.append(c)
            all_cases = picked
        t0 = time.perf_counter()
        with ThreadPoolExecutor(cfg.parallel) as pool:
            results = list(pool.map(lambda c: run_case(c, cfg.timeout, folder), all_cases))
        kill = kill_with_pool(folder, cfg)
        shared = concurrent_sweeps(folder, cfg)
        wall = time.perf_counter() - t0
        results, kill, shared = scrub([results, kill, shared], str(folder))
    outcomes = Counter(r["outcome"] for r in results)
    by_cat: dict[str, Counter] = {}
    for r in results:
        by_cat.setdefault(r["category"], Counter())[r["outcome"]] += 1
    return {
        "command": "python -m benchmarks.robustness_cli"
        + (f" --per-category {cfg.per_category}" if cfg.per_category else "")
        + f" --parallel {cfg.parallel} --out {cfg.out}",
        "machine": report.machine(),
        "config": cfg.__dict__,
        "summary": {
            "cases": len(results),
            "outcomes": dict(outcomes),
            "uncaught_tracebacks": outcomes["traceback"] + shared["tracebacks"],
            "timeouts": outcomes["timeout"],
            "not_clean": [
                f"{r['category']}/{r['case']}: {r['outcome']}"
                for r in results
                if r["outcome"] != "clean"
            ],  # fmt: skip
            "leaked_processes_10s_after_kill": kill["leaked_after_10s"],
            "duplicated_label_computations": shared["duplicated_computations"],
            "wall_seconds": round(wall, 1),
        },
        "by_category": {k: dict(v) for k, v in by_cat.items()},
        "kill_with_pool": kill,
        "concurrent_sweeps": shared,
        "cases": results,
    }


def markdown(doc: dict) -> str:
    """The report of a result document: the summary, then one row per case."""
    s = doc["summary"]
    m = doc["machine"]
    lines = [
        "# Robustness of the command lines (real CLIs in subprocesses)",
        "",
        f"Command: `{doc['command']}`  ",
        f"Machine: {m['platform']}, {m['cpus']} CPUs, Python {m['python']}, torch {m['torch']}, "
        f"load average {m['loadavg_1m']:.1f} at the start; wall {s['wall_seconds']} s.",
        "",
        f"- cases: {s['cases']}; outcomes: {s['outcomes']}",
        f"- uncaught tracebacks: **{s['uncaught_tracebacks']}**; timeouts: {s['timeouts']}",
        f"- processes of a `kill -9`'d `--workers 2` sweep alive 10 s later: "
        f"**{s['leaked_processes_10s_after_kill']}** (of "
        f"{doc['kill_with_pool']['processes_of_the_sweep']})",
        f"- two sweeps on one store at once: {doc['concurrent_sweeps']['rows_ok']} rows, "
        f"{doc['concurrent_sweeps']['label_computations']} label and "
        f"{doc['concurrent_sweeps']['reference_computations']} reference computations, "
        f"duplicated: **{s['duplicated_label_computations']}**; exit codes "
        f"{doc['concurrent_sweeps']['exit_codes']}",
        "",
    ]
    body = [
        [r["category"], r["case"], r["exit"], r["outcome"], r["message"].replace("|", "\\|")[:140]]
        for r in doc["cases"]
    ]
    lines += report.table(
        ["category", "case", "exit", "outcome", "message (last stderr line)"], body
    )
    if s["not_clean"]:
        lines += ["", "Not clean: " + "; ".join(s["not_clean"])]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    cfg = parse(Config, argv, prog="python -m benchmarks.robustness_cli", description=__doc__)
    if not sys.platform.startswith("linux"):
        print("error: this benchmark reads /proc (Linux only)", file=sys.stderr)
        return 1
    doc = run(cfg)
    report.write(Path(cfg.out).with_suffix(""), doc, markdown(doc), indent=2)
    print(json.dumps(doc["summary"], indent=2))
    return 0


if __name__ == "__main__":
    run_main(main)
