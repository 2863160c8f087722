"""Cost at width: memory estimates against measured peaks, and speed, at N = 8 .. 883 series.

Usage::

    python -m benchmarks.width --part memory --out benchmarks/results/width_memory
    python -m benchmarks.width --part speed --out benchmarks/results/width_speed
    python -m benchmarks.width --part gpu --out benchmarks/results/width_gpu   # needs CUDA

* ``memory``: for each width of ``--widths`` (default 8, 64, 256, 883) a synthetic traffic task
  (:func:`contrastive.synthetic.synthetic_traffic`, ``--steps`` 5-minute steps, seed 0) and, for
  the TS2Vec-like preset and ``--archs`` sampled archs, one label
  (:func:`contrastive.protocol.label`, default protocol but ``--budget`` steps: a step's memory
  does not depend on how many there are) with its peak resident memory
  (:func:`contrastive.resources.peak_rss`) beside the estimate
  (:func:`contrastive.resources.label_bytes`); the ratio estimate / measured should stay within
  0.5 .. 2.
* ``speed``: (a) labels at N = 200, T = 8,760 (synthetic) at the default budget on
  ``--threads`` threads: wall and CPU seconds and peak memory, median over the preset and
  ``--archs`` sampled archs; (b) an 883-column, 28,000-row CSV (synthetic, PEMS07-sized):
  ``contrastive.data.from_csv`` (read and clean), task features and ranking ``--n`` archs with the
  shipped comparator, ``--repeats`` times (medians).
* ``gpu``: the speed-up of one label at ``--width`` series (default 883, T = ``--steps``) on
  ``--device`` (default ``cuda``) over the same label on the CPU with ``--threads`` threads, for
  the preset and ``--archs`` sampled archs at ``--gpu-steps`` training steps (default 30, the
  protocol's); a 1-step label on the device first pays its start-up. Both labels of an arch
  beside each other show how far the devices' numerics move the label. Without the device it
  exits 1 and writes nothing.

Every result file records the command, the machine (:func:`benchmarks.protocols.machine`) and
the load average before and after each timing: the numbers are noisy on a shared machine.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from benchmarks import report
from cliconfig import EXIT_ERROR, EXIT_OK, option, parse, run_main


@dataclass
class Config:
    """Many series (width N): memory estimates against measured peaks, and label speed."""

    part: Literal["memory", "speed", "csv", "gpu"] = option(
        "memory", "which measurement (csv: the speed part's CSV half alone; gpu: needs CUDA)"
    )
    widths: str = option("8,64,256,883", "comma-separated N (memory part)")
    steps: int = option(8640, "T of the memory tasks")
    budget: int = option(3, "training steps (memory part)")
    archs: int = option(3, "sampled archs besides the preset")
    threads: int = option(2, "torch threads (speed part)")
    n: int = option(20000, "archs to rank (speed part)")
    repeats: int = option(3, "repeats of each timing; medians reported")
    seed: int = option(0, "arch sampling seed")
    width: int = option(883, "N of the gpu part's synthetic task")
    device: str = option("cuda", "the gpu part's accelerator, timed against the CPU")
    gpu_steps: int = option(30, "training steps of the gpu part's labels (the protocol's 30)")
    out: str = option("benchmarks/results/width_memory", "output stem (.json and .md are written)")


def _archs(k: int, seed: int) -> list[tuple[str, dict]]:
    import archgraph
    from contrastive.presets import preset

    out = [("ts2vec preset", preset("ts2vec"))]
    out += [(archgraph.arch_hash(a), a) for a in archgraph.sample(k, seed=seed)]
    return out


def _synthetic_task(n: int, steps: int) -> Any:
    from contrastive.data import from_array
    from contrastive.synthetic import synthetic_traffic

    values, _, _ = synthetic_traffic(n, steps, seed=0)
    return from_array(values, f"synth_traffic_{n}_t{steps}", freq="5min")


def memory(cfg: Config) -> dict[str, Any]:
    from tqdm import tqdm

    from contrastive import resources as rs
    from contrastive.config import TrainConfig
    from contrastive.protocol import label

    rows = []
    widths = [int(w) for w in cfg.widths.split(",")]
    archs = _archs(cfg.archs, cfg.seed)
    bar = tqdm(total=len(widths) * len(archs), desc="labels", file=sys.stderr)
    for n in widths:
        task = _synthetic_task(n, cfg.steps)
        tcfg = TrainConfig(steps=cfg.budget, device="cpu", threads=1, max_memory_gb=0)
        for name, arch in archs:
            est = rs.label_bytes(arch, task.shape, tcfg)
            load0 = os.getloadavg()[0]
            rec, peak = rs.peak_rss(lambda a=arch, t=task, c=tcfg: label(a, t, c))
            rows.append(
                {
                    "n_series": n,
                    "steps": task.shape[0],
                    "arch": name,
                    "status": rec["status"],
                    "error": rec.get("error"),
                    "estimate_mib": est.total / 2**20,
                    "largest_part": est.largest()[0],
                    "peak_mib": None if peak is None else peak / 2**20,
                    "ratio": None if not peak else est.total / peak,
                    "seconds": rec["seconds"],
                    "node_subset": rec.get("node_subset"),
                    "probe_nodes": rec.get("probe_nodes"),
                    "loadavg_before": load0,
                    "loadavg_after": os.getloadavg()[0],
                }
            )
            bar.update()
    bar.close()
    ratios = [r["ratio"] for r in rows if r["ratio"]]
    return {
        "rows": rows,
        "ratio_min": min(ratios) if ratios else None,
        "ratio_max": max(ratios) if ratios else None,
        "within_2x": all(0.5 <= r <= 2.0 for r in ratios) if ratios else None,
    }


class NoDevice(RuntimeError):
    """The gpu part's ``--device`` is not available on this machine."""


def gpu(cfg: Config) -> dict[str, Any]:
    import torch
    from tqdm import tqdm

    from contrastive.config import TrainConfig
    from contrastive.protocol import label

    dev = torch.device(cfg.device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise NoDevice(f"--device {cfg.device}: no CUDA device on this machine")
    task = _synthetic_task(cfg.width, cfg.steps)
    archs = _archs(cfg.archs, cfg.seed)
    on_dev = TrainConfig(steps=cfg.gpu_steps, device=cfg.device)
    on_cpu = TrainConfig(steps=cfg.gpu_steps, device="cpu", threads=cfg.threads)
    warm = label(archs[0][1], task, TrainConfig(steps=1, device=cfg.device))  # start-up paid
    rows = []
    for name, arch in tqdm(archs, desc=f"N={cfg.width} labels", file=sys.stderr):
        if dev.type == "cuda":
            torch.cuda.reset_peak_memory_stats(dev)
        a = label(arch, task, on_dev)
        peak = torch.cuda.max_memory_allocated(dev) / 2**20 if dev.type == "cuda" else None
        load0 = os.getloadavg()[0]
        b = label(arch, task, on_cpu)
        both_ok = a["status"] == "ok" and b["status"] == "ok"
        rows.append(
            {
                "arch": name,
                "status": "ok" if both_ok else f"{a['status']} / {b['status']}",
                "device_seconds": a["seconds"],
                "device_train_seconds": a.get("train_seconds"),
                "device_peak_mib": peak,
                "cpu_seconds": b["seconds"],
                "cpu_train_seconds": b.get("train_seconds"),
                "speedup": b["seconds"] / a["seconds"] if both_ok else None,
                "label_device": a.get("label"),
                "label_cpu": b.get("label"),
                "cpu_loadavg_before": load0,
            }
        )
    ok = [r for r in rows if r["speedup"] is not None]
    return {
        "gpu": {
            "shape": list(task.shape),
            "device": cfg.device,
            "device_name": torch.cuda.get_device_name(dev) if dev.type == "cuda" else cfg.device,
            "budget": cfg.gpu_steps,
            "threads": cfg.threads,
            "warmup_seconds": warm["seconds"],
            "rows": rows,
            "median_speedup": _median([r["speedup"] for r in ok]) if ok else None,
            "median_device_seconds": _median([r["device_seconds"] for r in ok]) if ok else None,
            "median_cpu_seconds": _median([r["cpu_seconds"] for r in ok]) if ok else None,
        }
    }


def _median(xs: list[float]) -> float:
    return float(statistics.median(xs))


def speed(cfg: Config) -> dict[str, Any]:
    import torch
    from tqdm import tqdm

    from contrastive import resources as rs
    from contrastive.config import TrainConfig
    from contrastive.data import from_csv
    from contrastive.protocol import label
    from contrastive.synthetic import synthetic_traffic
    from predictor.comparator import Comparator
    from predictor.search import DEFAULT_CHECKPOINT, search
    from predictor.tasks import TaskFeaturizer

    out: dict[str, Any] = {}
    # (a) labels at N = 200, T = 8760, the default budget
    if cfg.part == "speed":
        task = _synthetic_task(200, 8760)
        tcfg = TrainConfig(device="cpu", threads=cfg.threads)
        labels = []
        for name, arch in tqdm(_archs(cfg.archs, cfg.seed), desc="N=200 labels", file=sys.stderr):
            load0 = os.getloadavg()[0]
            rec, peak = rs.peak_rss(lambda a=arch: label(a, task, tcfg))
            labels.append(
                {
                    "arch": name,
                    "status": rec["status"],
                    "seconds": rec["seconds"],
                    "cpu_seconds": rec["cpu_seconds"],
                    "train_seconds": rec.get("train_seconds"),
                    "peak_mib": None if peak is None else peak / 2**20,
                    "loadavg_before": load0,
                    "loadavg_after": os.getloadavg()[0],
                }
            )
        ok = [r for r in labels if r["status"] == "ok"]
        out["label_n200"] = {
            "shape": list(task.shape),
            "budget": tcfg.steps,
            "threads": cfg.threads,
            "node_subset": tcfg.node_subset,
            "probe_nodes": tcfg.probe_nodes,
            "rows": labels,
            "median_seconds": _median([r["seconds"] for r in ok]) if ok else None,
            "median_cpu_seconds": _median([r["cpu_seconds"] for r in ok]) if ok else None,
            "max_peak_mib": max(r["peak_mib"] or 0 for r in ok) if ok else None,
        }
    # (b) an 883-column, 28,000-row CSV: read + features + ranking
    torch.set_num_threads(cfg.threads)
    with tempfile.TemporaryDirectory() as tmp:
        import pandas as pd

        path = Path(tmp) / "pems07_like.csv"
        values, _, cols = synthetic_traffic(883, 28000, seed=0)
        frame = pd.DataFrame(values.round(1), columns=cols)
        frame.insert(0, "time", pd.date_range("2024-01-01", periods=len(values), freq="5min"))
        frame.to_csv(path, index=False)
        size = path.stat().st_size
        comp = Comparator.load(DEFAULT_CHECKPOINT)
        csv_estimate = rs.csv_bytes(path).total
        _, csv_peak = rs.peak_rss(lambda: from_csv(path))
        reads, feats, ranks, loads = [], [], [], []
        for _ in tqdm(range(cfg.repeats), desc="883-column CSV", file=sys.stderr):
            loads.append(os.getloadavg()[0])
            t0 = time.perf_counter()
            raw = from_csv(path)
            t1 = time.perf_counter()
            # a fresh featurizer each time: the first one would serve repeats from its cache
            f = TaskFeaturizer(comp.featurizer.embedder if comp.featurizer else None).features(raw)
            t2 = time.perf_counter()
            _, timings = search(comp, f, cfg.n, 10, cfg.seed)
            t3 = time.perf_counter()
            reads.append(t1 - t0)
            feats.append(t2 - t1)
            ranks.append(t3 - t2)
        out["csv_883"] = {
            "rows": 28000,
            "columns": 883,
            "file_mib": size / 2**20,
            "csv_estimate_mib": csv_estimate / 2**20,
            "csv_peak_mib": None if csv_peak is None else csv_peak / 2**20,
            "shape_after_cleaning": list(raw.shape),
            "n_archs": cfg.n,
            "read_clean_s": reads,
            "features_s": feats,
            "rank_s": ranks,
            "median_read_clean_s": _median(reads),
            "median_total_s": _median(
                [a + b + c for a, b, c in zip(reads, feats, ranks, strict=True)]
            ),
            "loadavg": loads,
        }
    return out


def markdown(doc: dict[str, Any]) -> str:
    lines = [f"# Width benchmark: {doc['config']['part']}", "", f"Command: `{doc['command']}`", ""]
    m = doc["machine"]
    lines += [
        f"Machine: {m['platform']}, {m['cpus']} CPUs, torch {m['torch']}, load average (1 min) "
        f"at the start {m['loadavg_1m']:.2f}. Timings on a shared machine are noisy.",
        "",
    ]
    res = doc["result"]
    if doc["config"]["part"] == "memory":
        body = [
            [r["n_series"], r["steps"], r["arch"], r["status"], f"{r['estimate_mib']:.0f}"]
            + ["-" if r["peak_mib"] is None else f"{r['peak_mib']:.0f}"]
            + ["-" if r["ratio"] is None else f"{r['ratio']:.2f}", r["largest_part"]]
            + [r["node_subset"], r["probe_nodes"], f"{r['seconds']:.1f}"]
            + [f"{r['loadavg_before']:.1f}"]
            for r in res["rows"]
        ]
        head = ["N", "T", "arch", "status", "estimate MiB", "measured peak MiB"]
        head += ["estimate / peak", "largest part", "S", "M", "s", "load"]
        lines += report.table(head, body)
        lines += [
            "",
            f"Estimate / peak: {res['ratio_min']:.2f} .. {res['ratio_max']:.2f}; within 2x: "
            f"{res['within_2x']}.",
        ]
    elif "label_n200" in res:
        a = res["label_n200"]
        lines += [
            f"## One label at N = 200, T = {a['shape'][0]} (synthetic), budget {a['budget']}, "
            f"{a['threads']} threads, S = {a['node_subset']}, M = {a['probe_nodes']}",
            "",
        ]
        body = [
            [r["arch"], r["status"], f"{r['seconds']:.1f}", f"{r['cpu_seconds']:.1f}"]
            + [f"{(r['train_seconds'] or 0):.1f}", f"{(r['peak_mib'] or 0):.0f}"]
            + [f"{r['loadavg_before']:.1f} / {r['loadavg_after']:.1f}"]
            for r in a["rows"]
        ]
        head = ["arch", "status", "wall s", "CPU s", "train s", "peak MiB"]
        lines += report.table([*head, "load before / after"], body)
        lines += [
            "",
            f"Median wall {a['median_seconds']:.1f} s (goal <= 60 s), median CPU "
            f"{a['median_cpu_seconds']:.1f} s, largest peak {a['max_peak_mib']:.0f} MiB "
            "(goal <= 4 GiB).",
            "",
        ]
    if "gpu" in res:
        g = res["gpu"]
        lines += [
            f"## One label at N = {g['shape'][1]}, T = {g['shape'][0]} (synthetic), budget "
            f"{g['budget']}: {g['device_name']} vs the CPU on {g['threads']} threads",
            "",
        ]
        body = [
            [r["arch"], r["status"], f"{r['cpu_seconds']:.1f}", f"{r['device_seconds']:.1f}"]
            + ["-" if r["speedup"] is None else f"{r['speedup']:.1f}x"]
            + ["-" if r["device_peak_mib"] is None else f"{r['device_peak_mib']:.0f}"]
            + [f"{r['label_cpu']:.4f}" if r["label_cpu"] is not None else "-"]
            + [f"{r['label_device']:.4f}" if r["label_device"] is not None else "-"]
            for r in g["rows"]
        ]
        head = ["arch", "status", "CPU s", "device s", "speed-up", "device peak MiB"]
        lines += report.table([*head, "label (CPU)", "label (device)"], body)
        med = g["median_speedup"]
        lines += [
            "",
            f"Median speed-up {'-' if med is None else f'{med:.1f}x'} (device start-up, paid "
            f"once before the rows: {g['warmup_seconds']:.1f} s).",
            "",
        ]
    if "csv_883" in res:
        c = res["csv_883"]
        lines += [
            f"## An 883-column, 28,000-row CSV ({c['file_mib']:.0f} MiB, synthetic)",
            "",
            f"Read and cleaned: {', '.join(f'{x:.1f}' for x in c['read_clean_s'])} s (median "
            f"{c['median_read_clean_s']:.1f} s, goal <= 10 s); task features "
            f"{', '.join(f'{x:.1f}' for x in c['features_s'])} s; ranking {c['n_archs']} archs "
            f"{', '.join(f'{x:.1f}' for x in c['rank_s'])} s; read + features + ranking median "
            f"{c['median_total_s']:.1f} s (goal <= 15 s). Load average before each: "
            f"{', '.join(f'{x:.1f}' for x in c['loadavg'])}. Shape after cleaning "
            f"{c['shape_after_cleaning']}. Memory of reading and cleaning it: estimated "
            f"{c['csv_estimate_mib']:.0f} MiB, measured peak {c['csv_peak_mib'] or 0:.0f} MiB.",
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    cfg = parse(Config, argv, prog="python -m benchmarks.width", description=__doc__)
    info = report.machine()
    if cfg.part == "gpu":
        try:
            result = gpu(cfg)
        except NoDevice as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_ERROR
    else:
        result = memory(cfg) if cfg.part == "memory" else speed(cfg)
    doc = {
        "command": report.command("benchmarks.width", argv),
        "config": asdict(cfg),
        "machine": info,
        "loadavg_end": os.getloadavg()[0],
        "result": result,
    }
    report.publish(cfg.out, doc, markdown(doc), indent=2)
    return EXIT_OK


if __name__ == "__main__":
    run_main(main)
