"""The task-aware pairwise comparator (T-AHC) and its one narrow contract.

``Comparator(space, config)`` with ``fit(records, task_features)``, ``score(archs, task)``,
``compare(a, b, task)``, ``save(path)`` and ``Comparator.load(path)``. Variants (GNN, readout,
fusion, head, task inputs) are picked by name from the registries in :mod:`predictor.models`.
"""

from __future__ import annotations

import copy
import json
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from archgraph.base import GraphSpace
from archgraph.generic import GenericSpace, SpecError
from archgraph.registry import get_space  # spaces by name; predictor.get_space is this one

from .config import PAIR_RULES, ComparatorConfig
from .graphs import GraphTable
from .labels import aggregate, aggregate_se
from .metrics import kendall_tau, pairwise_accuracy
from .models import ComparatorNet
from .tasks import TaskFeatures, TaskFeaturizer, torch_threads

FORMAT = "ctsnas-comparator-1"
# Graphs per forward pass when scoring: small enough that the [nodes, width] activations stay
# in cache and in the allocator's reused memory (8192 graphs ran ~4x slower per graph on CPU).
CHUNK = 512


def pair_weights(diff: np.ndarray, se: np.ndarray, rule: str, z: float = 1.0) -> np.ndarray:
    """How much each training pair counts, from its label difference and combined SE.

    Args:
        diff: ``[P]`` differences of the pairs' mean labels.
        se: ``[P]`` combined standard errors ``sqrt(se_a^2 + se_b^2)`` (NaN: unknown).
        rule: one of :data:`PAIR_RULES` (see :class:`ComparatorConfig`).
        z: the ``drop`` threshold in standard errors.

    Returns:
        ``[P]`` weights in [0, 1]; 1 wherever ``se`` is unknown or zero.
    """
    w = np.ones(len(diff), dtype=np.float64)
    known = np.isfinite(se) & (se > 0)
    if rule == "none" or not known.any():
        return w
    ratio = np.abs(diff[known]) / se[known]
    if rule == "drop":
        w[known] = (ratio > z).astype(np.float64)
    elif rule == "weight":
        w[known] = np.array([math.erf(r / math.sqrt(2.0)) for r in ratio])  # 2 Phi(r) - 1
    else:
        raise ValueError(f"unknown pair_rule {rule!r}; choose from {PAIR_RULES}")
    return w


def _as_features(v: Any) -> TaskFeatures:
    if isinstance(v, TaskFeatures):
        return v
    return TaskFeatures(np.asarray(v, dtype=np.float32).reshape(-1))


class Comparator:
    """Pairwise comparator ``P(a better than b | task)`` over archs of one space.

    Args:
        space: the arch space (its ``encode_many`` feeds the GNN).
        config: a :class:`ComparatorConfig` (default: the real one).
        featurizer: turns raw tasks (arrays / task objects) into :class:`TaskFeatures`; only
            needed when ``score``/``compare`` get raw tasks rather than names or features.
    """

    def __init__(
        self,
        space: GraphSpace,
        config: ComparatorConfig | None = None,
        featurizer: TaskFeaturizer | None = None,
    ):
        self.space = space
        self.config = config or ComparatorConfig()
        self.featurizer = featurizer
        self.net: ComparatorNet | None = None
        self.task_table: dict[str, TaskFeatures] = {}
        self.dims: tuple[int, int] = (0, 0)
        self.history: dict[str, Any] = {}

    # --- tasks ---------------------------------------------------------------------------
    def _features(self, task: Any) -> TaskFeatures:
        if task is None or self.config.fusion == "none":  # a task-agnostic comparator reads none
            return TaskFeatures(np.zeros(self.dims[0], np.float32))
        if isinstance(task, str):
            if task not in self.task_table:
                raise ValueError(
                    f"unknown task {task!r}; this comparator knows {sorted(self.task_table)}"
                )
            return self.task_table[task]
        if isinstance(task, TaskFeatures):
            return task
        if isinstance(task, np.ndarray) and task.ndim == 1:
            return _as_features(task)
        if self.featurizer is None:
            raise ValueError("a raw task needs a featurizer (Comparator(..., featurizer=...))")
        return self.featurizer.features(task)

    def _task_tensors(self, feats: Sequence[TaskFeatures]) -> tuple[torch.Tensor, torch.Tensor]:
        s_dim, w_dim = self.dims
        stats = torch.zeros(len(feats), s_dim)
        n_win = max([f.windows.shape[0] for f in feats] + [1])
        windows = torch.zeros(len(feats), n_win, w_dim)
        for i, f in enumerate(feats):
            if f.stats.shape[0] != s_dim:
                raise ValueError(
                    f"task statistics have {f.stats.shape[0]} values, the comparator expects {s_dim}"
                )
            stats[i] = torch.from_numpy(np.asarray(f.stats, dtype=np.float32))
            if w_dim and f.windows.size:
                windows[i, : f.windows.shape[0]] = torch.from_numpy(
                    np.asarray(f.windows, np.float32)
                )
        return stats, windows

    def _task_vec(self, feats: TaskFeatures) -> torch.Tensor | None:
        stats, windows = self._task_tensors([feats])
        return self.net.task_vector(stats, windows)

    # --- embeddings and scores -----------------------------------------------------------
    def _embed(
        self, table: GraphTable, idx: torch.Tensor | None, t: torch.Tensor | None
    ) -> torch.Tensor:
        x, edge_index, batch = table.select(idx)
        n = table.n_graphs if idx is None else len(idx)
        return self.net.embed(x, edge_index, batch, n, t)

    def _embed_chunks(self, table: GraphTable, t: torch.Tensor | None) -> torch.Tensor:
        """Embeddings of every graph of ``table``, ``CHUNK`` graphs at a time."""
        out = []
        for i in range(0, len(table), CHUNK):
            stop = min(i + CHUNK, len(table))
            x, edge_index, batch = table.select_range(i, stop)
            out.append(self.net.embed(x, edge_index, batch, stop - i, t))
        return torch.cat(out) if out else torch.zeros(0, self.net.fusion.out_dim)

    def _scores_from_embeddings(self, e: torch.Tensor) -> torch.Tensor:
        """Score head: ``s``; concat head: mean win probability against reference archs."""
        head = self.net.head
        if head.has_scores:
            return head.scores(e)
        n = e.size(0)
        if n == 0:
            return torch.zeros(0)
        refs = torch.linspace(0, n - 1, min(n, self.config.concat_refs)).round().long().unique()
        out = torch.empty(n)
        step = max(1, 65536 // len(refs))
        uv = head.project(e)
        for i in range(0, n, step):
            ia = torch.arange(i, min(i + step, n)).repeat_interleave(len(refs))
            ib = refs.repeat(min(i + step, n) - i)
            p = torch.sigmoid(head.logits_from_projection(uv, ia, ib)).view(-1, len(refs))
            out[i : i + len(p)] = p.mean(1)
        return out

    def _require_net(self) -> ComparatorNet:
        if self.net is None:
            raise ValueError("the comparator is not trained: call fit() or Comparator.load()")
        return self.net

    @torch.no_grad()  # not inference mode: callers may feed the result to the (trainable) head
    def embeddings(
        self, archs: Sequence[Any] | GraphTable, task: Any = None, validated: bool = False
    ) -> torch.Tensor:
        """``[n, d]`` fused arch-task embeddings (``archs``: as in :meth:`score`)."""
        self._require_net().eval()
        with torch_threads(self.config.threads):
            table = (
                archs if isinstance(archs, GraphTable) else GraphTable(self.space, archs, validated)
            )
            return self._embed_chunks(table, self._task_vec(self._features(task)))

    @torch.inference_mode()
    def score(
        self, archs: Sequence[Any] | GraphTable, task: Any = None, validated: bool = False
    ) -> np.ndarray:
        """Scores ``[n]`` float64, higher = predicted better, for ``archs`` on ``task``.

        With the score head this is one batched pass over ``space.encode_many(archs)``; with
        the concat head each arch's mean win probability against ``concat_refs`` of the archs.

        Args:
            archs: archs of the comparator's space, or a :class:`GraphTable` of them already
                encoded (e.g. ``GraphTable.from_batch`` of ``space.sample_batch``).
            task: a task name seen in ``fit``, :class:`TaskFeatures`, a stats vector, or a raw
                task (array / task object, needs a featurizer).
            validated: skip validation for archs known canonical.
        """
        e = self.embeddings(archs, task, validated)
        with torch_threads(self.config.threads):
            return self._scores_from_embeddings(e).double().numpy()

    @torch.no_grad()
    def compare(self, a: Any, b: Any, task: Any = None) -> float:
        """``P(a is better than b | task)``. Exactly ``1 - compare(b, a)`` with the score head
        (both archs are embedded in one batch, in hash order)."""
        net = self._require_net()
        net.eval()
        pair = [a, b]
        swap = self.space.arch_hash(a) > self.space.arch_hash(b)
        e = self.embeddings(pair[::-1] if swap else pair, task)
        ia, ib = (
            (torch.tensor([1]), torch.tensor([0]))
            if swap
            else (torch.tensor([0]), torch.tensor([1]))
        )
        return float(torch.sigmoid(net.head.pair_logits(e, ia, ib).double())[0])

    def pair_prob_fn(self, e: torch.Tensor):
        """``(ia, ib) -> P [len(ia)]`` over precomputed embeddings ``e`` (for ranking procedures)."""
        head = self._require_net().head
        if head.has_scores:
            with torch.no_grad():
                s = head.scores(e)

            def fn(ia: torch.Tensor, ib: torch.Tensor) -> torch.Tensor:
                return torch.sigmoid(s[ia] - s[ib])

            return fn
        with torch.no_grad():
            uv = head.project(e)

        @torch.no_grad()
        def fn(ia: torch.Tensor, ib: torch.Tensor) -> torch.Tensor:
            return torch.sigmoid(head.logits_from_projection(uv, ia, ib))

        return fn

    # --- training ------------------------------------------------------------------------
    def _split(self, hashes: list[str], rng: np.random.Generator) -> set[str]:
        uniq = sorted(set(hashes))
        n_val = int(round(self.config.val_fraction * len(uniq)))
        return {uniq[i] for i in rng.permutation(len(uniq))[:n_val]}

    def fit(
        self,
        records: Iterable[dict],
        task_features: Mapping[str, Any],
        *,
        val_records: Iterable[dict] | None = None,
        warm_start: bool = False,
        verbose: bool = False,
        keep_start: bool = False,
    ) -> dict[str, Any]:
        """Train on pairs within each task (BCE), early-stopped on validation pairwise accuracy.

        Args:
            records: dicts with ``arch``, ``task``, ``label`` (lower is better); repeated
                (task, arch) labels are averaged.
            task_features: ``{task: TaskFeatures or stats vector}`` for every task in records.
            val_records: validation records; default: ``val_fraction`` of the archs (split by
                arch, seeded) of ``records``.
            warm_start: keep the current weights (second stage of multi-fidelity training).
            verbose: print progress.
            keep_start: also validate the starting weights (as epoch 0) and keep them unless a
                trained epoch has a strictly higher validation pairwise accuracy, so fine-tuning
                (with ``warm_start``) can't end below where it started on the validation archs.
                No effect without validation archs.

        Returns:
            The history: ``best_epoch`` (0: the starting weights were kept), ``best_val_acc``,
            per-task ``val`` metrics, ``seconds``; with ``keep_start`` also ``start_val_acc``.
        """
        with torch_threads(self.config.threads):
            return self._fit(records, task_features, val_records, warm_start, verbose, keep_start)

    def _fit(
        self, records, task_features, val_records, warm_start, verbose, keep_start
    ) -> dict[str, Any]:
        cfg = self.config
        t0 = time.time()
        torch.manual_seed(cfg.seed)
        rng = np.random.default_rng(cfg.seed)
        data_se, measured_noise = aggregate_se(self.space, records)
        data = {t: (archs, means) for t, (archs, means, _) in data_se.items()}
        se_of = {
            t: dict(zip(map(self.space.arch_hash, archs), ses, strict=True))
            for t, (archs, _, ses) in data_se.items()
        }
        noise = measured_noise if cfg.noise < 0 else cfg.noise
        if val_records is not None:
            val_data, _ = aggregate(self.space, val_records)
        else:
            val_hashes = self._split(
                [self.space.arch_hash(a) for archs, _ in data.values() for a in archs], rng
            )
            val_data = {}
            for task, (archs, labels) in list(data.items()):
                is_val = np.array(
                    [self.space.arch_hash(a) in val_hashes for a in archs], dtype=bool
                )
                val_data[task] = (
                    [a for a, v in zip(archs, is_val, strict=True) if v],
                    labels[is_val],
                )
                data[task] = (
                    [a for a, v in zip(archs, is_val, strict=True) if not v],
                    labels[~is_val],
                )
        tasks = sorted(data)
        uses_task = cfg.fusion != "none"
        missing = [t for t in {*tasks, *val_data} if t not in task_features]
        if missing and uses_task:
            raise ValueError(f"no task features for tasks {sorted(missing)}")
        for t in {*tasks, *val_data}:
            f = task_features.get(t) if uses_task else None  # fusion "none": features unused
            self.task_table[t] = _as_features(np.zeros(0, np.float32) if f is None else f)

        feats = [self.task_table[t] for t in tasks]
        dims = (
            int(feats[0].stats.shape[0]),
            int(feats[0].windows.shape[1]) if feats[0].windows.ndim == 2 else 0,
        )
        if not warm_start or self.net is None:
            self.dims = dims
            self.net = ComparatorNet(cfg, self.space.feature_dim, *dims)
            if self.net.task is not None:
                stats = np.stack([f.stats for f in feats])
                self.net.task.mean.copy_(torch.from_numpy(stats.mean(0)))
                sd = stats.std(0)
                self.net.task.std.copy_(torch.from_numpy(np.where(sd > 1e-6, sd, 1.0)))
        net = self.net

        # One graph table per split; archs are indexed by position in it.
        def build(
            split: dict,
        ) -> tuple[GraphTable, dict[str, tuple[np.ndarray, np.ndarray]], list[str]]:
            archs, index, per_task = [], {}, {}
            for task in sorted(split):
                a_list, labels = split[task]
                ids = []
                for a in a_list:
                    h = self.space.arch_hash(a)
                    if h not in index:
                        index[h] = len(archs)
                        archs.append(a)
                    ids.append(index[h])
                per_task[task] = (
                    np.array(ids, dtype=np.int64),
                    np.asarray(labels, dtype=np.float64),
                )
            return GraphTable(self.space, archs, validated=True), per_task, list(index)

        train_table, train_sets, hash_of = build(data)
        val_table, val_sets, _ = build(val_data)
        train_se = {
            t: np.array([se_of[t][hash_of[i]] for i in ids], dtype=np.float64)
            for t, (ids, _) in train_sets.items()
        }
        sizes = np.array([len(train_sets[t][0]) for t in tasks], dtype=float)
        if sizes.sum() < 2:
            raise ValueError("need at least 2 training archs")
        steps = cfg.steps_per_epoch or max(1, math.ceil(sizes.sum() / cfg.batch_archs))
        opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        task_stats, task_windows = self._task_tensors(feats)
        best = (-math.inf, 0, copy.deepcopy(net.state_dict()))
        log: list[dict] = []
        start_acc = self._val_acc(val_table, val_sets, noise) if keep_start else None
        if start_acc is not None:
            best = (start_acc, 0, best[2])
            log.append({"epoch": 0, "val_acc": start_acc, "loss": math.nan})
        loss = None
        for epoch in range(1, cfg.epochs + 1):
            net.train()
            for _ in range(steps):
                ti = int(rng.choice(len(tasks), p=sizes / sizes.sum()))
                ids, labels = train_sets[tasks[ti]]
                if len(ids) < 2:
                    continue
                pick = rng.choice(len(ids), size=min(cfg.batch_archs, len(ids)), replace=False)
                ia, ib = np.triu_indices(len(pick), 1)
                diff = labels[pick][ib] - labels[pick][ia]  # > 0: a is better
                se = train_se[tasks[ti]][pick]
                w = pair_weights(diff, np.hypot(se[ia], se[ib]), cfg.pair_rule, cfg.pair_z)
                keep = (np.abs(diff) > noise) & (w > 0)
                if not keep.any():
                    continue
                ia, ib, y = ia[keep], ib[keep], (diff[keep] > 0).astype(np.float32)
                w_t = torch.from_numpy(w[keep].astype(np.float32))
                t = net.task_vector(task_stats[ti : ti + 1], task_windows[ti : ti + 1])
                e = self._embed(train_table, torch.from_numpy(ids[pick]), t)
                ia_t, ib_t, y_t = torch.from_numpy(ia), torch.from_numpy(ib), torch.from_numpy(y)
                if net.head.has_scores:
                    logits, target, weight = net.head.pair_logits(e, ia_t, ib_t), y_t, w_t
                else:  # both orders
                    logits = net.head.pair_logits(
                        e, torch.cat([ia_t, ib_t]), torch.cat([ib_t, ia_t])
                    )
                    target, weight = torch.cat([y_t, 1 - y_t]), torch.cat([w_t, w_t])
                if cfg.pair_rule == "weight" and bool((w_t < 1).any()):
                    loss = (
                        F.binary_cross_entropy_with_logits(
                            logits, target, weight=weight, reduction="sum"
                        )
                        / weight.sum()
                    )
                else:  # all weights are 1 (the 0s are dropped): the plain mean, as before
                    loss = F.binary_cross_entropy_with_logits(logits, target)
                opt.zero_grad()
                loss.backward()
                opt.step()
            if loss is None:
                raise ValueError(f"no training pair is more than noise={noise:g} apart")
            if epoch % cfg.eval_every and epoch != cfg.epochs:
                continue
            acc = self._val_acc(val_table, val_sets, noise)
            # Without validation archs (val_fraction 0), the last batch's negative loss stands in.
            acc = float(-loss.detach()) if acc is None else acc
            log.append({"epoch": epoch, "val_acc": acc, "loss": float(loss.detach())})
            if verbose:
                print(f"epoch {epoch}: loss {float(loss.detach()):.4f} val pairwise acc {acc:.4f}")
            if acc > best[0]:
                best = (acc, epoch, copy.deepcopy(net.state_dict()))
            elif epoch - best[1] >= cfg.patience:
                break
        net.load_state_dict(best[2])
        net.eval()
        val = self._evaluate_sets(val_table, val_sets, noise) if len(val_table) else {}
        self.history = {
            "best_epoch": best[1],
            "best_val_acc": best[0],
            "val": val,
            "noise": noise,
            "measured_noise": measured_noise,
            "n_train_archs": int(sizes.sum()),
            "seconds": time.time() - t0,
            "log": log,
        }
        if keep_start:
            self.history["start_val_acc"] = start_acc
        return self.history

    def _val_acc(self, table: GraphTable, sets: dict, noise: float) -> float | None:
        """Mean validation pairwise accuracy over tasks (None without a scorable val task)."""
        metrics = self._evaluate_sets(table, sets, noise) if len(table) else {}
        accs = [m["pairwise_acc"] for m in metrics.values() if np.isfinite(m["pairwise_acc"])]
        return float(np.mean(accs)) if accs else None

    @torch.no_grad()
    def _evaluate_sets(self, table: GraphTable, sets: dict, noise: float) -> dict[str, dict]:
        self.net.eval()
        out = {}
        for task, (ids, labels) in sets.items():
            if len(ids) < 2:
                continue
            t = self._task_vec(self.task_table[task])
            e = torch.cat(
                [
                    self._embed(table, torch.from_numpy(ids[i : i + CHUNK]), t)
                    for i in range(0, len(ids), CHUNK)
                ]
            )
            s = self._scores_from_embeddings(e).double().numpy()
            out[task] = {
                "pairwise_acc": pairwise_accuracy(s, labels, noise),
                "kendall_tau": kendall_tau(s, labels),
                "n": len(ids),
            }
        return out

    def evaluate(
        self, archs: Sequence[Any], labels: np.ndarray, task: Any = None
    ) -> dict[str, float]:
        """``pairwise_acc`` and ``kendall_tau`` of :meth:`score` against ``labels`` (lower better)."""
        s = self.score(archs, task)
        return {"pairwise_acc": pairwise_accuracy(s, labels), "kendall_tau": kendall_tau(s, labels)}

    def fit_two_stage(
        self,
        low: Iterable[dict],
        high: Iterable[dict],
        task_features: Mapping[str, Any],
        finetune_epochs: int | None = None,
        verbose: bool = False,
    ) -> dict[str, Any]:
        """AutoCTS+ multi-fidelity: train on cheap low-budget labels, then fine-tune on
        full-budget ones (validation on full-budget archs in both stages)."""
        high = list(high)
        rng = np.random.default_rng(self.config.seed)
        val_hashes = self._split([self.space.arch_hash(r["arch"]) for r in high], rng)
        is_val = [self.space.arch_hash(r["arch"]) in val_hashes for r in high]
        high_train = [r for r, v in zip(high, is_val, strict=True) if not v]
        high_val = [r for r, v in zip(high, is_val, strict=True) if v]
        low = [r for r in low if self.space.arch_hash(r["arch"]) not in val_hashes]
        first = self.fit(low, task_features, val_records=high_val, verbose=verbose)
        epochs = self.config.epochs
        if finetune_epochs is not None:
            self.config.epochs = finetune_epochs
        try:
            second = self.fit(
                high_train, task_features, val_records=high_val, warm_start=True, verbose=verbose
            )
        finally:
            self.config.epochs = epochs
        return {"stage1": first, "stage2": second}

    # --- persistence ---------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write ``path`` (state_dict + metadata, loadable with ``weights_only=True``) and
        ``path.json`` (the config and space, human-readable)."""
        net = self._require_net()
        meta = {
            "format": FORMAT,
            "space": self.space.name,
            "space_version": self.space.version,
            "config": asdict(self.config),
            "dims": list(self.dims),
        }
        if isinstance(self.space, GenericSpace):  # the spec rebuilds the space on load
            meta["space_spec"] = self.space.spec.to_dict()
        tasks = {
            name: {
                "stats": torch.from_numpy(np.asarray(f.stats, np.float32)),
                "windows": torch.from_numpy(np.asarray(f.windows, np.float32)),
                "pooled": torch.from_numpy(np.asarray(f.pooled, np.float32)),
            }
            for name, f in self.task_table.items()
        }
        blob = {"meta": json.dumps(meta), "state_dict": net.state_dict(), "tasks": tasks}
        if self.featurizer is not None and self.featurizer.embedder is not None:
            st = self.featurizer.embedder.state()
            blob["embedder"] = {"config": json.dumps(st["config"]), "state_dict": st["state_dict"]}
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(blob, path)
        Path(f"{path}.json").write_text(
            json.dumps({**meta, "tasks": sorted(tasks)}, indent=2) + "\n"
        )
        return path

    @classmethod
    def load(cls, path: str | Path, space: GraphSpace | None = None) -> Comparator:
        """Load a checkpoint written by :meth:`save`.

        Args:
            path: the checkpoint.
            space: the space its archs live in; default: the space its ``meta.space`` names,
                found through :func:`archgraph.get_space` (built in, registered with
                ``archgraph.register_space`` or declared as a ``ctsnas.spaces`` entry point),
                or, for a generic cell space that is not registered, rebuilt from the spec the
                checkpoint carries (``meta.space_spec``).

        Raises:
            ValueError: unreadable file, not a comparator checkpoint, a space name that is not
                known (naming it and the known ones), or made for another space / space version
                than ``space``.
        """
        path = Path(path)
        try:
            blob = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as err:  # torch raises assorted types (UnpicklingError, RuntimeError, ...)
            raise ValueError(f"{path}: not a readable comparator checkpoint ({err})") from err
        meta = check_checkpoint(blob, path)
        if space is None:
            space = _space_of(meta, path)
        if meta["space"] != space.name or meta["space_version"] != space.version:
            raise ValueError(
                f"{path}: checkpoint was made for space {meta['space']!r} version "
                f"{meta['space_version']!r}, but this space is {space.name!r} version {space.version!r}"
            )
        featurizer = None
        if "embedder" in blob:
            from .tasks import EmbedderConfig, WindowEmbedder

            emb = WindowEmbedder(EmbedderConfig(**json.loads(blob["embedder"]["config"])))
            _load_weights(emb.net, blob["embedder"]["state_dict"], path, "embedder")
            emb.trained = True
            featurizer = TaskFeaturizer(emb)
        comp = cls(space, ComparatorConfig.from_dict(meta["config"]), featurizer)
        comp.dims = tuple(meta["dims"])
        comp.net = ComparatorNet(comp.config, space.feature_dim, *comp.dims)
        _load_weights(comp.net, blob["state_dict"], path, "comparator")
        comp.net.eval()
        comp.task_table = {
            n: TaskFeatures(t["stats"].numpy(), t["windows"].numpy(), t["pooled"].numpy())
            for n, t in blob["tasks"].items()
        }
        return comp


def _space_of(meta: Mapping[str, Any], path: str | Path) -> GraphSpace:
    """The space a checked checkpoint ``meta`` names: by name, else from its generic spec."""
    try:
        return get_space(meta["space"])
    except ValueError as err:
        if "space_spec" not in meta:
            raise ValueError(f"{path}: meta.space: {err}") from None
    return GenericSpace(meta["space_spec"])  # parsed in check_checkpoint: cannot fail here


# --- checkpoint checks: a checkpoint is untrusted input -------------------------------------
# Bounds on the sizes a checkpoint may ask for before any tensor is allocated (the shipped
# comparator uses width 64, depth 3, 12 statistics); a crafted width of 1e7 would otherwise
# try to allocate hundreds of TB.
CONFIG_BOUNDS = {
    "depth": (1, 32),
    "width": (1, 4096),
    "task_dim": (1, 4096),
    "head_hidden": (1, 4096),
    "concat_refs": (1, 1 << 20),
    "batch_archs": (1, 1 << 20),
    "threads": (1, 1024),
}
MAX_DIM = 1 << 16
EMBEDDER_BOUNDS = {"window": (1, 1 << 16), "hidden": (1, 4096), "dim": (1, 4096), "depth": (1, 64)}


def _kind_ok(value: Any, hint: Any) -> bool:
    """Whether a JSON value fits a dataclass field annotation (``int``, ``str | None``,
    ``Literal["a", "b"]``...)."""
    import typing
    from types import UnionType

    args = (
        typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, UnionType) else (hint,)
    )
    for kind in args:
        if kind is type(None) and value is None:
            return True
        if typing.get_origin(kind) is typing.Literal:  # a named choice (predictor.config):
            kind = str  # its kind here; ComparatorConfig itself names the choices
        if kind is bool and isinstance(value, bool):
            return True
        if isinstance(value, bool):
            continue
        if kind is int and isinstance(value, int):
            return True
        if kind is float and isinstance(value, (int, float)) and math.isfinite(value):
            return True
        if kind is str and isinstance(value, str):
            return True
    return False


def _check_fields(
    values: Any, cls: type, bounds: Mapping[str, tuple[int, int]], where: str
) -> None:
    import typing

    if not isinstance(values, dict):
        raise ValueError(f"{where}: expected an object, got {type(values).__name__}")
    hints = typing.get_type_hints(cls)
    for name, value in values.items():
        if name not in hints:
            continue  # from_dict drops fields of other versions
        if not _kind_ok(value, hints[name]):
            raise ValueError(
                f"{where}.{name}: expected {hints[name]}, got {type(value).__name__} "
                f"{str(value)[:40]!r}"
            )
        lo, hi = bounds.get(name, (None, None))
        if lo is not None and value is not None and not lo <= value <= hi:
            raise ValueError(f"{where}.{name}: {value} is outside {lo}..{hi}")


def _is_tensor(value: Any, ndim: int) -> bool:
    return isinstance(value, torch.Tensor) and value.dim() == ndim and value.is_floating_point()


def check_checkpoint(blob: Any, path: str | Path) -> dict[str, Any]:
    """The checked ``meta`` of a loaded checkpoint, validated before anything is built.

    Checks: ``blob`` holds ``meta`` (a JSON object), ``state_dict`` and ``tasks``; ``meta`` has
    this ``format``, a ``space`` name and ``space_version`` (and, for a generic cell space, a
    ``space_spec`` that parses and describes that space and version), a ``config`` whose every
    field has its :class:`ComparatorConfig` type and sizes within :data:`CONFIG_BOUNDS`, and
    ``dims`` ``[stats, window_dim]`` of ints in ``0..MAX_DIM``; each task holds float tensors
    ``stats [S]`` (``S = dims[0]``), ``windows [W, D]`` and ``pooled [D]``; every weight is a
    finite float tensor; an ``embedder`` has a config of :class:`~predictor.tasks.EmbedderConfig`
    fields. A JSON sidecar ``path.json``, where present, must agree with the embedded meta.

    Raises:
        ValueError: naming ``path`` and the field that is wrong.
    """
    from .tasks import EmbedderConfig

    if not isinstance(blob, dict) or not isinstance(blob.get("meta"), str):
        raise ValueError(f"{path}: not a comparator checkpoint (no 'meta' text)")
    try:
        meta = json.loads(blob["meta"])
    except (ValueError, RecursionError) as err:
        raise ValueError(f"{path}: meta is not JSON ({str(err)[:200]})") from None
    if not isinstance(meta, dict):
        raise ValueError(f"{path}: meta must be an object, got {type(meta).__name__}")
    if meta.get("format") != FORMAT:
        raise ValueError(f"{path}: format {str(meta.get('format'))[:60]!r}, expected {FORMAT!r}")
    for key in ("space", "space_version"):
        if not isinstance(meta.get(key), str):
            raise ValueError(f"{path}: meta.{key} must be a string, got {meta.get(key)!r:.60}")
    if "space_spec" in meta:
        try:
            spec_space = GenericSpace(meta["space_spec"])
        except (SpecError, TypeError) as err:
            raise ValueError(f"{path}: meta.space_spec: {str(err)[:200]}") from None
        if (spec_space.name, spec_space.version) != (meta["space"], meta["space_version"]):
            raise ValueError(
                f"{path}: meta.space_spec describes space {spec_space.name!r} version "
                f"{spec_space.version!r}, but meta.space says {meta['space']!r} version "
                f"{meta['space_version']!r}"
            )
    _check_fields(meta.get("config"), ComparatorConfig, CONFIG_BOUNDS, f"{path}: meta.config")
    try:
        ComparatorConfig.from_dict(meta["config"])  # names of GNN, head, fusion... are known
    except (ValueError, TypeError) as err:
        raise ValueError(f"{path}: meta.config: {err}") from None
    dims = meta.get("dims")
    if not (
        isinstance(dims, list)
        and len(dims) == 2
        and all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= MAX_DIM for d in dims)
    ):
        raise ValueError(f"{path}: meta.dims must be [stats, window_dim] of ints in 0..{MAX_DIM}")
    tasks = blob.get("tasks")
    if not isinstance(tasks, dict):
        raise ValueError(f"{path}: 'tasks' must map task names to features")
    for name, t in tasks.items():
        where = f"{path}: task {str(name)[:60]!r}"
        if not isinstance(t, dict):
            raise ValueError(f"{where}: expected stats, windows and pooled tensors")
        for key, ndim in (("stats", 1), ("windows", 2), ("pooled", 1)):
            if not _is_tensor(t.get(key), ndim):
                raise ValueError(f"{where}: {key} must be a float tensor of {ndim} dimension(s)")
            if not torch.isfinite(t[key]).all():
                raise ValueError(f"{where}: {key} holds NaN or infinite values")
        if t["stats"].shape[0] != dims[0]:
            raise ValueError(f"{where}: {t['stats'].shape[0]} statistics, meta.dims says {dims[0]}")
    _check_weights(blob.get("state_dict"), path, "comparator")
    if "embedder" in blob:
        emb = blob["embedder"]
        if not isinstance(emb, dict) or not isinstance(emb.get("config"), str):
            raise ValueError(f"{path}: embedder must hold a config (JSON text) and a state_dict")
        try:
            emb_cfg = json.loads(emb["config"])
        except (ValueError, RecursionError):
            raise ValueError(f"{path}: embedder config is not JSON") from None
        _check_fields(emb_cfg, EmbedderConfig, EMBEDDER_BOUNDS, f"{path}: embedder.config")
        unknown = set(emb_cfg) - {f.name for f in fields(EmbedderConfig)}
        if unknown:
            raise ValueError(f"{path}: embedder.config: unknown fields {sorted(unknown)[:5]}")
        _check_weights(emb.get("state_dict"), path, "embedder")
    _check_sidecar(meta, sorted(tasks), path)
    return meta


def _check_weights(state: Any, path: str | Path, what: str) -> None:
    if not isinstance(state, dict) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items()
    ):
        raise ValueError(f"{path}: the {what} weights must map names to tensors")
    for name, w in state.items():
        if w.is_floating_point() and not torch.isfinite(w).all():
            raise ValueError(
                f"{path}: {what} weight {name[:80]!r} holds NaN or infinite values; it would "
                "rank every arch at nan"
            )


def _load_weights(net: torch.nn.Module, state: dict, path: str | Path, what: str) -> None:
    """``load_state_dict`` (strict) with missing, extra or mis-shaped weights named."""
    want = net.state_dict()
    missing = sorted(set(want) - set(state))
    extra = sorted(set(state) - set(want))
    shaped = sorted(k for k in set(want) & set(state) if want[k].shape != state[k].shape)
    if missing or extra or shaped:
        parts = [
            f"{label} {names[:3]}{' ...' if len(names) > 3 else ''}"
            for label, names in (
                ("missing", missing),
                ("unexpected", extra),
                ("mis-shaped", shaped),
            )
            if names
        ]
        raise ValueError(
            f"{path}: the {what} weights do not fit the net its meta describes: " + "; ".join(parts)
        )
    net.load_state_dict(state)


def _check_sidecar(meta: dict, tasks: list[str], path: str | Path) -> None:
    """The human-readable ``path.json`` written by :meth:`Comparator.save`, where present,
    must say what the embedded meta says (a mismatch means one of them was edited)."""
    side = Path(f"{path}.json")
    if not side.is_file():
        return
    from archgraph.io import read_json

    try:
        data = read_json(side, max_bytes=1 << 22, what="checkpoint sidecar")
    except ValueError as err:
        raise ValueError(f"{path}: sidecar {err}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{side}: expected an object, got {type(data).__name__}")
    expected = {**meta, "tasks": tasks}
    for key in sorted(set(expected) | set(data)):
        if data.get(key) != expected.get(key):
            raise ValueError(
                f"{side}: {key!r} disagrees with the meta embedded in {path} "
                f"({str(data.get(key))[:60]} vs {str(expected.get(key))[:60]}); one was edited"
            )
