"""Reports of a label beside its references: the table and the verdict lines.

Shared by ``python -m contrastive.train`` and ``predictor.search --train-best``: the same rows
are titled the same way, and the verdict says how a label compares on the label metric and on
its test counterpart, whether training helped, and what to try next.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

REPORT_COLUMNS = ("knn_val_mse", "knn_test_mse", "val_mse", "val_mae", "test_mse", "test_mae")


@contextmanager
def step_bar(total: int, desc: str) -> Iterator[Callable[[int, float], None]]:
    """A tqdm bar on stderr over ``total`` training steps; yields the ``on_step`` callback."""
    from tqdm import tqdm

    bar = tqdm(total=total, desc=desc, unit="step", file=sys.stderr, leave=False)

    def step(k: int, loss: float) -> None:
        bar.update(1)
        bar.set_postfix(loss=f"{loss:.3f}", refresh=False)

    try:
        yield step
    finally:
        bar.close()


def untrained_part(rec: dict) -> dict:
    """The ``untrained_*`` metrics of a label record, without the prefix."""
    return {k[len("untrained_") :]: v for k, v in rec.items() if k.startswith("untrained_")}


def reference_rows(refs: dict) -> list[tuple[str, dict]]:
    """``(title, metrics)`` rows of :func:`contrastive.references.references`, titled the same in every report."""
    rows = [
        (f"raw lags {refs[k]['lags']}", refs[k]) for k in ("raw_short", "raw_long") if k in refs
    ]
    if "raw_cross" in refs:  # own lags + those of the most correlated series
        cross = refs["raw_cross"]
        rows.append((f"raw lags {cross['lags']} +{cross['neighbours']} corr.", cross))
    if "untrained_preset" in refs:
        rows.append(("ts2vec preset, untrained", refs["untrained_preset"]))
    return rows


def print_rows(rows: list[tuple[str, dict]], cols: tuple[str, ...] = REPORT_COLUMNS) -> None:
    """A table: one row per ``(title, record)``, the metrics ``cols``; failed records say why."""
    width = max([26] + [len(t) + 2 for t, _ in rows])
    print(f"{'':{width}}" + "".join(f"{c:>13}" for c in cols))
    for title, rec in rows:
        if rec.get("status") == "failed":
            print(f"{title:{width}}  failed: {rec.get('error')}")
            continue
        print(
            f"{title:{width}}"
            + "".join(
                f"{rec[c]:>13.4f}" if isinstance(rec.get(c), float) else f"{'-':>13}" for c in cols
            )
        )


def lags_note(refs: dict, long_lags: int) -> str | None:
    """Why the long raw-lag row has the lag count it has (one line), if it has one."""
    if "raw_long" not in refs:
        return None
    n = refs["raw_long"]["lags"]
    capped = f", capped to {n}, the longest that fits every split" if n < long_lags else ""
    return (
        f"raw lags N: probes on the last N raw values of each series, no training; "
        f"{refs['raw_short']['lags']} and {long_lags} steps (two weeks of hourly data){capped}"
    )


def _test_metric(kind: str) -> str:
    return kind.replace("val", "test") if "val" in kind else "knn_test_mse"


def _versus(ours: float, theirs: float) -> str:
    if not (math.isfinite(ours) and math.isfinite(theirs)) or theirs == 0:
        return "n/a"
    pct = 100.0 * (theirs - ours) / abs(theirs)
    if abs(pct) < 0.5:
        return "even (within 0.5%)"
    return f"{abs(pct):.0f}% {'better' if pct > 0 else 'worse'}"


SEARCH_MORE = "train more candidates (--train-top 5) or longer (--train-steps 100)"


def untrained_note(name: str, rec: dict, kind: str) -> str | None:
    """A warning when the net scores better on ``kind`` before training than after."""
    untrained = rec.get(f"untrained_{kind}")
    if rec.get("status") != "ok" or not isinstance(untrained, float) or untrained >= rec[kind]:
        return None
    return (
        f"note: {name} scores {untrained:.4f} untrained, better than trained ({rec[kind]:.4f}): "
        "training did not help its label here"
    )


def verdict_lines(
    name: str,
    rec: dict,
    others: list[tuple[str, dict]],
    kind: str,
    *,
    advice: bool = True,
    more: str = SEARCH_MORE,
) -> list[str]:
    """What a report means, in a few lines: how ``rec`` compares with ``others`` on the label
    (``kind``, validation split) and on its test counterpart, whether training helped, and
    what to try next. Lower is better for every metric.

    Args:
        name: what ``rec`` is ("the kept arch (rank 3)").
        rec: the label record (``status``, metrics, ``untrained_*``).
        others: ``(title, metrics)`` of the comparisons; the raw-lag rows are titled ``raw lags``.
        kind: the label metric, e.g. ``knn_val_mse``.
        advice: add the "next:" line.
        more: what "keep searching" means for the command that prints it.
    """
    if rec.get("status") != "ok":
        return [f"verdict: {name} failed to train ({rec.get('error')}); nothing to compare"]
    test = _test_metric(kind)
    ok = [(t, r) for t, r in others if r.get("status", "ok") == "ok" and kind in r]
    raw = [(t, r) for t, r in ok if t.startswith("raw lags")]
    best_raw = min(raw, key=lambda tr: tr[1][kind]) if raw else None
    shown = [(t, r) for t, r in ok if not t.startswith("raw lags")]
    shown += [(f"the best raw-lag reference ({best_raw[0]})", best_raw[1])] if best_raw else []
    lines = [f"verdict: {name}, {kind} {rec[kind]:.4f} (val) / {rec.get(test, float('nan')):.4f} "
             f"({test}):"]  # fmt: skip
    for title, r in shown:
        lines.append(
            f"  vs {title}: {_versus(rec[kind], r[kind])} on the label, "
            f"{_versus(rec.get(test, math.nan), r.get(test, math.nan))} on test"
        )
    note = untrained_note(name, rec, kind)
    lines += [f"  {note}"] if note else []
    if advice:
        beats_raw = best_raw is None or rec[kind] < best_raw[1][kind]
        beats_all = all(rec[kind] < r[kind] for _, r in ok)
        lost_on_test = [t for t, r in ok if rec.get(test, math.inf) >= r.get(test, math.inf)]
        if beats_all and not lost_on_test:
            nxt = "it beats every reference on the label and on test: use the saved encoder"
        elif beats_all:
            nxt = (
                f"it beats every reference on the label but not on test ({', '.join(lost_on_test)}):"
                " the lead may not carry over; check it on your own downstream task first"
            )
        elif not beats_raw:
            nxt = (
                "raw lags forecast better here (as on most bundled tasks): for forecasting, start "
                f"from raw lags; to keep searching, {more}"
            )
        else:
            nxt = f"it beats raw lags but not every learnt reference: {more}, or use the better one"
        lines.append(f"  next: {nxt}")
    return lines
