"""Seeded sampling and one-field mutation of contrastive time-series archs.

"Uniform over the space" means uniform per field, independently: an aug cell first draws its
size uniformly from 1..6, then an ordered subset of that size (uniform over subsets would put
almost all mass on the 720 orderings of all six ops). PairCell draws uniformly among the 7 valid
instance/temporal/neighbor combinations; the encoder draws K uniformly from 3..6, then each input
and op uniformly among those the wiring rule allows.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np

from .grids import GRIDS, PAIR_FLAGS, PAIR_REQUIRED_ONE_OF, Grids
from .validate import canonical

_PAIR_COMBOS = [
    combo
    for combo in ((a, b, c) for a in (False, True) for b in (False, True) for c in (False, True))
    if any(combo)
]


def _pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


class _Draws:
    """Uniforms drawn in one block per arch; one numpy call instead of ~50 keeps sampling fast."""

    SIZE = 64  # an arch consumes at most 59 draws

    def __init__(self, rng: np.random.Generator | None = None, u: list[float] | None = None):
        self.u = rng.random(self.SIZE).tolist() if u is None else u
        self.i = 0

    def index(self, n: int) -> int:
        value = int(self.u[self.i] * n)
        self.i += 1
        return value

    def pick(self, options):
        return options[self.index(len(options))]

    def order(self, n: int) -> list[int]:
        """A uniformly random permutation of range(n) (argsort of n uniforms)."""
        keys = self.u[self.i : self.i + n]
        self.i += n
        return sorted(range(n), key=keys.__getitem__)


def _sample_aug(d: _Draws, g: Grids) -> dict:
    size = 1 + d.index(len(g.aug_ops))
    ops = [g.aug_ops[i] for i in d.order(len(g.aug_ops))[:size]]
    return {"enabled_ops": ops, "params": {op: d.pick(g.strengths) for op in ops}}


def _sample_encoder(d: _Draws, g: Grids) -> list[list[int]]:
    k = g.min_nodes + d.index(g.max_nodes - g.min_nodes + 1)
    n_ops = len(g.encoder_ops)
    pairs = [[0, d.index(n_ops)]]
    for i in range(1, k):
        pairs.append([d.index(i), d.index(n_ops)])
        pairs.append([i, d.index(n_ops)])
    return pairs


def sample_one(rng: np.random.Generator, grids: Grids = GRIDS) -> dict:
    """Draw one canonical arch with ``rng`` (one block of uniforms per arch)."""
    return from_uniforms(_Draws(rng), grids)


def from_uniforms(d: _Draws, grids: Grids = GRIDS) -> dict:
    """The arch that :func:`sample_one` draws from the block of uniforms ``d`` (see
    :mod:`archgraph.cts_batch`, which reads the same blocks for many archs at once)."""
    g = grids
    flags = d.pick(_PAIR_COMBOS)
    pair = dict(zip(PAIR_REQUIRED_ONE_OF, flags, strict=True))
    pair["multiscale"] = bool(d.index(2))
    return {
        "contrastive": {
            "AugCell1": _sample_aug(d, g),
            "AugCell2": _sample_aug(d, g),
            "EmbedCell": {
                "jitter": d.pick(g.embed_strengths),
                "mask": d.pick(g.embed_strengths),
                "norm": d.pick(g.norms),
            },
            "PairCell": {
                **{f: pair[f] for f in PAIR_FLAGS},
                "pool_type": d.pick(g.pool_types),
                "kernel": d.pick(g.kernels),
            },
            "LossCell": {
                "loss": d.pick(g.losses),
                "sim": d.pick(g.sims),
                "temperature": d.pick(g.temperatures),
            },
        },
        "encoder": _sample_encoder(d, g),
        "hyper": {k: d.pick(grid) for k, grid in g.hyper.items()},
    }


# --- mutation: one field changes ------------------------------------------------------------


def _mut_aug(arch: dict, rng: np.random.Generator, g: Grids) -> None:
    cell = arch["contrastive"][_pick(rng, ("AugCell1", "AugCell2"))]
    ops, params = cell["enabled_ops"], cell["params"]
    kind = _pick(rng, ("strength", "add", "remove", "swap"))
    if kind == "strength":
        op = _pick(rng, ops)
        params[op] = _pick(rng, [s for s in g.strengths if s != params[op]])
    elif kind == "add" and len(ops) < len(g.aug_ops):
        op = _pick(rng, [o for o in g.aug_ops if o not in ops])
        ops.insert(int(rng.integers(len(ops) + 1)), op)
        params[op] = _pick(rng, g.strengths)
    elif kind == "remove" and len(ops) > 1:
        params.pop(ops.pop(int(rng.integers(len(ops)))))
    elif kind == "swap" and len(ops) > 1:
        i = int(rng.integers(len(ops) - 1))
        ops[i], ops[i + 1] = ops[i + 1], ops[i]
    cell["params"] = {op: params[op] for op in ops}


def _mut_choice(section: dict, key: str, options, rng: np.random.Generator) -> None:
    section[key] = _pick(rng, [o for o in options if o != section[key]])


def _mut_embed(arch: dict, rng: np.random.Generator, g: Grids) -> None:
    key = _pick(rng, ("jitter", "mask", "norm"))
    options = g.norms if key == "norm" else g.embed_strengths
    _mut_choice(arch["contrastive"]["EmbedCell"], key, options, rng)


def _mut_pair(arch: dict, rng: np.random.Generator, g: Grids) -> None:
    pair = arch["contrastive"]["PairCell"]
    key = _pick(rng, (*PAIR_FLAGS, "pool_type", "kernel"))
    if key in PAIR_FLAGS:
        pair[key] = not pair[key]
    else:
        _mut_choice(pair, key, g.pool_types if key == "pool_type" else g.kernels, rng)


def _mut_loss(arch: dict, rng: np.random.Generator, g: Grids) -> None:
    key = _pick(rng, ("loss", "sim", "temperature"))
    options = {"loss": g.losses, "sim": g.sims, "temperature": g.temperatures}[key]
    _mut_choice(arch["contrastive"]["LossCell"], key, options, rng)


def _mut_encoder(arch: dict, rng: np.random.Generator, g: Grids) -> None:
    pairs = arch["encoder"]
    k = (len(pairs) + 1) // 2
    kind = _pick(rng, ("op", "input", "grow", "shrink"))
    if kind == "op":
        j = int(rng.integers(len(pairs)))
        pairs[j][1] = _pick(rng, [o for o in range(len(g.encoder_ops)) if o != pairs[j][1]])
    elif kind == "input" and k > 2:
        j = 2 * int(rng.integers(2, k)) - 1  # free inputs: first pair of node i >= 2
        pairs[j][0] = _pick(rng, [s for s in range((j + 1) // 2) if s != pairs[j][0]])
    elif kind == "grow" and k < g.max_nodes:
        n_ops = len(g.encoder_ops)
        pairs.append([int(rng.integers(k)), int(rng.integers(n_ops))])
        pairs.append([k, int(rng.integers(n_ops))])
    elif kind == "shrink" and k > g.min_nodes:
        del pairs[-2:]


def _mut_hyper(arch: dict, rng: np.random.Generator, g: Grids) -> None:
    key = _pick(rng, tuple(g.hyper))
    _mut_choice(arch["hyper"], key, g.hyper[key], rng)


_MUTATIONS: tuple[Callable[[dict, np.random.Generator, Grids], None], ...] = (
    _mut_aug,
    _mut_embed,
    _mut_pair,
    _mut_loss,
    _mut_encoder,
    _mut_hyper,
)


def mutate(arch: dict, rng: np.random.Generator, grids: Grids = GRIDS) -> dict:
    """Return a valid neighbour of ``arch`` that differs from it in one field.

    A section (aug, embed, pair, loss, encoder, hyper) is drawn uniformly, then one change inside
    it; a draw that is invalid or a no-op (e.g. switching off the only pair construction) is
    redrawn. The input is not modified.
    """
    base = canonical(arch, grids)
    for _ in range(1000):
        child = copy.deepcopy(base)
        _MUTATIONS[int(rng.integers(len(_MUTATIONS)))](child, rng, grids)
        if child == base:
            continue
        try:
            return canonical(child, grids)
        except ValueError:
            continue
    raise RuntimeError("mutate: no valid neighbour found in 1000 draws")  # unreachable in cts-1
