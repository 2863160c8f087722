"""NAS-Bench-Graph in-task, 100 labelled archs: few-label GNN rankers vs a random forest.

Per dataset and seed: the first 100 archs of ``default_rng(seed).permutation`` train
(:func:`benchmarks.protocols.permutation_split`), Kendall tau on all the other 26,106; the
``rf-onehot`` forest is :func:`benchmarks.baselines.forest_scores` on the one-hot row (the
protocol and forest of the first sweep, ``predictor_nbgraph``, whose results stay in
``benchmarks/results/predictor_nbgraph.json``). New variants come from :mod:`predictor.fewshot`: a GIN encoder with
a score head trained on all 100 archs for fixed epochs (no early-stopping hold-out), rank-MSE
loss, an ensemble of seeded members; optionally pretrained without labels on every arch of the
space (masked-op prediction / arch2vec-style autoencoder; dataset-independent, so one
pretraining per seed serves all 8 datasets) and/or fed the one-hot row beside the readout.
The old best GNN variant (``sage-all100`` of that sweep) is copied from
``benchmarks/results/predictor_nbgraph.json`` (same archs, same seeds), not rerun.

No hyperparameter was tuned on test tau: the settings are the comparator's defaults (GIN, depth
3, width 64, lr 2e-3) with 200 full-batch epochs; the variants were compared by 5-fold
cross-validation inside the 100 training archs (``--cv`` reruns that for the given variants),
which could not separate them (CV tau .435-.439).

Non-GNN baselines beside the issue's ``rf-onehot`` (``--baselines``; never counted as the
goal's best variant): ``rf-rank-onehot``, the same forest fitted on label ranks, and
``gp-onehot-struct``, a Gaussian process on label ranks (:func:`benchmarks.baselines.gp_scores`)
over the one-hot row plus
:func:`predictor.features.nbgraph_structure_row` (ops counted by depth and role). ``--curve
150,200,...`` adds the forest trained on more labels and reports how many it needs to reach
the goal line (its own tau at ``--n-train`` + 0.10).

Two diagnostic rows (not competitors; they use information the protocol forbids):
``valid-oracle`` ranks the test archs by their own benchmark *validation* accuracy (a second,
noisy measurement of the same trained models), ``rf-onehot-n{N}`` is the same random forest
trained on N archs and tested on the rest (how much is learnable from the one-hot row at all).

    python -m benchmarks.nbgraph_intask --seeds 0,1 --out benchmarks/results/nbgraph_intask
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from archgraph.nbgraph import DATASETS, NBGRAPH_SPACE
from benchmarks import report
from benchmarks.baselines import forest_scores, gp_scores
from benchmarks.protocols import permutation_split
from cliconfig import EXIT_OK, ConfigParser, option, parser_for, run_main
from predictor.features import nbgraph_one_hot as one_hot
from predictor.features import nbgraph_structure_row as structure_row
from predictor.fewshot import RankerConfig, fit_scores, pretrain_encoder
from predictor.graphs import GraphTable
from predictor.labels import nbgraph_labels
from predictor.metrics import kendall_tau

OLD_BEST = "sage-all100"
OLD_RESULTS = Path("benchmarks/results/predictor_nbgraph.json")
VARIANTS: dict[str, dict[str, Any]] = {
    "gin-mse-ens5": dict(loss="mse"),
    "gin-mse-ens5-side": dict(loss="mse", side=True),
    "gin-mse-ens5-mask": dict(loss="mse", pretrain="mask"),
    "gin-mse-ens5-ae": dict(loss="mse", pretrain="ae"),
    "gin-mse-ens5-side-mask": dict(loss="mse", side=True, pretrain="mask"),
    "gin-mse-ens5-side-ae": dict(loss="mse", side=True, pretrain="ae"),
    "gin-pairwise-ens5": dict(loss="pairwise"),
    "gin-mse-ens5-side-struct": dict(loss="mse", side=True),
}
STRUCT_SIDE = {"gin-mse-ens5-side-struct"}
"""Variants whose side row is the one-hot row *and* :func:`structure_row` (others: one-hot)."""
BASELINES = ("rf-rank-onehot", "gp-onehot-struct")
"""Non-GNN learners reported beside the GNNs (never the goal's "best variant")."""
DEFAULT_VARIANTS = ("gin-mse-ens5-side", "gin-mse-ens5-mask")
# The one-hot row of predictor.features.nbgraph_one_hot: 4 op slots x 9 ops, then 9 links.
ONE_HOT_GROUPS = [(9 * i, 9 * (i + 1)) for i in range(4)] + [(36, 45)]
OP_COLUMNS = slice(3, 13)  # node features: 3 node types | 10 ops ("none" + 9) | 2 params


def cv_tau(
    table: GraphTable,
    tr: np.ndarray,
    labels: np.ndarray,
    cfg: RankerConfig,
    side: torch.Tensor | None,
    enc: dict | None,
    seed: int,
    folds: int = 5,
) -> float:
    """Mean Kendall tau over ``folds`` held-out folds of the training archs (labels of ``tr``
    only); ``labels`` is over the whole pool."""
    parts = np.array_split(np.random.default_rng(100 + seed).permutation(len(tr)), folds)
    taus = []
    for f in parts:
        fit = np.setdiff1d(np.arange(len(tr)), f)
        s = fit_scores(table, tr[fit], labels[tr[fit]], cfg, side, enc, score_idx=tr[f])
        taus.append(kendall_tau(s, labels[tr[f]]))
    return float(np.mean(taus))


def first_reaching(curve: dict[int, float], target: float) -> int | None:
    """Smallest training-set size in ``curve`` (``{n: tau}``) whose tau reaches ``target``."""
    return next((n for n in sorted(curve) if curve[n] >= target), None)


def _standardise(v: np.ndarray) -> np.ndarray:
    """``(v - mean) / std`` over the pool; ``[n]``."""
    v = np.asarray(v, dtype=np.float64)
    return (v - v.mean()) / (v.std() + 1e-12)


def old_rows(seeds: list[int], datasets: list[str]) -> dict[tuple[str, int], float]:
    """``{(dataset, seed): tau}`` of :data:`OLD_BEST` from the stored predictor benchmark."""
    if not OLD_RESULTS.is_file():
        return {}
    rows = json.loads(OLD_RESULTS.read_text())["rows"]
    return {
        (r["dataset"], r["seed"]): r["tau"]
        for r in rows
        if r["variant"] == OLD_BEST and r["seed"] in seeds and r["dataset"] in datasets
    }


@dataclass
class InTaskConfig:
    """NAS-Bench-Graph in-task, 100 labelled archs: few-label GNN rankers vs a random forest."""

    seeds: str = option("0,1", "comma-separated seeds (split, forests, rankers)")
    datasets: str = option(",".join(DATASETS), "comma-separated NAS-Bench-Graph datasets")
    n_train: int = option(100, "labelled training archs per dataset")
    variants: str = option(",".join(DEFAULT_VARIANTS), f"GNN variants, from {sorted(VARIANTS)}")
    ensemble: int = option(5, "seeded members of each GNN ensemble")
    epochs: int = option(200, "full-batch GNN epochs")
    pretrain_epochs: int = option(5, "label-free pretraining epochs (variants that pretrain)")
    cv: bool = option(False, "also report 5-fold CV tau (slow)")
    blend: str = option("gin-mse-ens5-side", "variants also reported averaged with RF")
    ceiling_n: int = option(10000, "0: skip the rf-onehot-nN row")
    curve: str = option(
        "",
        "comma-separated training-set sizes: rf-onehot trained on that many archs "
        "(same forest, same permutation, tested on the rest); '' to skip",
    )
    baselines: str = option(
        ",".join(BASELINES), f"non-GNN learners to run, from {list(BASELINES)}; '' for none"
    )
    notes: str = option("", "markdown file inserted under the verdict")
    pool_size: int = option(0, "tests: first N archs only (0: all)")
    out: str = option("benchmarks/results/nbgraph_intask", "path stem of .json and .md")


def build_parser() -> ConfigParser[InTaskConfig]:
    return parser_for(InTaskConfig, prog="python -m benchmarks.nbgraph_intask")


def _ranker_config(variant: str, args: InTaskConfig, seed: int) -> RankerConfig:
    return RankerConfig(
        **VARIANTS[variant],
        epochs=args.epochs,
        ensemble=args.ensemble,
        pretrain_epochs=args.pretrain_epochs,
        seed=seed,
    )


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse(argv)
    torch.set_num_threads(1)
    t_start = time.time()
    seeds = [int(s) for s in args.seeds.split(",")]
    datasets = args.datasets.split(",")
    variants = args.variants.split(",")
    baselines = [b for b in args.baselines.split(",") if b]
    curve = [int(n) for n in args.curve.split(",") if n]
    for asked, known in ((variants, VARIANTS), (baselines, BASELINES)):
        bad = [v for v in asked if v not in known]
        if bad:
            parser.error(f"unknown variant(s) {bad}; known: {sorted(known)}")
    if args.ceiling_n in curve:
        parser.error(f"--curve repeats --ceiling-n {args.ceiling_n} (a row name each)")
    archs, _ = nbgraph_labels(datasets[0])  # the same key-ordered pool for the 8 datasets
    pool = args.pool_size or len(archs)
    archs = archs[:pool]
    table = GraphTable(NBGRAPH_SPACE, archs, validated=True)
    side_all = torch.from_numpy(np.stack([one_hot(a) for a in archs]).astype(np.float32))
    struct = np.stack([structure_row(a) for a in archs]).astype(np.float32)  # [n, 65]
    side_struct = torch.cat([side_all, torch.from_numpy(struct)], dim=1)  # [n, 110]
    x = side_all.numpy()  # [n, 45] the forests' input
    rows: list[dict] = []

    def log(row: dict) -> None:
        rows.append(row)
        print(json.dumps(row), flush=True)

    same_protocol = args.n_train == 100 and pool == 26206
    old = old_rows(seeds, datasets) if same_protocol else {}
    for seed in seeds:
        pre: dict[str, dict] = {}
        for v in variants:
            cfg = _ranker_config(v, args, seed)
            if cfg.pretrain != "none" and cfg.pretrain not in pre:
                t0 = time.time()
                state, hist = pretrain_encoder(
                    table, cfg, OP_COLUMNS, side_all, ONE_HOT_GROUPS, seed=seed
                )
                pre[cfg.pretrain] = state
                log(
                    {
                        "seed": seed,
                        "pretrain": cfg.pretrain,
                        "loss_first_last": [hist[0], hist[-1]],
                        "seconds": time.time() - t0,
                    }
                )
        for d in datasets:
            d_archs, labels = nbgraph_labels(d)
            d_archs, labels = d_archs[:pool], labels[:pool]
            if d_archs != archs:
                raise ValueError(f"{d}: arch pool differs from {datasets[0]}'s")
            tr, te = permutation_split(len(archs), args.n_train, seed)
            t0 = time.time()
            rf_all = forest_scores(x[tr], labels[tr], x, seed)  # [n] every arch, for the blend
            base = {"dataset": d, "seed": seed}
            log(
                {
                    **base,
                    "variant": "rf-onehot",
                    "tau": kendall_tau(rf_all[te], labels[te]),
                    "seconds": time.time() - t0,
                }
            )
            rf_std = _standardise(-rf_all)  # the forest's predicted labels, standardised
            # Forests on more labels (same permutation, tested on the rest): the learning
            # curve at rf-onehot's settings, and a cheaper forest for the large ceiling.
            sizes = [(n, dict(n_estimators=200)) for n in curve]
            if args.ceiling_n:
                sizes.append((args.ceiling_n, dict(n_estimators=100, min_samples_leaf=3)))
            for n, forest in sizes:
                fit, rest = permutation_split(len(archs), n, seed)
                t0 = time.time()
                s = forest_scores(x[fit], labels[fit], x[rest], seed, **forest)
                log(
                    {
                        **base,
                        "variant": f"rf-onehot-n{n}",
                        "tau": kendall_tau(s, labels[rest]),
                        "n_test": len(rest),
                        "seconds": time.time() - t0,
                    }
                )
            for b in baselines:
                t0 = time.time()
                if b == "rf-rank-onehot":
                    s = forest_scores(x[tr], labels[tr], x[te], seed, target="rank")
                else:
                    f = side_struct.numpy()
                    s = gp_scores(f[tr], labels[tr], f[te], seed)
                log(
                    {
                        **base,
                        "variant": b,
                        "tau": kendall_tau(s, labels[te]),
                        "seconds": time.time() - t0,
                    }
                )
            valid = nbgraph_labels(d, "valid_perf")[1][:pool]
            log({**base, "variant": "valid-oracle", "tau": kendall_tau(-valid[te], labels[te])})
            if (d, seed) in old:
                log({**base, "variant": OLD_BEST, "tau": old[(d, seed)], "copied": True})
            for v in variants:
                cfg = _ranker_config(v, args, seed)
                side = (side_struct if v in STRUCT_SIDE else side_all) if cfg.side else None
                enc = pre.get(cfg.pretrain)
                t0 = time.time()
                s = fit_scores(table, tr, labels[tr], cfg, side, enc)
                row = {
                    **base,
                    "variant": v,
                    "tau": kendall_tau(s[te], labels[te]),
                    "seconds": time.time() - t0,
                }
                if args.cv:
                    row["cv_tau"] = cv_tau(table, tr, labels, cfg, side, enc, seed)
                log(row)
                if v in args.blend.split(","):
                    s_blend = (_standardise(s) - rf_std) / 2  # rf predicts labels: lower better
                    log({**base, "variant": f"{v}+rf", "tau": kendall_tau(s_blend[te], labels[te])})
    doc = {
        "command": report.command("benchmarks.nbgraph_intask", argv),
        "machine": {**report.machine(), "torch_threads": 1},
        "wall_seconds": time.time() - t_start,
        "n_train": args.n_train,
        "seeds": seeds,
        "datasets": datasets,
        "ensemble": args.ensemble,
        "epochs": args.epochs,
        "pretrain_epochs": args.pretrain_epochs,
        "variants": {v: VARIANTS[v] for v in variants},
        "blend": [v for v in variants if v in args.blend.split(",")],
        "ceiling_n": args.ceiling_n,
        "curve": curve,
        "baselines": list(baselines),
        **summary(rows, datasets, args.n_train, curve),
        "rows": rows,
    }
    notes = Path(args.notes).read_text(encoding="utf-8") if args.notes else ""
    report.publish(args.out, doc, markdown(doc, notes), indent=2)
    return EXIT_OK


def _mean(rows: list[dict], name: str, dataset: str, key: str = "tau") -> float:
    v = [r[key] for r in rows if r.get("variant") == name and r["dataset"] == dataset and key in r]
    return float(np.mean(v)) if v else float("nan")


def summary(
    rows: list[dict], datasets: list[str], n_train: int, curve: list[int]
) -> dict[str, Any]:
    """Mean taus over seeds, margins vs the forest, datasets at the goal line, and the labels the
    forest itself needs to reach it (the result document's summary keys)."""
    names = list(dict.fromkeys(r["variant"] for r in rows if "variant" in r))
    table = {n: {d: _mean(rows, n, d) for d in datasets} for n in names}
    rf = table["rf-onehot"]
    tried = [n for n in names if n != "rf-onehot" and not _diagnostic(n)]
    margins = {n: {d: table[n][d] - rf[d] for d in datasets} for n in ["rf-onehot", *tried]}
    needs = {
        d: first_reaching(
            {n_train: rf[d], **{n: table[f"rf-onehot-n{n}"][d] for n in curve}}, rf[d] + 0.10
        )
        for d in datasets
    }
    return {
        "mean_tau": table,
        "margin_vs_rf": margins,
        "datasets_at_rf_plus_0.10": {
            n: int(sum(m[d] >= 0.10 for d in datasets)) for n, m in margins.items()
        },
        "rf_labels_to_reach_goal_line": needs if curve else {},
    }


def _diagnostic(name: str) -> bool:
    return name == "valid-oracle" or name.startswith("rf-onehot-n")


def _settings(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The run's blend, curve and ceiling: stored in the document since they were recorded
    there; for the documents written before, read back from their command line (written then
    as the arguments joined by single spaces, an empty value as an empty word)."""
    if "curve" in doc:
        return {k: doc[k] for k in ("datasets", "blend", "curve", "ceiling_n")}
    args = build_parser().parse(doc["command"].split(" ")[3:])
    return {
        "datasets": args.datasets.split(","),
        "blend": [v for v in doc["variants"] if v in args.blend.split(",")],
        "curve": [int(n) for n in args.curve.split(",") if n],
        "ceiling_n": args.ceiling_n,
    }


def markdown(doc: Mapping[str, Any], notes: str = "") -> str:
    """The report of a result document: the verdict, ``notes`` (hand-written Markdown) under it,
    then mean and per-seed tau tables."""
    rows, n_train = doc["rows"], doc["n_train"]
    seeds, variants, baselines = doc["seeds"], list(doc["variants"]), doc.get("baselines", [])
    st = _settings(doc)
    datasets, curve = st["datasets"], st["curve"]
    blends = [f"{v}+rf" for v in st["blend"]]
    names = ["rf-onehot", *baselines, OLD_BEST, *variants, *blends]
    names = [n for n in names if any(r.get("variant") == n for r in rows)]
    diagnostics = ["valid-oracle", *(f"rf-onehot-n{n}" for n in curve)]
    diagnostics += [f"rf-onehot-n{st['ceiling_n']}"]
    diagnostics = [n for n in diagnostics if any(r.get("variant") == n for r in rows)]
    table = {n: {d: _mean(rows, n, d) for d in datasets} for n in [*names, *diagnostics]}
    rf = table["rf-onehot"]
    margins = {n: {d: table[n][d] - rf[d] for d in datasets} for n in names}
    wins = {n: int(sum(margins[n][d] >= 0.10 for d in datasets)) for n in names}
    needs = doc.get("rf_labels_to_reach_goal_line") or {}
    best = max(
        (n for n in names if n != "rf-onehot" and n not in baselines),
        key=lambda n: (wins[n], np.mean(list(margins[n].values()))),
    )
    mach = doc["machine"]
    mach = report.machine_line(mach) if isinstance(mach, Mapping) else mach
    wall = doc["wall_seconds"]
    lines = [
        "# NAS-Bench-Graph in-task, 100 labelled archs: GNN rankers vs random forest",
        "",
        f"**Goal (GNN >= RF + 0.10 Kendall tau on 8/8 datasets): "
        f"{'met' if wins[best] == len(datasets) else 'missed'}.** Best variant `{best}`: "
        f"{wins[best]}/{len(datasets)} datasets, mean margin "
        f"{np.mean(list(margins[best].values())):+.3f}.",
        "",
    ]
    if notes:
        lines += [notes.strip(), ""]
    lines += [
        f"Command: `{doc['command']}`  ",
        f"Machine: {mach}; wall time {wall / 60:.1f} min; seeds {seeds}; "
        f"{n_train} training archs per dataset, tau on all other archs; GNN ensembles of "
        f"{doc['ensemble']}, {doc['epochs']} epochs; `{OLD_BEST}` copied from "
        "`predictor_nbgraph.json`.",
        "",
        "Mean Kendall tau over seeds (margin vs RF in brackets):",
        "",
    ]
    body = []
    for n in names:
        cells = [
            f"{table[n][d]:.3f}"
            if n == "rf-onehot"
            else f"{table[n][d]:.3f} ({margins[n][d]:+.3f})"
            for d in datasets
        ]
        body.append([n, *cells, f"{np.mean(list(table[n].values())):.3f}"])
        body[-1].append(f"{wins[n]}/{len(datasets)}")
    for n in diagnostics:
        vals = [table[n][d] for d in datasets]
        body.append(
            [f"*{n} (diagnostic)*", *(f"*{v:.3f}*" for v in vals), f"*{np.mean(vals):.3f}*"]
        )
        body[-1].append("")
    lines += report.table(["variant", *datasets, "mean", ">= RF+0.10"], body)
    if curve:
        lines += [
            "",
            f"Labels the forest itself needs to reach the goal line (its own tau at "
            f"{n_train} + 0.10; sizes tried: {n_train}, {', '.join(map(str, curve))}):",
            "",
        ]
        cells = [str(needs[d]) if needs.get(d) else f"> {max(curve)}" for d in datasets]
        lines += report.table(datasets, [cells])
    if any("cv_tau" in r for r in rows):
        lines += ["", "5-fold CV tau inside the 100 training archs (selection criterion):", ""]
        body = []
        for n in variants:
            vals = [_mean(rows, n, d, "cv_tau") for d in datasets]
            body.append([n, *(f"{v:.3f}" for v in vals), f"{np.mean(vals):.3f}"])
        lines += report.table(["variant", *datasets, "mean"], body)
    lines += ["", "Per seed (tau):", ""]
    body = []
    for n in [*names, *diagnostics]:
        for s in seeds:
            vals = [
                next(
                    (
                        r["tau"]
                        for r in rows
                        if r.get("variant") == n and r["dataset"] == d and r["seed"] == s
                    ),
                    float("nan"),
                )
                for d in datasets
            ]
            body.append([n, s, *(f"{v:.3f}" for v in vals)])
    lines += report.table(["variant", "seed", *datasets], body)
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    run_main(main)
