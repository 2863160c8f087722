"""How repeatable a seed-averaged label is, and how many training seeds it needs.

Most of a label's noise is the arch's random init, so the label of an arch on a task is the mean
over ``k`` training seeds. Its repeatability is measured by a split-half: the stored seeds that
every arch shares are split in two halves (even and odd positions), each arch's label is averaged
within each half, and the two halves' rankings are compared with Kendall tau. The Spearman-Brown
formula then predicts the agreement of two independent ``k``-seed labels, the usual "split-half
reliability" of the full ``k``-seed mean. Spearman-Brown holds for correlations; Kendall taus
are mapped to Pearson correlations and back with Greiner's relation ``r = sin(pi * tau / 2)``
(exact for bivariate normal labels).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass


def tau_to_r(tau: float) -> float:
    """Pearson correlation of a bivariate normal pair with Kendall ``tau`` (Greiner)."""
    return math.sin(math.pi * tau / 2.0)


def r_to_tau(r: float) -> float:
    """Inverse of :func:`tau_to_r`."""
    return 2.0 / math.pi * math.asin(max(-1.0, min(1.0, r)))


def spearman_brown(r: float, factor: float) -> float:
    """Reliability of a mean over ``factor`` times as many seeds as the one with reliability
    ``r`` (``factor`` < 1 steps down)."""
    return factor * r / (1.0 + (factor - 1.0) * r)


def _predicted(single_tau: float, k: float) -> float:
    r1 = tau_to_r(single_tau)
    return r_to_tau(spearman_brown(r1, k)) if r1 > 0 else single_tau


@dataclass(frozen=True)
class Repeatability:
    """A task's measured repeatability.

    Attributes:
        n_archs: archs holding every seed of ``seeds``.
        seeds: the seeds those archs share (split in halves by position).
        split_tau: Kendall tau between the two halves' mean labels (raw, not corrected).
        single_tau: the predicted tau between two single-seed labels.
        tau_at_k: the Spearman-Brown predicted tau between two independent labels averaged
            over ``len(seeds)`` seeds (the split-half reliability of the stored mean).
    """

    n_archs: int
    seeds: tuple[int, ...]
    split_tau: float
    single_tau: float
    tau_at_k: float

    def predicted_tau(self, k: int) -> float:
        """Predicted tau between two independent ``k``-seed labels."""
        return _predicted(self.single_tau, k)

    def seeds_needed(self, target_tau: float = 0.8, max_seeds: int = 10) -> int:
        """The fewest seeds (at least 2, at most ``max_seeds``) whose mean label reaches
        ``target_tau`` by Spearman-Brown; ``max_seeds`` when it never does."""
        for k in range(2, max_seeds + 1):
            if self.predicted_tau(k) >= target_tau:
                return k
        return max_seeds


def split_half(labels: Mapping[str, Mapping[int, float]], min_archs: int = 5) -> Repeatability:
    """Measure repeatability from ``{arch_hash: {seed: label}}``.

    Uses the seeds common to every arch that has at least two seeds (archs with one seed are
    left out).

    Raises:
        ValueError: fewer than ``min_archs`` archs share two or more seeds.
    """
    from scipy.stats import kendalltau

    repeated = {h: s for h, s in labels.items() if len(s) >= 2}
    common = sorted(set.intersection(*(set(s) for s in repeated.values()))) if repeated else []
    if len(repeated) < min_archs or len(common) < 2:
        raise ValueError(
            f"a split-half needs >= {min_archs} archs sharing >= 2 seeds; "
            f"{len(repeated)} archs have 2+ seeds, sharing {len(common)}"
        )
    halves = (common[0::2], common[1::2])
    hashes = sorted(repeated)
    means = [[sum(repeated[h][s] for s in half) / len(half) for h in hashes] for half in halves]
    tau = float(kendalltau(means[0], means[1]).statistic)
    if not math.isfinite(tau):
        tau = 0.0
    # each half is a mean over len(half) seeds (sizes differ by at most one: use their mean)
    h = (len(halves[0]) + len(halves[1])) / 2.0
    r_half = tau_to_r(tau)
    r1 = spearman_brown(r_half, 1.0 / h) if r_half > 0 else r_half
    single = r_to_tau(r1)
    return Repeatability(len(hashes), tuple(common), tau, single, _predicted(single, len(common)))
