"""NAS-Bench-Graph in-task benchmark of the comparator: 100 training archs per dataset.

For each of the 8 datasets and each seed: draw 100 archs (seeded), train on their labels only,
rank all the other archs (26,106) and report Kendall tau against the true test accuracy.
Baseline: a random forest (scikit-learn, 200 trees) on one-hot features (op per slot, link
pattern). Variants: the four GNNs (in-task, no task branch) with early stopping on 20 of the 100
archs (``es``) and trained on all 100 for a fixed 100 epochs (``all100``); ``multitask`` trains
one FiLM comparator on the 100 archs of every dataset at once (still 100 labels per dataset,
task features = public meta-features).

    python -m benchmarks.predictor_nbgraph --seeds 0,1 --out benchmarks/results/predictor_nbgraph
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.ensemble import RandomForestRegressor

from archgraph.nbgraph import DATASETS, NBGRAPH_SPACE, meta_features
from predictor.comparator import Comparator, ComparatorConfig
from predictor.features import nbgraph_one_hot as one_hot
from predictor.labels import nbgraph_labels
from predictor.metrics import kendall_tau

VARIANTS = {
    **{f"{g}-es": dict(gnn=g, fusion="none") for g in ("gin", "gcn", "gat", "sage")},
    **{
        f"{g}-all100": dict(gnn=g, fusion="none", val_fraction=0.0, epochs=100)
        for g in ("gin", "gcn", "gat", "sage")
    },
}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--seeds", default="0,1")
    p.add_argument("--datasets", default=",".join(DATASETS))
    p.add_argument("--n-train", type=int, default=100)
    p.add_argument("--variants", default=",".join([*VARIANTS, "multitask"]))
    p.add_argument("--out", default="benchmarks/results/predictor_nbgraph")
    args = p.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    datasets = args.datasets.split(",")
    variants = args.variants.split(",")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    data = {d: nbgraph_labels(d) for d in datasets}
    rows = []

    def log(row: dict) -> None:
        rows.append(row)
        print(json.dumps(row), flush=True)
        with open(f"{out}.jsonl", "a") as fh:
            fh.write(json.dumps(row) + "\n")

    Path(f"{out}.jsonl").write_text("")
    for seed in seeds:
        splits = {}
        for d in datasets:
            archs, labels = data[d]
            perm = np.random.default_rng(seed).permutation(len(archs))
            splits[d] = (perm[: args.n_train], perm[args.n_train :])
        for d in datasets:
            archs, labels = data[d]
            tr, te = splits[d]
            x = np.stack([one_hot(a) for a in archs])
            t0 = time.time()
            rf = RandomForestRegressor(200, random_state=seed, n_jobs=1).fit(x[tr], labels[tr])
            log(
                {
                    "dataset": d,
                    "seed": seed,
                    "variant": "rf-onehot",
                    "tau": kendall_tau(-rf.predict(x[te]), labels[te]),
                    "seconds": time.time() - t0,
                }
            )
            test_archs = [archs[i] for i in te]
            for v in variants:
                if v == "multitask":
                    continue
                t0 = time.time()
                comp = Comparator(NBGRAPH_SPACE, ComparatorConfig(seed=seed, **VARIANTS[v]))
                comp.fit([{"arch": archs[i], "task": d, "label": labels[i]} for i in tr], {})
                s = comp.score(test_archs, validated=True)
                log(
                    {
                        "dataset": d,
                        "seed": seed,
                        "variant": v,
                        "tau": kendall_tau(s, labels[te]),
                        "best_epoch": comp.history["best_epoch"],
                        "seconds": time.time() - t0,
                    }
                )
        if "multitask" in variants:
            t0 = time.time()
            recs = [
                {"arch": data[d][0][i], "task": d, "label": data[d][1][i]}
                for d in datasets
                for i in splits[d][0]
            ]
            comp = Comparator(
                NBGRAPH_SPACE,
                ComparatorConfig(gnn="gin", fusion="film", seed=seed, val_fraction=0.0, epochs=100),
            )
            comp.fit(recs, {d: meta_features(d) for d in datasets})
            secs = time.time() - t0
            for d in datasets:
                archs, labels = data[d]
                te = splits[d][1]
                s = comp.score([archs[i] for i in te], d, validated=True)
                log(
                    {
                        "dataset": d,
                        "seed": seed,
                        "variant": "multitask-gin-film",
                        "tau": kendall_tau(s, labels[te]),
                        "seconds": secs,
                    }
                )

    # Summary table: mean tau over seeds.
    names = ["rf-onehot", *[v for v in variants if v != "multitask"]]
    if "multitask" in variants:
        names.append("multitask-gin-film")
    table = {
        n: {
            d: float(np.mean([r["tau"] for r in rows if r["variant"] == n and r["dataset"] == d]))
            for d in datasets
        }
        for n in names
    }
    doc = {
        "command": "python -m benchmarks.predictor_nbgraph " + " ".join(argv or sys.argv[1:]),
        "machine": f"{platform.machine()} {platform.processor() or ''} python {platform.python_version()}",
        "n_train": args.n_train,
        "seeds": seeds,
        "metric": "test accuracy (perf), Kendall tau on the rest",
        "mean_tau": table,
        "rows": rows,
    }
    Path(f"{out}.json").write_text(json.dumps(doc, indent=2) + "\n")
    lines = [
        f"Command: `{doc['command']}`  ",
        f"Machine: {doc['machine']}; seeds {seeds}; "
        f"{args.n_train} training archs per dataset, tau on all other archs.",
        "",
        "| variant | " + " | ".join(datasets) + " | mean | >= RF+0.10 |",
        "|---|" + "---|" * (len(datasets) + 2),
    ]
    rf = table["rf-onehot"]
    for n in names:
        vals = [table[n][d] for d in datasets]
        wins = sum(table[n][d] >= rf[d] + 0.10 for d in datasets)
        lines.append(
            f"| {n} | "
            + " | ".join(f"{v:.3f}" for v in vals)
            + f" | {np.mean(vals):.3f} | {wins}/{len(datasets)} |"
        )
    Path(f"{out}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
