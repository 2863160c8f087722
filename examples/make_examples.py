"""Write the three example CSVs of ``examples/`` (seeded, synthetic, a few KB each).

    python examples/make_examples.py

- ``returns.csv``: daily log returns (in %) of 4 correlated "stocks" on business days; ``date``
  first. Stationary: the kind of input a forecasting probe expects.
- ``levels.csv``: the same market as index levels (the cumulated returns, with drift): a trending,
  non-stationary table; the loaders warn about it and suggest returns or differences.
- ``weather.csv``: a daily weather table whose time column ``day`` is not first, a ``station``
  ID column and a few gaps (blank cells): ``--time-col day --drop-columns station`` reads it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent


def frames(seed: int = 0, steps: int = 500) -> dict[str, pd.DataFrame]:
    """The three tables (same seed, same tables)."""
    rng = np.random.default_rng(seed)
    days = pd.bdate_range("2021-01-04", periods=steps)
    mix = np.array(
        [[1.0, 0.0, 0.0, 0.0], [0.6, 0.8, 0.0, 0.0], [0.5, 0.3, 0.8, 0.0], [0.4, 0.2, 0.2, 0.9]]
    )
    vol = 1.0 + 0.5 * np.abs(np.sin(np.arange(steps) / 40.0))[:, None]  # volatility clusters
    returns = (rng.standard_normal((steps, 4)) @ mix.T) * vol + 0.03  # [T, 4], % per day
    tickers = ["AAA", "BBB", "CCC", "DDD"]
    ret = pd.DataFrame(np.round(returns, 4), columns=tickers)
    ret.insert(0, "date", days.strftime("%Y-%m-%d"))
    levels = 100.0 * np.exp(np.cumsum(returns / 100.0 + 0.002, axis=0))  # drifting index levels
    lev = pd.DataFrame(np.round(levels, 3), columns=[f"{t}_index" for t in tickers])
    lev.insert(0, "date", days.strftime("%Y-%m-%d"))
    cal = pd.date_range("2022-01-01", periods=steps, freq="D")
    season = 2 * np.pi * np.arange(steps) / 365.25
    temp = 12 + 9 * np.sin(season - 1.9) + rng.normal(0, 2.0, steps)
    humidity = 70 - 12 * np.sin(season - 1.9) + rng.normal(0, 6.0, steps)
    wind = np.abs(rng.normal(4.0, 2.0, steps))
    weather = pd.DataFrame(
        {
            "station": "W01",
            "temp_c": np.round(temp, 1),
            "humidity": np.round(humidity, 1),
            "day": cal.strftime("%Y-%m-%d"),
            "wind_ms": np.round(wind, 1),
        }
    )
    gaps = rng.choice(steps, size=12, replace=False)
    weather.loc[gaps[:8], "temp_c"] = np.nan
    weather.loc[gaps[8:], "wind_ms"] = np.nan
    return {"returns": ret, "levels": lev, "weather": weather}


def main() -> None:
    for name, df in frames().items():
        df.to_csv(HERE / f"{name}.csv", index=False)
        print(f"wrote {HERE / name}.csv: {df.shape[0]} rows x {df.shape[1]} columns")


if __name__ == "__main__":
    main()
