"""A search that spends a budget of trainings on the user's own data (sequential model-based
optimisation, SMBO).

:func:`smbo` is the loop, for any space and any label function: score the candidates with a
surrogate (:mod:`predictor.surrogates`; before any label the comparator surrogate is the
zero-shot ranking), label the best ``batch`` not tried yet, refit the surrogate on every label
so far, add mutations of the best trials to the candidates, and repeat until ``trials`` labels
or ``minutes`` have been spent. Every trial is written to a :class:`contrastive.store.LabelStore`
as it finishes (its metrics carry ``smbo_trial``, its index), so a run stopped by Ctrl-C or a
kill continues where it stopped when rerun with the same store, task, budget and seed (a batch
cut short is planned again from the labels it has).

:func:`run_trials` is ``python -m predictor.search --trials K --batch B [--minutes M]
[--surrogate S]`` on a contrastive task: the loop above with ``contrastive.protocol.label`` as the
label, progress lines with trial, label and best-so-far beside the trained TS2Vec-like preset
and the raw-lag references, the best arch's trained encoder saved whenever a trial beats the
best, a result JSON with every trial, and ``--draw DIR``: the best arch and a best-so-far curve.
"""

from __future__ import annotations

import functools
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np

from cliconfig import option

# torch and PyG (archgraph.base, predictor.surrogates) load on first use, so that
# predictor.search can build these flags and answer --help before they load.
if TYPE_CHECKING:
    from archgraph.base import GraphSpace

    from .surrogates import Surrogate

SurrogateName = Literal["random", "rf", "gp", "zeroshot", "comparator", "priorgp"]
SURROGATES: tuple[str, ...] = get_args(SurrogateName)
"""The names ``predictor.surrogates.make_surrogate`` takes (the same tuple as
``predictor.surrogates.SURROGATES``; a test checks it)."""

LabelFn = Callable[[dict], dict]
"""``arch -> record`` with ``status`` (``ok``/``failed``) and ``label`` (lower is better)."""


@dataclass
class LoopConfig:
    """Budget and proposal settings of :func:`smbo`.

    Attributes:
        trials: labels to spend in all (those already in the store count).
        batch: labels per surrogate refit.
        minutes: stop starting new trials after this much wall time of this run (0: no limit).
        mutations: mutants of each of the ``batch`` best trials added to the candidates per
            round.
        seed: seeds the surrogate, the mutations and the tie order.
        eta: with a low-fidelity label function, low labels per full-budget trial (the
            ``eta * batch`` best-scored candidates are labelled low, the best ``batch`` of
            them by that label are trained at the full budget).
    """

    trials: int = 20
    batch: int = 4
    minutes: float = 0.0
    mutations: int = 32
    seed: int = 0
    eta: int = 3

    def check(self) -> None:
        if self.trials < 1 or self.batch < 1:
            raise ValueError(f"--trials and --batch must be >= 1, got {self.trials}, {self.batch}")
        if self.minutes < 0 or self.mutations < 0:
            raise ValueError(f"--minutes and mutations must be >= 0, got {self.minutes}")
        if self.eta < 2:
            raise ValueError(f"--eta must be >= 2 (low labels per full trial), got {self.eta}")


@dataclass
class Trial:
    """One label spent: its index (1-based), arch, hash, record and where it came from."""

    trial: int
    arch: dict
    hash: str
    record: dict
    source: str = "candidate"
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.record.get("status") == "ok" and math.isfinite(self.label)

    @property
    def label(self) -> float:
        v = self.record.get("label")
        return float(v) if isinstance(v, (int, float)) else math.nan

    def row(self) -> dict:
        return {
            "trial": self.trial,
            "hash": self.hash,
            "label": self.label if self.ok else None,
            "status": self.record.get("status"),
            "source": self.source,
            "seconds": self.seconds,
            "arch": self.arch,
            "record": self.record,
        }


@dataclass
class StoreSlot:
    """Where the trials live: a label store and the key parts shared by every trial.

    ``store=None`` keeps them in memory only (simulations with a stored oracle).
    ``index_key`` is the metric holding a trial's index: ``smbo_trial`` for full-budget trials,
    ``smbo_low_trial`` for the low-fidelity labels of successive halving (rows without this
    slot's key are not its trials, whatever their budget).
    """

    store: Any
    task: str
    budget: int
    seed: int
    fingerprint: str = ""
    code_version: str = ""
    space_version: str = ""
    index_key: str = "smbo_trial"
    _extra: dict = field(default_factory=dict)
    _memory: list = field(default_factory=list)

    def key(self, arch_hash: str) -> tuple[str, str, int, int]:
        return (arch_hash, self.task, self.budget, self.seed)

    def trials(self) -> list[Trial]:
        """The trials stored so far (rows with ``smbo_trial``), in trial order.

        Raises:
            ValueError: a stored trial was made on different data under the same task name.
        """
        if self.store is None:
            return list(self._memory)
        rows = [
            r
            for r in self.store.records(task=self.task, budget=self.budget, status=None)
            if r["seed"] == self.seed and self.index_key in r["metrics"]
        ]
        for r in rows:
            fp = r["metrics"].get("task_fingerprint", "")
            if self.fingerprint and fp and fp != self.fingerprint:
                raise ValueError(
                    f"{self.store.path}: trial {r['metrics'][self.index_key]} of task "
                    f"{self.task!r} was labelled on other data (fingerprint {fp[:19]}, this "
                    f"data {self.fingerprint[:19]}); use another --store or task name"
                )
        rows.sort(key=lambda r: r["metrics"][self.index_key])
        return [
            Trial(
                int(r["metrics"][self.index_key]),
                r["arch"],
                r["arch_hash"],
                {**r["metrics"], "status": r["status"], "label": r["label"], "error": r["error"]},
                r["metrics"].get("smbo_source", "candidate"),
                float(r["seconds"] or 0.0),
            )
            for r in rows
        ]

    def put(self, trial: Trial) -> None:
        if self.store is None:
            self._memory.append(trial)
            return
        result = {
            **trial.record,
            self.index_key: trial.trial,
            "smbo_source": trial.source,
            **({"task_fingerprint": self.fingerprint} if self.fingerprint else {}),
            **self._extra,
        }
        result.setdefault("seconds", trial.seconds)
        self.store.put(
            self.key(trial.hash),
            trial.arch,
            result,
            code_version=self.code_version,
            space_version=self.space_version,
        )


def best_so_far(trials: Sequence[Trial]) -> list[float]:
    """``[len(trials)]`` the lowest ok label among the first ``i + 1`` trials (NaN before any)."""
    out, best = [], math.inf
    for t in trials:
        if t.ok:
            best = min(best, t.label)
        out.append(best if math.isfinite(best) else math.nan)
    return out


def smbo(
    space: GraphSpace,
    surrogate: Surrogate,
    label_fn: LabelFn,
    candidates: Sequence[dict],
    cfg: LoopConfig,
    slot: StoreSlot,
    on_trial: Callable[[Trial, list[Trial]], None] | None = None,
    candidate_hashes: Sequence[str] | None = None,
    low_fn: LabelFn | None = None,
    low_slot: StoreSlot | None = None,
    on_low: Callable[[Trial], None] | None = None,
) -> tuple[list[Trial], dict[str, float]]:
    """Run (or continue) the loop until ``cfg.trials`` trials are stored or time is up.

    Args:
        space: the arch space (``mutate``, ``arch_hash``).
        surrogate: fitted on every ok label before each batch, scores the untried candidates.
        label_fn: ``arch -> record`` (trains and measures; must not raise for a bad arch).
        candidates: canonical archs to choose from (e.g. sampled); mutations of the best trials
            join them as the search goes.
        cfg: budget and proposal settings.
        slot: the label store and key parts; trials already there are continued from.
        on_trial: called after each new trial with it and all trials so far.
        candidate_hashes: ``space.arch_hash`` of ``candidates`` when already known.
        low_fn: a cheaper ``arch -> record`` (a low fidelity, e.g. fewer training steps):
            turns on successive halving (see the module docstring; ``cfg.eta``).
        low_slot: where the low-fidelity labels live (``index_key="smbo_low_trial"``, its
            own budget); required with ``low_fn``.
        on_low: called after each new low-fidelity label with it.

    Returns:
        ``(trials, timings)``: every full-budget trial in order, and ``label_s`` (wall seconds
        inside ``label_fn``), ``low_label_s`` (inside ``low_fn``), ``low_labels`` (low labels
        computed by this call), ``loop_s`` (wall seconds of the rest: fitting, scoring,
        proposing, storing), ``wall_s``, ``cpu_s`` (this process), ``refits``.

    Raises:
        ValueError: ``low_fn`` without a ``low_slot``, or a low slot that would share the
            full-budget trials' store keys (same store, budget and index).
    """
    cfg.check()
    if low_fn is not None:
        if low_slot is None:
            raise ValueError("successive halving needs a low_slot for its low-fidelity labels")
        if low_slot.index_key == slot.index_key or (
            low_slot.store is not None
            and low_slot.store is slot.store
            and low_slot.budget == slot.budget
        ):
            raise ValueError(
                f"low-fidelity labels need their own budget and index in the store (budget "
                f"{low_slot.budget} vs {slot.budget}, index {low_slot.index_key!r})"
            )
    low_done = {t.hash: t for t in low_slot.trials()} if low_fn is not None else {}
    low_trials = sorted(low_done.values(), key=lambda t: t.trial)
    low_s, low_new = 0.0, 0
    t0, c0 = time.perf_counter(), time.process_time()
    done = slot.trials()
    tried = {t.hash for t in done}
    pool = list(candidates)
    hashes = list(candidate_hashes) if candidate_hashes is not None else None
    if hashes is None:
        hashes = [space.arch_hash(a) for a in pool]
    if len(hashes) != len(pool):
        raise ValueError(f"{len(pool)} candidates but {len(hashes)} hashes")
    in_pool = set(hashes)
    source = ["candidate"] * len(pool)
    label_s, refits = 0.0, 0
    deadline = t0 + cfg.minutes * 60 if cfg.minutes else math.inf
    while len(done) < cfg.trials and time.perf_counter() < deadline:
        ok = [t for t in done if t.ok]
        rng = np.random.default_rng([cfg.seed, len(done), 1])
        for t in sorted(ok, key=lambda t: t.label)[: cfg.batch]:  # mutate the best
            for _ in range(cfg.mutations):
                m = space.mutate(t.arch, rng)
                h = space.arch_hash(m)
                if h not in in_pool:
                    in_pool.add(h)
                    pool.append(m)
                    hashes.append(h)
                    source.append(f"mutation of trial {t.trial}")
        open_idx = np.array([i for i, h in enumerate(hashes) if h not in tried], dtype=np.int64)
        if not len(open_idx):
            break
        surrogate.fit(
            [t.arch for t in ok], np.array([t.label for t in ok]), seed=cfg.seed + len(done)
        )
        refits += 1
        scores = surrogate.score([pool[i] for i in open_idx])
        # Ties (e.g. identical zero-shot scores) are broken by a seeded shuffle.
        tie = rng.permutation(len(open_idx))
        order = np.lexsort((tie, -scores))
        n_take = min(cfg.batch, cfg.trials - len(done))
        promoted: dict[int, str] = {}
        if low_fn is None:
            take = open_idx[order[:n_take]]
        else:  # successive halving: eta * n_take low labels, the best n_take go on
            wide = open_idx[order[: n_take * cfg.eta]]
            rungs = []
            for i in wide:
                h = hashes[i]
                if h not in low_done:
                    if time.perf_counter() >= deadline:
                        break
                    t_low = time.perf_counter()
                    rec = dict(low_fn(pool[i]))
                    spent = time.perf_counter() - t_low
                    low_s, low_new = low_s + spent, low_new + 1
                    lt = Trial(len(low_trials) + 1, pool[i], h, rec, source[i], spent)
                    low_slot.put(lt)
                    low_done[h] = lt
                    low_trials.append(lt)
                    if on_low is not None:
                        on_low(lt)
                rungs.append((low_done[h], int(i)))
            # A failed low label goes last: promoted only when too few low labels are ok.
            rungs.sort(key=lambda r: (not r[0].ok, r[0].label if r[0].ok else 0.0))
            take = [i for _, i in rungs[:n_take]]
            for rank, (lt, i) in enumerate(rungs[:n_take]):
                low = _fmt(lt.label) if lt.ok else "failed"
                promoted[i] = f"low label {low}, {rank + 1} of {len(rungs)} at low fidelity"
        for i in take:
            if time.perf_counter() >= deadline:
                break
            arch, h = pool[i], hashes[i]
            t_label = time.perf_counter()
            rec = dict(label_fn(arch))
            spent = time.perf_counter() - t_label
            label_s += spent
            why = source[i] if ok or source[i] != "candidate" else "first batch, no label yet"
            if i in promoted:
                why += f"; {promoted[i]}"
            trial = Trial(len(done) + 1, arch, h, rec, why, spent)
            slot.put(trial)
            done.append(trial)
            tried.add(h)
            if on_trial is not None:
                on_trial(trial, done)
    wall = time.perf_counter() - t0
    return done, {
        "label_s": label_s,
        "low_label_s": low_s,
        "low_labels": low_new,
        "loop_s": wall - label_s - low_s,
        "wall_s": wall,
        "cpu_s": time.process_time() - c0,
        "refits": refits,
    }


# --- the contrastive search (predictor.search --trials) ---------------------------------------


def _fmt(v: Any) -> str:
    return f"{v:.4f}" if isinstance(v, float) and math.isfinite(v) else "-"


def draw_curve(trials: Sequence[Trial], path: str | Path, refs: dict[str, float]) -> Path:
    """PNG of each trial's label and the best so far vs trial, references as lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6, 3.6))
    x = [t.trial for t in trials]
    ax.plot(x, [t.label if t.ok else np.nan for t in trials], "o", ms=3, alpha=0.5, label="trial")
    ax.step(x, best_so_far(trials), where="post", label="best so far")
    for (name, v), style in zip(refs.items(), ("--", ":", "-."), strict=False):
        if math.isfinite(v):
            ax.axhline(v, ls=style, color="grey", label=name)
    ax.set_xlabel("trial")
    ax.set_ylabel("validation label (lower is better)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def run_trials(cfg: Any, comp: Any, task_features: Any, label_fn: LabelFn | None = None) -> int:
    """``predictor.search --trials``: the loop on a contrastive task; writes ``cfg.out``.

    Args:
        cfg: a :class:`predictor.search.SearchConfig` (``trials``, ``batch``, ``minutes``,
            ``surrogate``, ``store``, ``n``, ``seed``, ``train_steps``, ``device``, paths).
        comp: the loaded comparator (the zero-shot prior; cts space).
        task_features: the task's features, as ``comp.score`` takes them.
        label_fn: ``(arch, task, train_config, on_trained) -> record`` (default
            ``contrastive.protocol.label``; tests pass a fake).

    Returns:
        0 (errors raise ``ValueError``, which the CLI turns into exit code 1).
    """
    if not comp.space.name.startswith("cts"):
        raise ValueError(
            f"--trials trains contrastive archs; this checkpoint's space is {comp.space.name!r}"
        )
    if cfg.surrogate not in SURROGATES:
        raise ValueError(f"--surrogate {cfg.surrogate!r}: choose from {list(SURROGATES)}")
    from contrastive.config import TrainConfig
    from contrastive.data import from_csv, load_task
    from contrastive.model import ContrastiveEncoder
    from contrastive.presets import preset
    from contrastive.protocol import label
    from contrastive.references import references
    from contrastive.store import LabelStore

    label_fn = label_fn or (lambda a, t, c, cb: label(a, t, c, on_trained=cb))
    low_steps = int(getattr(cfg, "low_steps", 0) or 0)
    loop = LoopConfig(
        cfg.trials, cfg.batch, cfg.minutes or 0.0, seed=cfg.seed, eta=getattr(cfg, "eta", 3)
    )
    loop.check()
    t_start, c_start = time.perf_counter(), time.process_time()
    task = load_task(cfg.task) if cfg.task else from_csv(cfg.data)
    overrides = {"steps": cfg.train_steps} if cfg.train_steps else {}
    tcfg = TrainConfig(device=cfg.device, seed=cfg.seed, **overrides)
    if low_steps and not 1 <= low_steps < tcfg.steps:
        raise ValueError(
            f"--low-steps {low_steps}: the low fidelity must be 1..{tcfg.steps - 1} steps (below "
            f"the full budget of {tcfg.steps})"
        )
    low_cfg = TrainConfig(device=cfg.device, seed=cfg.seed, **{**overrides, "steps": low_steps})
    out_dir = Path(cfg.out_dir)
    store_path = Path(cfg.store) if cfg.store else out_dir / "trials.sqlite"
    import archgraph

    slot = StoreSlot(
        LabelStore(store_path),
        task.name,
        tcfg.steps,
        tcfg.seed,
        fingerprint=getattr(task, "fingerprint", ""),
        code_version="predictor.smbo",
        space_version=archgraph.SPACE_VERSION,
    )
    low_slot = StoreSlot(
        slot.store,
        task.name,
        low_steps,
        tcfg.seed,
        fingerprint=slot.fingerprint,
        code_version="predictor.smbo",
        space_version=archgraph.SPACE_VERSION,
        index_key="smbo_low_trial",
    )
    space = comp.space
    # With --json, stdout carries the JSON document alone; the progress goes to stderr.
    say = functools.partial(print, file=sys.stderr) if cfg.json else print
    say(
        f"[2/4] {cfg.trials} trials in batches of {cfg.batch} ({cfg.surrogate} surrogate, "
        f"{tcfg.steps} steps each"
        + (
            f"; successive halving: {loop.eta} x {cfg.batch} labels at {low_steps} steps first"
            if low_steps
            else ""
        )
        + (f", at most {cfg.minutes:g} min" if cfg.minutes else "")
        + f") on {task.name}; trials are stored in {store_path} (rerun to continue)",
        flush=True,
    )
    # References first: the progress lines show them from the first trial on.
    t_ref = time.perf_counter()
    ts2vec = preset("ts2vec")
    p_hash = space.arch_hash(ts2vec)
    p_rows = [
        r
        for r in slot.store.records(task=task.name, budget=tcfg.steps, status="ok")
        if r["arch_hash"] == p_hash
        and r["seed"] == tcfg.seed
        and r["metrics"].get("task_fingerprint", slot.fingerprint) == slot.fingerprint
    ]
    if p_rows:
        preset_rec = {**p_rows[0]["metrics"], "label": p_rows[0]["label"], "status": "ok"}
    else:
        preset_rec = label_fn(ts2vec, task, tcfg, None)
        if slot.fingerprint:
            preset_rec["task_fingerprint"] = slot.fingerprint
        slot.store.put(slot.key(p_hash), ts2vec, preset_rec, code_version="predictor.smbo")
    refs = references(task, tcfg)
    ref_s = time.perf_counter() - t_ref
    kind = tcfg.label_kind
    ref_line = {
        "ts2vec preset": float(preset_rec.get("label", math.nan)),
        **{
            f"raw lags {refs[k]['lags']}": float(refs[k].get(kind, math.nan))
            for k in ("raw_short", "raw_long")
            if k in refs
        },
    }
    say(
        "      references ("
        + kind
        + "): "
        + ", ".join(f"{k} {_fmt(v)}" for k, v in ref_line.items())
    )
    t_samp = time.perf_counter()
    candidates, _ = space.sample_batch(cfg.n, cfg.seed)
    cand_hashes = [space.arch_hash(a) for a in candidates]
    keep = [i for i, h in enumerate(cand_hashes) if h != p_hash]  # the preset is a reference
    candidates = [candidates[i] for i in keep]
    cand_hashes = [cand_hashes[i] for i in keep]
    from .features import arch_features, max_nodes
    from .surrogates import ArchMemo, comparator_embeddings, make_surrogate

    embed = comparator_embeddings(comp, task_features)

    width = max_nodes(space, candidates)
    surrogate = make_surrogate(
        cfg.surrogate,
        space,
        comp=comp,
        task=task_features,
        seed=cfg.seed,
        features=ArchMemo(lambda a: arch_features(space, a, max_nodes=width)),
        embeddings=embed,
    )
    samp_s = time.perf_counter() - t_samp
    enc_path = Path(cfg.save_encoder) if cfg.save_encoder else out_dir / "best_encoder.pt"
    best = {"label": math.inf, "hash": None}
    prior = slot.trials()
    for t in prior:
        if t.ok and t.label < best["label"]:
            best = {"label": t.label, "hash": t.hash}
    if prior:
        say(f"      continuing: {len(prior)} trials already stored, best {_fmt(best['label'])}")
    saved = {"hash": _encoder_hash(enc_path, space)}

    def label_one(arch: dict) -> dict:
        kept: dict[str, Any] = {}
        rec = label_fn(arch, task, tcfg, lambda net: kept.update(net=net))
        if rec.get("status") == "ok" and rec["label"] < best["label"] and "net" in kept:
            mean, std = task.scaling()
            enc = ContrastiveEncoder.from_net(
                kept["net"], mean, std, config=tcfg, columns=tuple(task.columns)
            )
            enc.save(enc_path)
            saved["hash"] = space.arch_hash(arch)
        return rec

    def progress(trial: Trial, done: list[Trial]) -> None:
        if trial.ok and trial.label < best["label"]:
            best.update(label=trial.label, hash=trial.hash)
        mark = " *" if trial.hash == best["hash"] else ""
        lab = _fmt(trial.label) if trial.ok else f"failed ({trial.record.get('error')})"
        say(
            f"trial {trial.trial:>3}/{cfg.trials}  label {lab}{mark}  best {_fmt(best['label'])}  "
            f"| preset {_fmt(ref_line['ts2vec preset'])}  ({trial.seconds:.1f} s, {trial.source})",
            flush=True,
        )

    def progress_low(trial: Trial) -> None:
        lab = _fmt(trial.label) if trial.ok else f"failed ({trial.record.get('error')})"
        say(f"  low {trial.trial:>3}  label {lab} at {low_steps} steps  ({trial.seconds:.1f} s)")

    trials, timings = smbo(
        space,
        surrogate,
        label_one,
        candidates,
        loop,
        slot,
        on_trial=progress,
        candidate_hashes=cand_hashes,
        low_fn=(lambda a: label_fn(a, task, low_cfg, None)) if low_steps else None,
        low_slot=low_slot if low_steps else None,
        on_low=progress_low,
    )
    ok = [t for t in trials if t.ok]
    chosen = min(ok, key=lambda t: t.label) if ok else None
    if chosen is not None and saved["hash"] != chosen.hash:
        # The best trial came from an earlier run whose encoder file is gone: train it again
        # (same seed and budget: the same net).
        label_one_kept: dict[str, Any] = {}
        label_fn(chosen.arch, task, tcfg, lambda net: label_one_kept.update(net=net))
        if "net" in label_one_kept:
            mean, std = task.scaling()
            ContrastiveEncoder.from_net(
                label_one_kept["net"], mean, std, config=tcfg, columns=tuple(task.columns)
            ).save(enc_path)
            saved["hash"] = chosen.hash
    wall = time.perf_counter() - t_start
    train_s = timings["label_s"] + timings["low_label_s"] + ref_s
    doc = {
        "task": task.name,
        "surrogate": cfg.surrogate,
        "trials_asked": cfg.trials,
        "batch": cfg.batch,
        "minutes": cfg.minutes,
        "n_candidates": len(candidates),
        "store": str(store_path),
        "train_config": {"steps": tcfg.steps, "seed": tcfg.seed, "label_kind": kind},
        "successive_halving": (
            {
                "low_steps": low_steps,
                "eta": loop.eta,
                "low_trials": [t.row() for t in low_slot.trials()],
            }
            if low_steps
            else None
        ),
        "checkpoint": cfg.checkpoint,
        "trials": [t.row() for t in trials],
        "best_so_far": best_so_far(trials),
        "chosen": None if chosen is None else chosen.row(),
        "encoder": str(enc_path) if chosen is not None and saved["hash"] == chosen.hash else None,
        "preset": preset_rec,
        "references": refs,
        "beats_preset": None if chosen is None else bool(chosen.label < ref_line["ts2vec preset"]),
        "timings": {
            **timings,
            "references_s": ref_s,
            "sample_s": samp_s,
            "total_wall_s": wall,
            "total_cpu_s": time.process_time() - c_start,
            "training_s": train_s,
            "overhead_s": wall - train_s,
            "overhead_fraction": (wall - train_s) / wall if wall > 0 else 0.0,
        },
    }
    if cfg.draw and chosen is not None:
        from archgraph import draw

        doc["drawing"] = str(draw(chosen.arch, Path(cfg.draw) / "trials_best.png", space=space))
        doc["curve"] = str(draw_curve(trials, Path(cfg.draw) / "trials_curve.png", ref_line))
    out = Path(cfg.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=2, default=float) + "\n")
    tm = doc["timings"]
    say(
        f"[4/4] {len(trials)} trials in {tm['total_wall_s']:.1f} s wall, {tm['total_cpu_s']:.1f} s "
        f"CPU; loop overhead (all but training) {100 * tm['overhead_fraction']:.1f}%"
    )
    if cfg.json:
        print(json.dumps(doc, indent=2, default=float))
    if chosen is None:
        print("no trial trained successfully", file=sys.stderr)
        return 1
    verdict = "beats" if doc["beats_preset"] else "does not beat"
    say(
        f"chosen: trial {chosen.trial} ({chosen.hash}), label {_fmt(chosen.label)}; it {verdict} "
        f"the trained ts2vec preset ({_fmt(ref_line['ts2vec preset'])}); wrote {out}"
        + (f"; encoder {doc['encoder']}" if doc["encoder"] else "")
        + (f"; drew {doc['drawing']} and {doc['curve']}" if cfg.draw else "")
    )
    return 0


def _encoder_hash(path: Path, space: GraphSpace) -> str | None:
    """The arch hash of the encoder saved at ``path`` (None when there is none readable)."""
    if not path.is_file():
        return None
    try:
        from contrastive.model import ContrastiveEncoder

        return space.arch_hash(ContrastiveEncoder.load(path, device="cpu").arch)
    except (ValueError, OSError, KeyError):
        return None


_TRIALS = "search with a budget of trainings (predictor.smbo)"


@dataclass
class TrialFlags:
    """The ``--trials`` settings of ``predictor.search`` (a base class of its config)."""

    trials: int = option(
        0,
        "train K archs chosen one batch at a time by a surrogate refitted on the labels so far "
        "(0: zero-shot ranking only)",
        metavar="K",
        group=_TRIALS,
    )
    batch: int = option(4, "trials per refit", metavar="B", group=_TRIALS)
    minutes: float = option(0.0, "stop after M minutes (0: none)", metavar="M", group=_TRIALS)
    surrogate: SurrogateName = option(
        "comparator",
        "what picks the next trials (comparator: the zero-shot comparator fine-tuned on your "
        "labels, kept as a prior while they are few)",
        group=_TRIALS,
    )
    low_steps: int = option(
        0,
        "successive halving: label ETA x B candidates at S training steps first and train the "
        "best B of them at the full budget (0: off); low labels are stored apart",
        metavar="S",
        group=_TRIALS,
    )
    eta: int = option(
        3,
        "with --low-steps: low-fidelity labels per full-budget trial (>= 2)",
        metavar="E",
        group=_TRIALS,
    )
    store: str | None = option(
        None,
        "label store of the trials (default OUT_DIR/trials.sqlite); rerun to continue",
        group=_TRIALS,
    )
