"""One surrogate contract for the search loop (:mod:`predictor.smbo`) and its benchmark.

Every surrogate answers two calls, whose signatures never change between surrogates::

    surrogate.fit(archs, labels, seed=0)   # labels [n], LOWER is better; returns self
    surrogate.score(archs) -> [m] float64  # HIGHER = try first

What a surrogate needs besides the labelled archs (a comparator and the task, a feature
function, a cache) goes to its constructor, so the loop treats them all alike:

- :class:`RandomSurrogate`: uniform scores (random search).
- :class:`ForestSurrogate`: a random forest on :func:`predictor.features.arch_features`
  fitted to label ranks; score = minus the predicted rank.
- :class:`GPSurrogate`: a Gaussian process on the same rows (the kernel of
  ``benchmarks.baselines.gp_scores``); score = expected improvement over the best rank
  (BO with EI) or, with ``acquisition="mean"``, minus the posterior mean.
- :class:`ZeroShotSurrogate`: a trained comparator's zero-shot scores for the task; ``fit``
  learns nothing.
- :class:`ComparatorSurrogate`: the zero-shot comparator fine-tuned on the target's labels
  and blended with its own zero-shot scores, the blend weight chosen by cross-validation over
  the target labels (weight 0, the prior alone, while labels are few or fine-tuning does not
  predict held-out labels better).
- :class:`PriorGPSurrogate`: GP-SMBO whose mean function is the zero-shot prior (a linear map
  of its scores to label ranks fitted on the target labels, the GP modelling what the prior
  gets wrong); the prior alone before 2 labels.

Before they have 2 labels, the forest and the GP score at random (a random initial design).
:func:`make_surrogate` builds one by name (:data:`SURROGATES`).
"""

from __future__ import annotations

import copy
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from scipy.stats import norm, rankdata

from archgraph.base import GraphSpace

from .features import arch_features, max_nodes
from .metrics import kendall_tau
from .tasks import torch_threads

SURROGATES = ("random", "rf", "gp", "zeroshot", "comparator", "priorgp")
BLEND_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)
"""Weights of the fine-tuned scores tried by :class:`ComparatorSurrogate` (the rest is the
zero-shot prior)."""

Rows = Callable[[Sequence[Any]], np.ndarray]


class Surrogate(ABC):
    """The contract: ``fit(archs, labels, seed=0) -> self`` and ``score(archs) -> [m]``."""

    name: str = ""

    @abstractmethod
    def fit(self, archs: Sequence[Any], labels: np.ndarray, *, seed: int = 0) -> Surrogate:
        """Learn from ``archs`` (``n``, canonical, of the surrogate's space) and their
        ``labels [n]`` (lower is better; every label of the target seen so far, not only the
        newest). Each call starts from what the surrogate knew before any ``fit``."""

    @abstractmethod
    def score(self, archs: Sequence[Any]) -> np.ndarray:
        """Scores ``[m]`` float64 of ``archs``; higher = more worth a trial."""


class ArchMemo:
    """``fn(archs) -> [m, ...]`` computed once per arch object and reused.

    Keyed by the arch's identity (``id``); the memo keeps a reference to every arch it has
    seen, so an id is never reused while the memo lives. Candidate pools are fixed lists (or
    grow by new mutation dicts), so a pool's rows are computed once per search, not per refit.

    Args:
        fn: rows of a list of archs (numpy array or tensor, first axis = arch).
    """

    def __init__(self, fn: Callable[[Sequence[Any]], Any]):
        self.fn = fn
        self._index: dict[int, int] = {}
        self._keep: list[Any] = []
        self._rows: list[Any] = []
        self._stack: Any = None

    def __call__(self, archs: Sequence[Any]) -> Any:
        fresh = list({id(a): a for a in archs if id(a) not in self._index}.values())
        if fresh:
            rows = self.fn(fresh)
            for a in fresh:
                self._index[id(a)] = len(self._keep)
                self._keep.append(a)
            self._rows.append(rows)
            self._stack = None
        stack = self._stacked()
        idx = np.fromiter((self._index[id(a)] for a in archs), dtype=np.int64, count=len(archs))
        return stack[torch.from_numpy(idx)] if isinstance(stack, torch.Tensor) else stack[idx]

    def _stacked(self) -> Any:
        if self._stack is None:
            first = self._rows[0]
            self._stack = (
                torch.cat(self._rows)
                if isinstance(first, torch.Tensor)
                else np.concatenate(self._rows)
            )
            self._rows = [self._stack]
        return self._stack


def _ranks(y: np.ndarray) -> np.ndarray:
    """Labels as ranks in ``(0, 1]`` (lower label, lower rank): robust to a few huge labels."""
    y = np.asarray(y, dtype=np.float64)
    return rankdata(y) / len(y)


class RandomSurrogate(Surrogate):
    """Uniform scores from a seeded Generator (``fit`` reseeds it: same labels + seed, same
    scores)."""

    name = "random"

    def __init__(self, seed: int = 0):
        self._rng = np.random.default_rng(seed)

    def fit(self, archs: Sequence[Any], labels: np.ndarray, *, seed: int = 0) -> Surrogate:
        self._rng = np.random.default_rng([seed, len(archs)])
        return self

    def score(self, archs: Sequence[Any]) -> np.ndarray:
        return self._rng.random(len(archs))


class _FeatureSurrogate(Surrogate):
    """Shared by the forest and the GP: feature rows, random scores before 2 labels."""

    def __init__(self, space: GraphSpace, features: Rows | None = None, seed: int = 0):
        self.space = space
        self._features = features
        self._width: int | None = None
        self._model: Any = None
        self._rng = np.random.default_rng(seed)

    def _rows(self, archs: Sequence[Any]) -> np.ndarray:
        if self._features is not None:
            return np.asarray(self._features(archs), dtype=np.float64)
        return arch_features(self.space, archs, max_nodes=self._width).astype(np.float64)

    def fit(self, archs: Sequence[Any], labels: np.ndarray, *, seed: int = 0) -> Surrogate:
        labels = np.asarray(labels, dtype=np.float64)
        if len(labels) != len(archs):
            raise ValueError(f"{len(archs)} archs but {len(labels)} labels")
        self._rng = np.random.default_rng([seed, len(archs)])
        self._model = None
        if len(archs) < 2:
            return self
        if self._features is None and not self.space.name.startswith("nbgraph"):
            self._width = max_nodes(self.space, archs)
        self._y = _ranks(labels)
        self._fit_rows(self._rows(archs), self._y, seed)
        return self

    def score(self, archs: Sequence[Any]) -> np.ndarray:
        if self._model is None:
            return self._rng.random(len(archs))
        if not len(archs):
            return np.zeros(0)
        return self._score_rows(self._rows(archs))

    @abstractmethod
    def _fit_rows(self, x: np.ndarray, y: np.ndarray, seed: int) -> None: ...

    @abstractmethod
    def _score_rows(self, x: np.ndarray) -> np.ndarray: ...


class ForestSurrogate(_FeatureSurrogate):
    """Random forest (scikit-learn, ``trees`` trees, one job) on feature rows -> label ranks."""

    name = "rf"

    def __init__(
        self, space: GraphSpace, features: Rows | None = None, seed: int = 0, trees: int = 100
    ):
        super().__init__(space, features, seed)
        self.trees = trees

    def _fit_rows(self, x: np.ndarray, y: np.ndarray, seed: int) -> None:
        from sklearn.ensemble import RandomForestRegressor

        self._model = RandomForestRegressor(self.trees, random_state=seed, n_jobs=1).fit(x, y)

    def _score_rows(self, x: np.ndarray) -> np.ndarray:
        return -self._model.predict(x)


class GPSurrogate(_FeatureSurrogate):
    """Gaussian process on feature rows -> label ranks; expected improvement (or the mean).

    Kernel ``C * RBF(3) + White`` with maximum-marginal-likelihood hyperparameters and
    normalised targets, as in ``benchmarks.baselines.gp_scores``.
    ``EI(x) = (best - mu - xi) Phi(z) + sigma phi(z)``, ``z = (best - mu - xi) / sigma``,
    for minimising the rank (``best``: the lowest rank seen).
    """

    name = "gp"

    def __init__(
        self,
        space: GraphSpace,
        features: Rows | None = None,
        seed: int = 0,
        acquisition: str = "ei",
        xi: float = 0.0,
    ):
        super().__init__(space, features, seed)
        if acquisition not in ("ei", "mean"):
            raise ValueError(f"acquisition must be 'ei' or 'mean', got {acquisition!r}")
        self.acquisition, self.xi = acquisition, xi

    def _fit_rows(self, x: np.ndarray, y: np.ndarray, seed: int) -> None:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

        kernel = ConstantKernel(1.0) * RBF(3.0) + WhiteKernel(0.1, (1e-6, 10.0))
        gp = GaussianProcessRegressor(kernel, normalize_y=True, random_state=seed)
        with warnings.catch_warnings():  # bounds hit on a handful of points are expected
            warnings.simplefilter("ignore", ConvergenceWarning)
            self._model = gp.fit(x, y)
        self._best = float(y.min())

    def _score_rows(self, x: np.ndarray) -> np.ndarray:
        mu, sd = self._model.predict(x, return_std=True)
        if self.acquisition == "mean":
            return -mu
        gain = self._best - mu - self.xi
        sd = np.maximum(sd, 1e-12)
        z = gain / sd
        return gain * norm.cdf(z) + sd * norm.pdf(z)


class PriorGPSurrogate(GPSurrogate):
    """GP with the zero-shot prior as its mean function; expected improvement.

    ``fit``: standardise the prior's scores ``p`` over the labelled archs (``z``), fit the
    label ranks ``r ~ a + b z`` by least squares with ``b <= 0`` (a higher prior score should
    mean a lower rank; a prior that ranks the target backwards gets ``b = 0`` and the search
    is plain GP-SMBO), and the GP of :class:`GPSurrogate` on the residuals ``r - a - b z``.
    ``score``: EI of ``mu = a + b z(x) + mu_GP(x)`` with the GP's ``sigma``, against the lowest
    rank seen. Before 2 labels the prior's own scores (its zero-shot first batch).

    Args:
        space: the arch space.
        prior: ``archs -> [m]`` zero-shot scores (higher = better), e.g.
            :func:`comparator_prior`.
        features: ``archs -> [m, D]`` the GP's input rows (default: arch features).
        seed: seeds the GP's optimiser restarts.
        xi: EI's exploration margin (in rank units).
    """

    name = "priorgp"

    def __init__(
        self,
        space: GraphSpace,
        prior: Rows,
        features: Rows | None = None,
        seed: int = 0,
        xi: float = 0.0,
    ):
        super().__init__(space, features, seed, "ei", xi)
        self.prior = prior
        self.slope = 0.0

    def fit(self, archs: Sequence[Any], labels: np.ndarray, *, seed: int = 0) -> Surrogate:
        self._p_fit = np.asarray(self.prior(archs), dtype=np.float64) if len(archs) else None
        return super().fit(archs, labels, seed=seed)

    def _fit_rows(self, x: np.ndarray, y: np.ndarray, seed: int) -> None:
        p = self._p_fit
        self._p_ref = (float(p.mean()), float(p.std()) + 1e-12)
        z = (p - self._p_ref[0]) / self._p_ref[1]
        var = float(z.var())
        b = min(float(((z - z.mean()) * (y - y.mean())).mean()) / var, 0.0) if var > 0 else 0.0
        self.slope, self._a = b, float(y.mean() - b * z.mean())
        super()._fit_rows(x, y - self._a - b * z, seed)
        self._best = float(y.min())  # EI against the best rank, not the best residual

    def score(self, archs: Sequence[Any]) -> np.ndarray:
        p = np.asarray(self.prior(archs), dtype=np.float64)
        if self._model is None or not len(archs):
            return p
        mu, sd = self._model.predict(self._rows(archs), return_std=True)
        mu = mu + self._a + self.slope * (p - self._p_ref[0]) / self._p_ref[1]
        gain = self._best - mu - self.xi
        sd = np.maximum(sd, 1e-12)
        z = gain / sd
        return gain * norm.cdf(z) + sd * norm.pdf(z)


class ZeroShotSurrogate(Surrogate):
    """A trained comparator's scores for one task; ``fit`` changes nothing.

    Args:
        prior: ``archs -> [m]`` zero-shot scores (e.g. :func:`comparator_prior`).
    """

    name = "zeroshot"

    def __init__(self, prior: Rows):
        self.prior = prior

    def fit(self, archs: Sequence[Any], labels: np.ndarray, *, seed: int = 0) -> Surrogate:
        return self

    def score(self, archs: Sequence[Any]) -> np.ndarray:
        return np.asarray(self.prior(archs), dtype=np.float64)


def comparator_embeddings(comp: Any, task: Any) -> Callable[[Sequence[Any]], torch.Tensor]:
    """``archs -> [m, d]`` the comparator's fused arch-task embeddings for ``task`` (memoised
    per arch object, see :class:`ArchMemo`)."""
    return ArchMemo(lambda archs: comp.embeddings(archs, task, validated=True))


def comparator_prior(
    comp: Any, task: Any, embeddings: Callable[[Sequence[Any]], torch.Tensor] | None = None
) -> Rows:
    """``archs -> [m]`` the (score-head) comparator's zero-shot scores for ``task``, from
    ``embeddings`` (default :func:`comparator_embeddings`, memoised)."""
    embed = embeddings or comparator_embeddings(comp, task)
    head = comp.net.head

    def prior(archs: Sequence[Any]) -> np.ndarray:
        with torch.no_grad():
            return head.scores(embed(archs)).double().numpy()

    return prior


class ComparatorSurrogate(Surrogate):
    """The zero-shot comparator, fine-tuned on the target's labels, kept as a prior.

    ``fit``: the comparator's score head is fine-tuned from its zero-shot weights on every pair
    of the target's labelled archs (pairwise BCE, as the comparator was trained, over the
    frozen task-aware embeddings: the graph encoder and the task branch stay as trained on the
    source tasks, which few target labels could not retrain), ``epochs`` full-batch AdamW
    steps. The final score is ``(1 - w) z(prior) + w z(fine-tuned)`` (``z``: standardised over
    the fitted archs) with ``w`` from :data:`BLEND_WEIGHTS` maximising the Kendall tau of
    out-of-fold blended scores (``folds``-fold cross-validation over the target labels; ties
    go to the smaller weight). With fewer than ``min_cv`` labels ``w = 0``: the prior alone.

    Args:
        comp: a trained score-head :class:`predictor.comparator.Comparator`.
        task: the target task as ``comp.score`` takes it (features, name, stats vector).
        embeddings: ``archs -> [m, d]`` (default :func:`comparator_embeddings`; pass a shared
            one so the zero-shot surrogate and this one embed a pool once).
        epochs, lr: fine-tuning steps and learning rate.
        folds, min_cv: cross-validation folds and the fewest labels to run it on.
    """

    name = "comparator"

    def __init__(
        self,
        comp: Any,
        task: Any,
        embeddings: Callable[[Sequence[Any]], torch.Tensor] | None = None,
        epochs: int = 60,
        lr: float = 1e-2,
        folds: int = 4,
        min_cv: int = 6,
    ):
        if comp.net is None or not comp.net.head.has_scores:
            raise ValueError(
                "the comparator surrogate needs a trained comparator with a score head "
                f"(head {comp.config.head!r}); train one with --head score"
            )
        self.comp, self.task = comp, task
        self.embed = embeddings or comparator_embeddings(comp, task)
        self.epochs, self.lr, self.folds, self.min_cv = epochs, lr, folds, min_cv
        self._start = comp.net.head
        self._head = None
        self.weight = 0.0
        self.cv: dict[float, float] = {}

    def _prior(self, e: torch.Tensor) -> np.ndarray:
        with torch.no_grad():
            return self._start.scores(e).double().numpy()

    def _finetune(self, e: torch.Tensor, y: np.ndarray, seed: int) -> torch.nn.Module:
        """A copy of the zero-shot head trained on all pairs of ``e [n, d]`` / ``y [n]``."""
        head = copy.deepcopy(self._start)
        torch.manual_seed(seed)
        ia, ib = np.triu_indices(len(y), 1)
        diff = y[ib] - y[ia]  # > 0: a is better
        keep = diff != 0
        ia_t, ib_t = torch.from_numpy(ia[keep]), torch.from_numpy(ib[keep])
        target = torch.from_numpy((diff[keep] > 0).astype(np.float32))
        if not len(target):
            return head
        # The zero-shot head's scores can span tens of logits, where BCE is flat; dividing by
        # their spread over these archs makes the fine-tuning step size scale-free.
        with torch.no_grad():
            temp = float(head.scores(e).std()) + 1e-6
        opt = torch.optim.AdamW(head.parameters(), lr=self.lr, weight_decay=1e-4)
        head.train()
        for _ in range(self.epochs):
            logits = head.pair_logits(e, ia_t, ib_t) / temp
            loss = F.binary_cross_entropy_with_logits(logits, target)
            opt.zero_grad()
            loss.backward()
            opt.step()
        head.eval()
        return head

    @staticmethod
    def _z(s: np.ndarray, ref: np.ndarray) -> np.ndarray:
        return (s - ref.mean()) / (ref.std() + 1e-12)

    def fit(self, archs: Sequence[Any], labels: np.ndarray, *, seed: int = 0) -> Surrogate:
        # One intra-op thread: tiny matrices, and contended threads make each op ~10x slower.
        with torch_threads(self.comp.config.threads):
            return self._fit(archs, labels, seed)

    def _fit(self, archs: Sequence[Any], labels: np.ndarray, seed: int) -> Surrogate:
        y = np.asarray(labels, dtype=np.float64)
        if len(y) != len(archs):
            raise ValueError(f"{len(archs)} archs but {len(y)} labels")
        self._head, self.weight, self.cv = None, 0.0, {}
        if len(y) < self.min_cv:
            return self
        with torch.no_grad():
            e = self.embed(archs).detach()  # [n, d]
        prior = self._prior(e)
        rng = np.random.default_rng([seed, len(y)])
        parts = np.array_split(rng.permutation(len(y)), min(self.folds, len(y)))
        oof = {w: np.zeros(len(y)) for w in BLEND_WEIGHTS}
        for k, held in enumerate(parts):
            train = np.setdiff1d(np.arange(len(y)), held)
            head = self._finetune(e[train], y[train], seed + k)
            with torch.no_grad():
                s_all = head.scores(e).double().numpy()
            zp = self._z(prior[held], prior[train])
            zf = self._z(s_all[held], s_all[train])
            for w in BLEND_WEIGHTS:
                oof[w][held] = (1 - w) * zp + w * zf
        self.cv = {w: kendall_tau(oof[w], y) for w in BLEND_WEIGHTS}
        self.weight = max(BLEND_WEIGHTS, key=lambda w: (self.cv[w], -w))
        if self.weight > 0:
            self._head = self._finetune(e, y, seed)
            with torch.no_grad():
                fitted = self._head.scores(e).double().numpy()
            self._ref = (prior, fitted)
        return self

    def score(self, archs: Sequence[Any]) -> np.ndarray:
        with torch_threads(self.comp.config.threads):
            return self._score(archs)

    def _score(self, archs: Sequence[Any]) -> np.ndarray:
        with torch.no_grad():
            e = self.embed(archs).detach()
        prior = self._prior(e)
        if self._head is None:
            return prior
        with torch.no_grad():
            tuned = self._head.scores(e).double().numpy()
        ref_p, ref_f = self._ref
        w = self.weight
        return (1 - w) * self._z(prior, ref_p) + w * self._z(tuned, ref_f)


def make_surrogate(
    name: str,
    space: GraphSpace,
    *,
    comp: Any = None,
    task: Any = None,
    seed: int = 0,
    features: Rows | None = None,
    embeddings: Callable[[Sequence[Any]], torch.Tensor] | None = None,
    **options: Any,
) -> Surrogate:
    """A surrogate by name (:data:`SURROGATES`).

    Args:
        name: ``random | rf | gp | zeroshot | comparator | priorgp``.
        space: the arch space.
        comp, task: the trained comparator and the target task (``zeroshot``/``comparator``).
        seed: the random surrogates' seed.
        features: ``archs -> [m, D]`` rows for ``rf``/``gp`` (default
            :func:`predictor.features.arch_features`).
        embeddings: ``archs -> [m, d]`` comparator embeddings to share (memoised).
        **options: passed to the surrogate's constructor (e.g. ``trees``, ``acquisition``,
            ``epochs``).

    Raises:
        ValueError: unknown name, or a comparator surrogate without ``comp``.
    """
    if name not in SURROGATES:
        raise ValueError(f"unknown surrogate {name!r}; choose from {list(SURROGATES)}")
    if name == "random":
        return RandomSurrogate(seed)
    if name == "rf":
        return ForestSurrogate(space, features, seed, **options)
    if name == "gp":
        return GPSurrogate(space, features, seed, **options)
    if comp is None or comp.net is None or not comp.net.head.has_scores:
        raise ValueError(
            f"surrogate {name!r} needs a trained comparator with a score head (--head score)"
        )
    embed = embeddings or comparator_embeddings(comp, task)
    if name == "zeroshot":
        return ZeroShotSurrogate(comparator_prior(comp, task, embed))
    if name == "priorgp":
        return PriorGPSurrogate(
            space, comparator_prior(comp, task, embed), features, seed, **options
        )
    return ComparatorSurrogate(comp, task, embed, **options)
