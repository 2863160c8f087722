"""A trained arch as a small fit/encode object, the interface TS2Vec users know.

Example::

    from contrastive.model import ContrastiveEncoder

    enc = ContrastiveEncoder(arch)  # any arch of the space; default: the ts2vec preset
    losses = enc.fit("train.csv")  # a CSV path, a DataFrame or a [T, N] array
    z = enc.encode("new.csv")  # [T, N, R]: step t's representation sees steps t-window+1 .. t only
    z_last = enc.encode(x, last=True)  # [N, R]: the representation the label's probe uses
    enc.save("encoder.pt")
    enc = ContrastiveEncoder.load("encoder.pt")  # torch.load(weights_only=True)

Inputs: a CSV path or a pandas DataFrame is read as the CLIs read ``--data``
(:mod:`contrastive.data`: the time column found and sorted by, non-numeric columns refused,
gaps interpolated; ``fit`` also drops constant or duplicate columns and caps the width, and
remembers which columns it kept); ``encode`` then reads those columns by name, so a table with
a date column, an ID column or its columns in another order encodes as it trained. An array
``[T, N]`` is taken as is (finite, the fitted ``N``).

Width: ``fit`` trains on every column it is given; on more than ``config.node_subset`` (S)
series each step trains on a seeded random subset of S of them, so a step costs the same at
any width, and ``encode`` still returns every series, ``[T, N, R]`` for the full ``N`` (its
forward passes see all ``N`` series at once; graph ops use the adjacency of all of them).

``fit`` standardises each series with its own mean and standard deviation (kept in the object
and applied again by ``encode``) and trains with :func:`contrastive.training.train_net`, so with the
same arch, data, ``TrainConfig`` and seed it gives exactly the net that
:func:`contrastive.protocol.label` trains and probes (on CPU). The random state of the caller is
left untouched (the training runs under ``torch.random.fork_rng``).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import torch

from archgraph import SPACE_VERSION, canonical

from .config import TrainConfig
from .data import column_scaling
from .net import ContrastiveNet
from .presets import preset
from .protocol import check_memory
from .training import resolve_device, train_net

FORMAT = "ctsnas-encoder-1"
ENCODE_ROWS = 16384  # most (window, series) rows of one encode forward pass


class ContrastiveEncoder:
    """An arch's contrastive encoder: ``fit(X)``, ``encode(X)``, ``save``/``load``.

    Args:
        arch: an arch dict of the space (validated here); ``None`` = the ``ts2vec`` preset.
        config: training protocol (steps, window, seed, schedule...); default ``TrainConfig()``.
            Its ``threads`` is not applied: the caller's torch thread settings are kept.
        device: ``"auto"`` (CUDA when present), ``"cpu"``, ``"cuda"``...; overrides
            ``config.device``.

    Raises:
        archgraph.ArchError: the arch is not valid, naming the field.
    """

    def __init__(
        self,
        arch: dict | None = None,
        *,
        config: TrainConfig | None = None,
        device: str | None = None,
    ):
        self.arch = canonical(preset("ts2vec") if arch is None else arch)
        cfg = config or TrainConfig()
        self.config = dataclasses.replace(cfg, device=device or cfg.device)
        self.config.check()
        self.net: ContrastiveNet | None = None
        self.mean: np.ndarray | None = None  # [N]
        self.std: np.ndarray | None = None  # [N]
        self.columns: tuple[str, ...] = ()
        self.time_col: str | None = None  # of the table fit read, reused by encode

    # -----------------------------------------------------------------------------------------

    @property
    def repr_dim(self) -> int:
        """``R``, the size of one series' representation at one step."""
        return int(self.arch["hyper"]["repr_dim"])

    @property
    def n_series(self) -> int | None:
        """``N`` the encoder was fitted on (``None`` before ``fit``)."""
        return None if self.mean is None else int(self.mean.shape[0])

    @property
    def window(self) -> int:
        """Steps of context behind each representation (``config.window``)."""
        return int(self.config.window)

    def _device(self) -> torch.device:
        return resolve_device(self.config.device)

    def _as_array(self, x: Any, name: str = "X") -> np.ndarray:
        if _is_table(x):
            from .data import table_series

            cols = self.columns
            if all(c == f"s{j}" for j, c in enumerate(cols)):  # fitted on an array: by position
                cols = _numeric_columns(x, self.time_col)[: len(cols)]
            return table_series(x, cols, time_col=self.time_col)
        if isinstance(x, torch.Tensor):
            x = x.detach().cpu().numpy()
        a = np.asarray(x)
        if a.dtype.kind not in "biuf":
            raise ValueError(f"{name}: expected a numeric array, got dtype {a.dtype}")
        if a.ndim == 1:
            a = a[:, None]
        if a.ndim not in (2, 3):
            raise ValueError(f"{name}: expected [T, N] or [B, T, N], got shape {a.shape}")
        if not np.isfinite(a).all():
            bad = np.argwhere(~np.isfinite(a))[0].tolist()
            raise ValueError(
                f"{name}: non-finite value at index {bad}; clean it first "
                "(contrastive.data.from_array interpolates gaps)"
            )
        return a.astype(np.float64)

    # -----------------------------------------------------------------------------------------

    def fit(
        self, x: Any, *, verbose: bool = False, time_col: str | None = None, **data_options: Any
    ) -> list[float]:
        """Train the contrastive net on ``x`` (a new net, from the config's seed).

        Args:
            x: a CSV path or a DataFrame (cleaned as ``--data`` is, see the module docstring),
                or a ``[T, N]`` array (numpy or torch), finite, ``T >= config.window``; a 1-D
                array is one series.
            verbose: print the loss every tenth of the budget.
            time_col: the table's time column (default: found by name, as the CLIs do).
            **data_options: for a table, ``columns``, ``drop_columns``, ``max_series`` of
                :func:`contrastive.data.from_csv`.

        Returns:
            The training loss of every step.

        Raises:
            contrastive.data.DataError: a table that cannot become a task (names the column).
        """
        columns = None
        if _is_table(x):
            from . import data

            opts = {"time_col": time_col, "window": self.window, "horizon": 1, **data_options}
            if isinstance(x, (str, Path)):
                task = data.from_csv(x, **opts)
            else:
                task = data.from_dataframe(x, "dataframe", **opts)
            x, columns = task.values, task.columns
            time_col = time_col or task.report.get("time_col")
        a = self._as_array(x)
        if a.ndim != 2:
            raise ValueError(f"X: fit takes one series [T, N], got shape {a.shape}")
        if a.shape[0] < self.window:
            raise ValueError(f"X: {a.shape[0]} steps; fit needs at least window={self.window}")
        check_memory(self.arch, a.shape, self.config, "X")  # refuse up front, not OOM later
        mean, std = column_scaling(a)
        train = ((a - mean) / std).astype(np.float32)  # [T, N]
        cfg, device = self.config, self._device()
        torch.set_flush_denormal(True)
        every = max(1, cfg.steps // 10)

        def on_step(k: int, loss: float) -> None:
            if k % every == 0 or k == cfg.steps:
                print(f"step {k}/{cfg.steps}  loss {loss:.4f}", flush=True)

        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            torch.manual_seed(cfg.seed)
            gen = torch.Generator().manual_seed(cfg.seed)
            net = ContrastiveNet(self.arch, n_series=a.shape[1]).to(device)
            out = train_net(net, train, cfg, gen, device, on_step if verbose else None)
        self.net, self.mean, self.std = net.eval(), mean, std
        self.columns = tuple(columns or (f"s{j}" for j in range(a.shape[1])))
        self.time_col = time_col
        return list(out["losses"])

    @classmethod
    def from_net(
        cls,
        net: ContrastiveNet,
        mean: np.ndarray,
        std: np.ndarray,
        *,
        config: TrainConfig | None = None,
        columns: tuple[str, ...] = (),
        time_col: str | None = None,
    ) -> ContrastiveEncoder:
        """Wrap a trained net and the scaling its inputs had (e.g. a task's train split);
        ``columns``/``time_col``: how :meth:`encode` reads a table (by these column names)."""
        enc = cls(net.arch, config=config)
        enc.net = net.eval()
        enc.mean = np.asarray(mean, dtype=np.float64).reshape(-1)
        enc.std = np.asarray(std, dtype=np.float64).reshape(-1)
        enc.columns = tuple(columns) or tuple(f"s{j}" for j in range(enc.mean.shape[0]))
        enc.time_col = time_col
        return enc

    def _require(self) -> ContrastiveNet:
        if self.net is None:
            raise RuntimeError("the encoder is not fitted: call fit(X) or load(path) first")
        return self.net

    @torch.no_grad()
    def encode(self, x: Any, *, last: bool = False, batch_size: int = 256) -> np.ndarray:
        """Frozen representations of ``x``, causal: step ``t`` sees ``t - window + 1 .. t``.

        The first ``window - 1`` steps have a shorter history; their window is padded on the left
        with the first row.

        Args:
            x: a CSV path or DataFrame holding the fitted columns (read by name, see the
                module docstring), or an array ``[T, N]`` (one series) or ``[B, T, N]`` (B
                samples) with the fitted ``N``.
            last: only the representation at the last step.
            batch_size: windows per forward pass (fewer on wide data: at most
                ``ENCODE_ROWS // N``).

        Returns:
            ``[T, N, R]`` / ``[B, T, N, R]``; with ``last``: ``[N, R]`` / ``[B, N, R]``; float32.
        """
        net = self._require()
        a = self._as_array(x)
        single = a.ndim == 2
        a = a[None] if single else a  # [B, T, N]
        if a.shape[-1] != self.n_series:
            raise ValueError(
                f"X: {a.shape[-1]} series, but the encoder was fitted on {self.n_series} "
                f"({', '.join(self.columns)})"
            )
        a = ((a - self.mean) / self.std).astype(np.float32)
        w, device = self.window, self._device()
        b, t, n = a.shape
        # Windows per pass: at most batch_size, and at most ENCODE_ROWS window-series rows, so
        # the activations of one pass stay bounded at any width (results do not depend on it).
        batch_size = max(1, min(batch_size, ENCODE_ROWS // n))
        pad = np.concatenate([np.repeat(a[:, :1], w - 1, axis=1), a], axis=1)  # [B, T+w-1, N]
        ends = np.array([t - 1]) if last else np.arange(t)
        starts = [(i, e) for i in range(b) for e in ends]  # window i covers pad[i, e : e + w]
        net.eval()
        out = []
        for k in range(0, len(starts), batch_size):
            chunk = np.stack([pad[i, e : e + w].T for i, e in starts[k : k + batch_size]])
            xb = torch.from_numpy(chunk)[:, None].to(device)  # [w_b, 1, N, window]
            z = net.encode(xb)[..., -1]  # [w_b, R, N]
            out.append(z.transpose(1, 2).float().cpu().numpy())  # [w_b, N, R]
        z = np.concatenate(out).reshape(b, len(ends), n, self.repr_dim)  # [B, T', N, R]
        if last:
            z = z[:, 0]
        return z[0] if single else z

    # -----------------------------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write weights, arch, scaling and config (a ``weights_only``-loadable file)."""
        net = self._require()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        cfg = dataclasses.asdict(self.config)
        torch.save(
            {
                "format": FORMAT,
                "space_version": SPACE_VERSION,
                "arch": json.dumps(self.arch, sort_keys=True),
                "config": json.dumps(cfg),
                "columns": list(self.columns),
                "time_col": self.time_col or "",
                "mean": torch.from_numpy(self.mean),
                "std": torch.from_numpy(self.std),
                "state_dict": {k: v.detach().cpu() for k, v in net.state_dict().items()},
            },
            path,
        )
        return path

    @classmethod
    def load(cls, path: str | Path, *, device: str | None = None) -> ContrastiveEncoder:
        """Read a file written by :meth:`save` (never unpickles code: ``weights_only=True``).

        Raises:
            ValueError: unreadable file, another format or space version, or wrong weights.
        """
        path = Path(path)
        try:
            doc = torch.load(path, map_location="cpu", weights_only=True)
        except FileNotFoundError:
            raise
        except Exception as err:
            raise ValueError(f"{path}: not a readable encoder file ({err})") from err
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise ValueError(f"{path}: not an encoder file of format {FORMAT!r}")
        if doc.get("space_version") != SPACE_VERSION:
            raise ValueError(
                f"{path}: space version {doc.get('space_version')!r}; this code reads "
                f"{SPACE_VERSION!r}"
            )
        fields = {f.name for f in dataclasses.fields(TrainConfig)}
        raw = {k: v for k, v in json.loads(doc["config"]).items() if k in fields}
        for key in ("horizons", "checkpoints", "alphas"):
            if key in raw:
                raw[key] = tuple(raw[key])
        cfg = TrainConfig(**raw)
        mean = doc["mean"].numpy().astype(np.float64)
        net = ContrastiveNet(json.loads(doc["arch"]), n_series=int(mean.shape[0]))
        try:
            net.load_state_dict(doc["state_dict"])
        except RuntimeError as err:
            raise ValueError(f"{path}: weights do not fit the arch ({err})") from err
        enc = cls.from_net(
            net,
            mean,
            doc["std"].numpy(),
            config=cfg,
            columns=tuple(doc.get("columns", ())),
            time_col=doc.get("time_col") or None,
        )
        if device is not None:
            enc.config = dataclasses.replace(enc.config, device=device)
        net.to(enc._device())
        return enc


def _is_table(x: Any) -> bool:
    """A CSV path or a pandas DataFrame (pandas is imported only when one may be)."""
    if isinstance(x, (str, Path)):
        return True
    return type(x).__module__.startswith("pandas") and type(x).__name__ == "DataFrame"


def _numeric_columns(x: Any, time_col: str | None) -> tuple[str, ...]:
    """The non-time columns of a table, in order (for an encoder fitted on an array)."""
    import pandas as pd

    df = pd.read_csv(x, nrows=5) if isinstance(x, (str, Path)) else x
    from .data import _time_ordered

    out, _, _, _ = _time_ordered(
        df.head(5), time_col, str(x) if isinstance(x, (str, Path)) else "dataframe"
    )
    return tuple(str(c) for c in out.columns)
