"""Malformed inputs shared by the robustness tests and :mod:`benchmarks.robustness`.

Archs: :func:`arch_cases` is a hypothesis strategy of corrupted archs: a valid base (a sampled
arch or a preset) with 1-3 corruptions among wrong types and values (``replace``), missing keys
(``delete``), extra keys, huge lists (100,000 items), deep nesting (5,000 levels), unicode
look-alike keys, near-miss numbers (off the grid by 1e-12 or 1e-6, as strings, as NumPy
scalars, NaN and inf among the JSON values) and random encoder wirings (``rewire``, often valid,
so that many cases reach the net). :func:`outcome` classifies what an entry point did with one.

Data: :func:`write_csv_case` writes one malformed CSV of a kind in :data:`DATA_KINDS` and says
what must happen to it: refused with a ``DataError`` (``"error"``), loaded after a documented
clean-up (``"load"``), or either (``"either"``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import strategies as st

from archgraph import CTS_SPACE, ArchError
from archgraph.base import paused_gc

# -- archs ------------------------------------------------------------------------------------

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**2000), 2**2000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.1, 0.3, 0.5, 1e-3, 3e-4, 2, 3, 5, 16, 64, "max", "l2", "jitter", "crop"]),
    st.text(max_size=20),  # unicode included
)
json_value = st.recursive(
    json_leaf,
    lambda children: st.one_of(
        st.lists(children, max_size=5), st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=20,
)

HUGE = 100_000  # items of a "huge" list
DEEP = 5_000  # nesting levels of a "deep" value (well past Python's recursion limit)
KINDS = ("replace", "delete", "extra", "huge", "deep", "unicode_key", "near_miss", "rewire")
# Look-alikes of a key: zero-width space, Cyrillic "e", full-width letters, case, padding.
_LOOKALIKES: tuple[Callable[[str], str], ...] = (
    lambda k: k + "\u200b",
    lambda k: k.replace("e", "\u0435"),
    lambda k: "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in k),
    str.upper,
    lambda k: f" {k}",
)


def paths(node: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """All paths to the children of containers in a JSON-like tree."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield (*prefix, i)
            yield from paths(value, (*prefix, i))


def _near_miss(value: Any, data: Any) -> Any:
    """A number just off ``value``, or ``value`` in a type JSON would not give."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return data.draw(json_leaf)
    how = data.draw(
        st.sampled_from(["tiny", "small", "str", "float", "np32", "np64", "npint", "neg"])
    )
    make = {
        "tiny": lambda: value * (1 + 1e-12),  # snaps to the grid: still valid
        "small": lambda: value * (1 + 1e-6),  # off the grid
        "str": lambda: str(value),
        "float": lambda: float(value),  # 16 -> 16.0: still valid
        "np32": lambda: np.float32(value),
        "np64": lambda: np.float64(value),
        "npint": lambda: np.int64(int(value)),
        "neg": lambda: -value,
    }[how]
    try:
        return make()
    except (OverflowError, ValueError):  # a huge int or NaN left by an earlier corruption
        return value


@st.composite
def encoder_wiring(draw: Any) -> list:
    """An encoder array close to the contract: ``K`` in 1..7 nodes, indices in and around their
    ranges, sometimes malformed pairs. Roughly a third are valid."""
    op = st.one_of(st.integers(0, 4), st.integers(-2, 7))
    k = draw(st.integers(1, 7))
    pairs: list[Any] = [[draw(st.sampled_from([0, 0, 0, 1, -1])), draw(op)]]
    for i in range(1, k):
        pairs.append([draw(st.one_of(st.integers(0, i - 1), st.integers(-1, i + 1))), draw(op)])
        pairs.append([draw(st.sampled_from([i, i, i, i - 1, i + 1])), draw(op)])
    if draw(st.integers(0, 3)) == 0 and pairs:  # one malformed pair
        j = draw(st.integers(0, len(pairs) - 1))
        pairs[j] = draw(
            st.sampled_from(
                [tuple(pairs[j]), [*pairs[j], 0], pairs[j][:1], [float(v) for v in pairs[j]]]
                + [[str(v) for v in pairs[j]], [True, pairs[j][1]], {"0": pairs[j][0]}]
            )
        )
    return pairs


def corrupt(arch: dict, data: Any) -> dict:
    """A copy of ``arch`` with 1-3 corruptions drawn from ``data`` (``st.data()``)."""
    arch = copy.deepcopy(arch)
    all_paths = list(paths(arch))
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(all_paths))
        parent = arch
        try:
            for key in path[:-1]:
                parent = parent[key]
            kind = data.draw(st.sampled_from(KINDS))
            last = path[-1]
            if kind == "replace":
                parent[last] = data.draw(json_value)
            elif kind == "delete":
                del parent[last]
            elif kind == "extra" and isinstance(parent, dict):
                parent[data.draw(st.text(max_size=8))] = data.draw(json_value)
            elif kind == "huge":
                parent[last] = [parent[last]] * HUGE
            elif kind == "deep":
                nested = parent[last]
                with paused_gc():  # thousands of small lists: a collection per few would dominate
                    for _ in range(DEEP):
                        nested = [nested]
                parent[last] = nested
            elif kind == "unicode_key" and isinstance(parent, dict):
                alike = data.draw(st.sampled_from(_LOOKALIKES))(str(last))
                parent[alike] = parent.pop(last)
            elif kind == "near_miss":
                parent[last] = _near_miss(parent[last], data)
            elif kind == "rewire" and isinstance(arch, dict):
                arch["encoder"] = data.draw(encoder_wiring())
        except (KeyError, IndexError, TypeError):
            continue  # an earlier corruption removed or replaced this path's container
    return arch


def base_arch(seed: int) -> dict:
    """A valid arch to corrupt: the ts2vec preset for ``seed % 3 == 0``, else a sampled one."""
    if seed % 3 == 0:
        from contrastive.presets import preset

        return preset("ts2vec")
    return CTS_SPACE.sample_one(np.random.default_rng(seed))


@st.composite
def arch_cases(draw: Any) -> Any:
    """A corrupted arch (see the module docstring)."""
    return corrupt(base_arch(draw(st.integers(0, 2**32 - 1))), draw(st.data()))


def outcome(fn: Callable[[Any], Any], arch: Any) -> tuple[str, str]:
    """Run ``fn(arch)`` and classify it.

    Returns:
        ``("worked", "")``; ``("clean", path)`` for an ``ArchError`` with a field path and a
        short message; ``("other", description)`` for anything else (the goal is none).
    """
    try:
        fn(arch)
    except ArchError as err:
        if not err.path:
            return "other", f"ArchError without a path: {err}"[:300]
        if len(str(err)) >= 400:
            return "other", f"ArchError with a {len(str(err))}-character message"
        return "clean", err.path
    except Exception as err:  # noqa: BLE001 - classifying is the point
        return "other", f"{type(err).__name__}: {err}"[:300]
    return "worked", ""


# -- data -------------------------------------------------------------------------------------

DATA_LENGTH = 400  # long enough for the default window + horizon (48 + 12) in every split
DATA_KINDS = (
    "empty_file",
    "header_only",
    "too_short",
    "all_text",
    "all_nan",
    "constant",
    "wrong_delimiter",
    "nan_runs",
    "one_column",
    "text_cells",
    "mixed_types",
    "duplicated_timestamps",
    "huge_values",
    "inf_cells",
    "duplicate_columns",
)
DATA_CASES = [(kind, seed) for kind in DATA_KINDS for seed in range(4)]  # 60 malformed files


def _write(path: Path, header: list[str], rows: Any, sep: str = ",") -> None:
    lines = [sep.join(header)] + [sep.join(str(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_csv_case(kind: str, seed: int, path: str | Path) -> str:
    """Write one malformed CSV of ``kind`` (its own generator, seeded by ``seed``) to ``path``.

    Returns:
        What must happen: ``"error"`` (a ``DataError`` naming the file), ``"load"`` (a documented
        clean-up) or ``"either"``. ``duplicated_timestamps`` files have a ``time`` column.
    """
    path = Path(path)
    t = DATA_LENGTH
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(t, int(rng.integers(1, 4)))).cumsum(0)
    cols = [f"s{i}" for i in range(x.shape[1])]
    if kind == "empty_file":
        path.write_text("")
        return "error"
    if kind == "header_only":
        _write(path, cols, [])
        return "error"
    if kind == "too_short":
        _write(path, cols, x[: int(rng.integers(2, 40))])
        return "error"
    if kind == "all_text":
        _write(path, cols, [["abc"] * len(cols) for _ in range(t)])
        return "error"
    if kind == "all_nan":
        _write(path, cols, [["nan"] * len(cols) for _ in range(t)])
        return "error"
    if kind == "constant":
        _write(path, cols, np.full_like(x, float(rng.normal())))
        return "error"
    if kind == "wrong_delimiter":
        _write(path, cols, x, sep=";" if len(cols) > 1 else "\t")
        return "either"  # one text column ("a;b") is not numeric, or a single column loads
    if kind == "nan_runs":
        y = x.copy()
        start = int(rng.integers(10, t - 30))
        y[start : start + int(rng.integers(1, 20)), 0] = np.nan
        _write(path, cols, y)
        return "load"
    if kind == "one_column":
        _write(path, ["only"], x[:, :1])
        return "load"
    if kind == "text_cells":
        rows = [list(r) for r in x]
        for i in rng.choice(t, size=3, replace=False):
            rows[i][0] = "n/a?"
        _write(path, cols, rows)
        return "either"  # a few junk cells become gaps, or the column is refused as non-numeric
    if kind == "mixed_types":
        _write(path, [*cols, "kind"], [[*r, "label"] for r in x])
        return "either"
    if kind == "duplicated_timestamps":
        times = [f"2020-01-{1 + i // 24:02d} {i % 24:02d}:00" for i in range(t)]
        times[50] = times[49]
        _write(path, ["time", *cols], [[s, *r] for s, r in zip(times, x, strict=True)])
        return "either"
    if kind == "huge_values":
        _write(path, cols, x * 1e300)
        return "either"
    if kind == "inf_cells":
        y = x.copy()
        y[int(rng.integers(0, t)), 0] = np.inf
        _write(path, cols, y)
        return "either"
    if kind == "duplicate_columns":
        _write(path, [*cols, "copy"], np.column_stack([x, x[:, 0]]))
        return "load"
    raise ValueError(f"unknown data case kind {kind!r}; known: {list(DATA_KINDS)}")


def data_outcomes(kind: str, seed: int, folder: str | Path, cfg: Any = None) -> dict[str, Any]:
    """Write the case ``(kind, seed)`` into ``folder``, read it with ``from_csv`` and, when it
    loads and ``cfg`` (a ``TrainConfig``) is given, label the ts2vec preset on it.

    Returns:
        ``{"from_csv": (outcome, detail), "label": (outcome, detail) or None}``. ``from_csv``:
        ``"clean"`` for a ``DataError`` naming the file where one may be refused, ``"worked"``
        for a finite task where one may load, ``"other"`` otherwise (any other exception, a
        refusal of data that must load, a load of data that must be refused). ``label``:
        ``"worked"`` (ok), ``"clean"`` (a failed record with its reason) or ``"other"``.
    """
    from contrastive.data import DataError, from_csv

    path = Path(folder) / f"{kind}_{seed}.csv"
    expect = write_csv_case(kind, seed, path)
    time_col = "time" if kind == "duplicated_timestamps" else None
    out: dict[str, Any] = {"from_csv": ("other", ""), "label": None}
    try:
        task = from_csv(path, time_col=time_col)
    except DataError as err:
        ok = expect in ("error", "either") and path.name in str(err)
        out["from_csv"] = ("clean" if ok else "other", str(err)[:300])
        return out
    except Exception as err:  # noqa: BLE001 - classifying is the point
        out["from_csv"] = ("other", f"{type(err).__name__}: {err}"[:300])
        return out
    finite = np.isfinite(task.values).all() and all(
        np.isfinite(v).all() for v in task.splits().values()
    )
    if expect not in ("load", "either") or task.values.ndim != 2 or not finite:
        out["from_csv"] = ("other", f"loaded, but expected {expect!r} (finite: {finite})")
        return out
    out["from_csv"] = ("worked", f"{task.shape[0]} x {task.shape[1]}")
    if cfg is not None:
        from contrastive.presets import preset
        from contrastive.protocol import label

        try:
            rec = label(preset("ts2vec"), task, cfg)
        except Exception as err:  # noqa: BLE001
            out["label"] = ("other", f"{type(err).__name__}: {err}"[:300])
        else:
            if rec["status"] == "ok":
                out["label"] = ("worked", "")
            elif rec["status"] == "failed" and rec["error"]:
                out["label"] = ("clean", str(rec["error"])[:300])
            else:
                out["label"] = ("other", f"status {rec['status']!r}, error {rec['error']!r}")
    return out


# -- entry points -----------------------------------------------------------------------------


def tiny_comparator(seed: int = 0) -> Any:
    """A comparator of the cts space fitted for 2 epochs on 12 sampled archs of task ``t0``."""
    from predictor.comparator import Comparator, ComparatorConfig

    archs = CTS_SPACE.sample(12, seed)
    records = [{"arch": a, "task": "t0", "label": float(i)} for i, a in enumerate(archs)]
    comp = Comparator(CTS_SPACE, ComparatorConfig.tiny(epochs=2, val_fraction=0.0, seed=seed))
    comp.fit(records, {"t0": np.zeros(3, np.float32)})
    return comp


def net_step(arch: Any, n_series: int = 3, steps: int = 8, batch: int = 2) -> None:
    """``ContrastiveNet(arch)``, one forward of a ``[batch, 1, n_series, steps]`` input and one
    training step (loss and backward); a wrong shape or a non-finite value raises."""
    import torch

    from contrastive.net import ContrastiveNet

    gen = torch.Generator().manual_seed(0)
    net = ContrastiveNet(arch, n_series=n_series)
    x = torch.randn(batch, 1, n_series, steps, generator=gen)
    z = net(x)
    if tuple(z.shape) != (batch, net.repr_dim, n_series, steps) or not torch.isfinite(z).all():
        raise AssertionError(f"forward gave {tuple(z.shape)}, finite={bool(z.isfinite().all())}")
    loss, _ = net.loss(x, gen)
    if not torch.isfinite(loss):
        raise FloatingPointError(f"non-finite loss {float(loss)}")
    loss.backward()


def entry_points(comparator: Any, task: str = "t0") -> dict[str, Callable[[Any], Any]]:
    """What an arch goes through: ``validate``, ``encode``, ``ContrastiveNet`` (:func:`net_step`)
    and ``Comparator.score`` (of ``comparator`` on ``task``)."""
    import archgraph as ag

    return {
        "validate": ag.validate,
        "encode": ag.encode,
        "ContrastiveNet": net_step,
        "Comparator.score": lambda arch: comparator.score([arch], task),
    }


# -- fake label functions for fault injection -------------------------------------------------


def _fake_value(arch: Any, task: Any, cfg: Any) -> float:
    import hashlib
    import json

    text = f"{json.dumps(arch, sort_keys=True)}|{task.name}|{getattr(cfg, 'seed', 0)}"
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF


def sleepy_label(arch: Any, task: Any, cfg: Any) -> dict:
    """A fake label, a pure function of (arch, task, seed), that takes ``CTSNAS_FAKE_SLEEP``
    seconds (default 0.1): sweeps to kill at random moments without training anything."""
    import os
    import time

    time.sleep(float(os.environ.get("CTSNAS_FAKE_SLEEP", "0.1")))
    value = _fake_value(arch, task, cfg)
    return {"status": "ok", "label": value, "val_mse": value}


def faulty_label(arch: Any, task: Any, cfg: Any) -> dict:
    """A fake label that raises for about a quarter of the archs and returns a NaN loss for
    another eighth (as a diverging training would)."""
    value = _fake_value(arch, task, cfg)
    if value < 0.25:
        raise RuntimeError(f"injected fault {value:.3f}")
    if value < 0.375:
        return {"status": "ok", "label": float("nan"), "final_loss": float("nan")}
    return {"status": "ok", "label": value, "val_mse": value}
