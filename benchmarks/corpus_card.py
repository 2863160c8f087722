"""The corpus data card: tasks, shapes, label distribution, failure rate, label noise.

Example (writes ``corpus/CARD.md`` and ``corpus/card.json``)::

    python -m benchmarks.corpus_card --store corpus/labels.sqlite --out corpus/CARD

Per task: shape ``[T, N]``, domain and frequency (``contrastive.data.list_tasks``), archs
labelled ok / failed, the label (trained encoder's val MSE, lower is better) as min / median /
max, the raw-lag ridge references, the share of archs whose training helped (gain < 1), and the
label noise from the repeat-seed subset: Kendall tau between seeds and the median relative
difference of the two labels; and, where archs hold several seeds, the repeatability of the
seed-averaged label (:func:`contrastive.repeatability.split_half`): the seeds ``k`` every
repeated arch shares, the split-half reliability of their mean (Kendall tau, Spearman-Brown) and
the seeds the mean needs for tau .8.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import report
from benchmarks.metrics import shared_tau
from cliconfig import EXIT_OK, option, parse, run_main


@dataclass
class CardConfig:
    """The corpus data card: tasks, shapes, label distribution, failure rate, label noise."""

    store: str = option("corpus/labels.sqlite", "the label store (SQLite), read only")
    out: str = option("corpus/CARD", "path stem of the .md and .json")


def task_card(rows: list[dict], refs: dict[str, float], info: dict) -> dict[str, Any]:
    """Statistics of one task's label rows (all seeds, one budget)."""
    ok = [r for r in rows if r["status"] == "ok"]
    seed0 = {r["arch_hash"]: r for r in ok if r["seed"] == 0}
    seed1 = {r["arch_hash"]: r for r in ok if r["seed"] == 1}
    both = sorted(set(seed0) & set(seed1))
    y = np.array([r["label"] for r in seed0.values()], dtype=np.float64)
    gains = np.array([r["metrics"].get("gain", np.nan) for r in seed0.values()], dtype=np.float64)
    card: dict[str, Any] = {
        **info,
        "archs_ok": len(seed0),
        "failed": sum(r["status"] == "failed" for r in rows),
        "rows": len(rows),
        "label_min": float(y.min()) if len(y) else None,
        "label_median": float(np.median(y)) if len(y) else None,
        "label_max": float(y.max()) if len(y) else None,
        "share_training_helped": float(np.nanmean(gains < 1)) if len(gains) else None,
        "raw_short": refs.get("raw_short"),
        "raw_long": refs.get("raw_long"),
        "repeat_archs": len(both),
    }
    if len(both) >= 3:
        a = np.array([seed0[h]["label"] for h in both])
        b = np.array([seed1[h]["label"] for h in both])
        card["seed_tau"], _ = shared_tau(
            {h: seed0[h]["label"] for h in both}, {h: seed1[h]["label"] for h in both}
        )
        card["seed_median_rel_diff"] = float(np.median(np.abs(a - b) / ((a + b) / 2)))
    card.update(seed_mean_repeatability(ok))
    return card


def seed_mean_repeatability(ok: list[dict]) -> dict[str, Any]:
    """Repeatability of the seed-averaged label from ok rows (``{}`` when too few repeats)."""
    from contrastive.repeatability import split_half

    labels: dict[str, dict[int, float]] = {}
    for r in ok:
        labels.setdefault(r["arch_hash"], {})[int(r["seed"])] = float(r["label"])
    try:
        rep = split_half(labels)
    except ValueError:  # fewer than 5 archs share two seeds
        return {}
    return {
        "mean_seeds": len(rep.seeds),
        "mean_archs": rep.n_archs,
        "mean_reliability": rep.tau_at_k,
        "seeds_for_08": rep.seeds_needed(0.8),
    }


def build(store_path: str) -> dict[str, Any]:
    from contrastive.data import CORPUS_V2_FAMILY_OF, list_tasks
    from contrastive.store import LabelStore

    infos = {t["name"]: t for t in list_tasks()}
    with LabelStore(store_path, readonly=True) as store:  # the card only reads
        rows_all = store.records(status=None)
        references = store.references()
        kinds = sorted(store.label_kinds())
    budgets: dict[str, int] = {}
    for r in rows_all:
        budgets[r["task"]] = max(budgets.get(r["task"], r["budget"]), r["budget"])
    refs: dict[str, dict[str, float]] = {}
    for ref in references:
        refs.setdefault(ref["task"], {})[ref["kind"]] = ref["label"]
    cards = []
    for task in sorted(budgets):
        rows = [r for r in rows_all if r["task"] == task and r["budget"] == budgets[task]]
        info = infos.get(task, {})
        cards.append(
            task_card(
                rows,
                refs.get(task, {}),
                {
                    "task": task,
                    "family": CORPUS_V2_FAMILY_OF.get(task),
                    "shape": info.get("shape"),
                    "domain": info.get("domain"),
                    "freq": info.get("freq"),
                    "budget": budgets[task],
                },
            )
        )
    versions = sorted({r["code_version"] for r in rows_all if r["code_version"]})
    return {
        "store": store_path,
        "rows": len(rows_all),
        "ok": sum(r["status"] == "ok" for r in rows_all),
        "failed": sum(r["status"] == "failed" for r in rows_all),
        "distinct_archs": len({r["arch_hash"] for r in rows_all}),
        "code_versions": versions,
        "label_kind": kinds[0] if len(kinds) == 1 else ",".join(kinds),
        "tasks": cards,
    }


PROBES = {
    "val_mse": "a ridge probe",
    "knn_val_mse": "a fit-free cosine k-nearest-neighbour probe",
}
"""The probe behind each label kind (a card written before ``label_kind`` was recorded: ridge)."""


def _f(v: Any, fmt: str = ".3f") -> str:
    return "-" if v is None else format(v, fmt)


def markdown(card: dict[str, Any]) -> str:
    # a family column only where every task has one (corpus v1 shares task names with v2's "v1")
    families = bool(card["tasks"]) and all(c.get("family") for c in card["tasks"])
    means = any(c.get("mean_seeds") for c in card["tasks"])
    head = [
        "task",
        *(["family"] if families else []),
        "domain",
        "freq",
        "[T, N]",
        "archs ok",
        "failed",
        "label min / median / max",
    ]
    head += ["raw lags 48 / long", "training helped", "seed tau (archs)", "median rel. seed diff"]
    if means:
        head += ["seeds k", "split-half tau of the k-seed mean", "seeds for .8"]
    body = []
    for c in card["tasks"]:
        shape = "x".join(str(s) for s in c["shape"]) if c["shape"] else "-"
        row = [
            c["task"],
            *([c.get("family") or "-"] if families else []),
            c.get("domain") or "-",
            c.get("freq") or "-",
            shape,
            c["archs_ok"],
            c["failed"],
            f"{_f(c['label_min'])} / {_f(c['label_median'])} / {_f(c['label_max'])}",
            f"{_f(c['raw_short'])} / {_f(c['raw_long'])}",
            _f(c["share_training_helped"], ".0%"),
            f"{_f(c.get('seed_tau'), '.2f')} ({c['repeat_archs']})",
            _f(c.get("seed_median_rel_diff"), ".1%"),
        ]
        if means:
            row += [
                c.get("mean_seeds") or "-",
                f"{_f(c.get('mean_reliability'), '.2f')} ({c.get('mean_archs', '-')} archs)",
                c.get("seeds_for_08") or "-",
            ]
        body.append(row)
    kind = card.get("label_kind", "val_mse")
    probe = PROBES.get(kind, f"the `{kind}` probe")
    lines = [
        "# Corpus data card",
        "",
        f"`{card['store']}`: {card['rows']} label rows ({card['ok']} ok, {card['failed']} "
        f"failed, failure rate {card['failed'] / max(1, card['rows']):.1%}) over "
        f"{card['distinct_archs']} distinct archs. Made by `python -m benchmarks.corpus_card "
        f"--store {card['store']} --out {card.get('out', 'corpus/CARD')}`.",
        "",
        f"Label (`{kind}`) = val MSE of {probe} (12 steps ahead, standardised data) on the "
        "trained encoder's last-step representation; lower is better. Raw-lag references use "
        "the same probe on 48 lags and on the longest lag window that fits (up to 336). "
        "Noise: seed 0 vs seed 1 of the same arch (init, batches, views)."
        + (
            " Seed-averaged label: the k seeds every repeated arch shares, split in halves; "
            "the halves' mean labels agree with Kendall tau t, and Spearman-Brown turns t into "
            "the tau two independent k-seed means would reach (the mean's split-half "
            "reliability); seeds for .8 caps at 10."
            if means
            else ""
        ),
        "",
        *report.table(head, body),
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    cfg = parse(CardConfig, argv, prog="python -m benchmarks.corpus_card")
    if not Path(cfg.store).is_file():
        raise ValueError(f"{cfg.store}: no such label store")
    card = {**build(cfg.store), "out": cfg.out}
    report.publish(cfg.out, card, markdown(card))
    return EXIT_OK


if __name__ == "__main__":
    run_main(main)
