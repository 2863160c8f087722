"""A seeded synthetic spatio-temporal traffic generator: a sensor graph and flows diffusing on it.

Real high-frequency sensor networks (PEMS, METR-LA) ship in no wheel, so the many-series tasks
named ``synth_traffic_<N>`` come from here. What it makes, from one seed (all draws from one
``numpy.random.default_rng(seed)``):

* **Sensor graph.** ``N`` sensors placed along random roads in the unit square (each road a
  smooth random walk; sensors every few hundred metres along it), and a weighted adjacency in the
  way METR-LA and PEMS-BAY build theirs: a thresholded Gaussian kernel of the distances,
  ``W_ij = exp(-d_ij^2 / sigma^2)`` for the ``NEIGHBOURS`` nearest sensors of ``i``
  (``sigma``: the standard deviation of those distances), zero elsewhere and on the diagonal.
* **Seasonality.** Every sensor has a daily flow profile (morning and evening rush hours, a
  midday plateau, a quiet night) with its own level, peak heights and a phase that varies
  smoothly along the x axis (commuting waves), and a weekly one: lower, flatter weekends and a
  busier Friday evening.
* **Diffusing congestion.** A latent congestion field follows a graph VAR(1),
  ``c_t = rho * P c_{t-1} + shocks_t + noise`` with ``P`` the row-normalised adjacency, so a
  shock spreads to neighbouring sensors over the next steps. Shocks are incidents, more likely
  in rush hours, each pushing one sensor for 15 minutes to 2 hours.
* **Shared factors.** A day-level factor common to all sensors (weather, events) and a
  smooth regional one.
* **Observation.** Flow = level x profile x (1 - congestion effect) x shared factors, plus
  multiplicative and additive noise, non-negative. Missing stretches (sensor outages of 30
  minutes to 12 hours, a few per sensor and month) are NaN.

Steps are 5 minutes (``STEPS_PER_DAY = 288``). The generator is plain NumPy/SciPy and takes
about a second for ``N = 883`` sensors and a month of steps.
"""

from __future__ import annotations

import numpy as np

STEPS_PER_DAY = 288  # 5-minute steps
NEIGHBOURS = 8  # kept edges per sensor of the Gaussian-kernel adjacency
RHO = 0.92  # persistence of the congestion field (graph VAR coefficient)


def sensor_graph(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Sensor positions ``[N, 2]`` along random roads and the Gaussian-kernel adjacency
    ``[N, N]`` (float32, zero diagonal, ``NEIGHBOURS`` nonzero entries per row at most)."""
    n_roads = max(2, int(round(np.sqrt(n) / 2)))
    per_road = np.full(n_roads, n // n_roads)
    per_road[: n % n_roads] += 1
    points = []
    for k in per_road:
        start = rng.uniform(0.05, 0.95, size=2)
        heading = rng.uniform(0, 2 * np.pi)
        turns = np.cumsum(rng.normal(0, 0.15, size=k))  # a smooth random walk of headings
        steps = 0.9 / max(k, 1) * np.stack([np.cos(heading + turns), np.sin(heading + turns)], 1)
        road = start + np.cumsum(steps, axis=0)  # [k, 2]
        points.append(np.abs(np.mod(road + 1.0, 2.0) - 1.0))  # reflect back into the square
    pos = np.concatenate(points)[:n]  # [N, 2]
    d = np.sqrt(((pos[:, None, :] - pos[None, :, :]) ** 2).sum(-1))  # [N, N]
    np.fill_diagonal(d, np.inf)
    k = min(NEIGHBOURS, n - 1)
    nearest = np.argpartition(d, k - 1, axis=1)[:, :k]  # [N, k]
    near_d = np.take_along_axis(d, nearest, axis=1)
    sigma = float(near_d.std()) or 1.0
    adj = np.zeros((n, n), dtype=np.float32)
    np.put_along_axis(adj, nearest, np.exp(-((near_d / sigma) ** 2)).astype(np.float32), axis=1)
    return pos, adj


def _daily_profile(hour: np.ndarray, weekend: np.ndarray, peaks: np.ndarray) -> np.ndarray:
    """Relative flow ``[T, N]`` at fractional ``hour [T, N]``; ``peaks [N, 2]`` (morning,
    evening heights); weekends have no commute and a broad midday hump."""
    am = np.exp(-(((hour - 8.0) / 1.1) ** 2))
    pm = np.exp(-(((hour - 17.5) / 1.4) ** 2))
    midday = np.exp(-(((hour - 13.0) / 3.5) ** 2))
    night = 0.12 + 0.08 * np.cos(2 * np.pi * (hour - 3.0) / 24.0) ** 2
    weekday = night + peaks[:, 0] * am + peaks[:, 1] * pm + 0.35 * midday
    weekend_flow = night + 0.55 * np.exp(-(((hour - 14.0) / 4.0) ** 2))
    return np.where(weekend, weekend_flow, weekday)


def synthetic_traffic(
    n_series: int, n_steps: int = 30 * STEPS_PER_DAY, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Traffic-like flows on a random sensor graph (see the module docstring).

    Args:
        n_series: ``N`` sensors, >= 2.
        n_steps: ``T`` 5-minute steps (default 30 days).
        seed: seeds every draw.

    Returns:
        ``values [T, N]`` float64 with NaN in the outage stretches, the adjacency ``[N, N]``
        float32, and the sensor names ``sensor_000 ...``.

    Raises:
        ValueError: fewer than 2 sensors or steps than a day.
    """
    from scipy import sparse

    if n_series < 2 or n_steps < STEPS_PER_DAY:
        raise ValueError(
            f"synthetic_traffic needs >= 2 sensors and >= {STEPS_PER_DAY} steps, got "
            f"{n_series} x {n_steps}"
        )
    rng = np.random.default_rng(seed)
    n, t = int(n_series), int(n_steps)
    pos, adj = sensor_graph(n, rng)

    # Seasonality: per-sensor level, peak heights and a phase that drifts along x.
    level = rng.lognormal(mean=np.log(300.0), sigma=0.35, size=n)  # vehicles per 5 minutes
    peaks = np.stack([rng.uniform(0.6, 1.1, n), rng.uniform(0.5, 1.0, n)], axis=1)  # [N, 2]
    phase = 0.6 * (pos[:, 0] - 0.5) + rng.normal(0, 0.1, n)  # hours
    steps = np.arange(t)
    day = steps // STEPS_PER_DAY
    dow = (day + int(rng.integers(7))) % 7  # 5, 6: weekend
    hour = (steps % STEPS_PER_DAY) / (STEPS_PER_DAY / 24.0)
    hour_n = hour[:, None] + phase[None, :]  # [T, N]
    weekend = (dow >= 5)[:, None]
    profile = _daily_profile(hour_n, weekend, peaks)  # [T, N]
    friday = ((dow == 4)[:, None] & (hour_n > 15)) * 0.12
    profile = profile * (1 + friday)

    # Congestion: graph VAR(1) on the row-normalised adjacency, driven by incidents.
    row = adj.sum(axis=1, keepdims=True)
    p = sparse.csr_matrix(adj / np.where(row > 0, row, 1.0))
    rush = np.exp(-(((hour - 8.0) / 1.5) ** 2)) + np.exp(-(((hour - 17.5) / 1.5) ** 2))
    rate = (0.6 + 3.0 * rush * (dow < 5)) * n / STEPS_PER_DAY / 8.0  # incidents per step
    shocks = np.zeros((t, n))
    for s in np.flatnonzero(rng.poisson(rate) > 0):
        i = int(rng.integers(n))
        length = int(rng.integers(3, 25))  # 15 minutes to 2 hours
        shocks[s : s + length, i] += rng.uniform(0.05, 0.2)
    noise = rng.normal(0, 0.01, size=(t, n))
    c = np.zeros((t, n))
    state = np.zeros(n)
    for s in range(t):  # sparse step: O(N * NEIGHBOURS) each
        state = RHO * (p @ state) + shocks[s] + noise[s]
        c[s] = state
    congestion = 1.0 - 0.6 * np.tanh(np.maximum(c, 0.0))  # [T, N], in (0.4, 1]

    # Shared factors: one per day for all sensors, and a smooth regional one.
    daily = np.repeat(rng.normal(1.0, 0.06, size=day[-1] + 1), STEPS_PER_DAY)[:t]  # [T]
    region_t = np.cumsum(rng.normal(0, 0.004, size=(t, 2)), axis=0)  # [T, 2] slow walks
    regional = 1.0 + region_t @ (pos.T - 0.5)  # [T, N]
    flow = level * profile * congestion * daily[:, None] * regional
    flow *= 1.0 + rng.normal(0, 0.04, size=(t, n))
    flow += rng.normal(0, 3.0, size=(t, n))
    values = np.maximum(flow, 0.0)

    # Outages: a few stretches of 30 minutes to 12 hours per sensor.
    for i in range(n):
        for _ in range(int(rng.poisson(2.0 * t / (30 * STEPS_PER_DAY)))):
            length = int(rng.integers(6, 145))
            start = int(rng.integers(0, max(1, t - length)))
            values[start : start + length, i] = np.nan
    return values, adj, [f"sensor_{j:03d}" for j in range(n)]
