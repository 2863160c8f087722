"""contrastive: the trainable net an arch describes, the labels it yields, and their store.

Public names are resolved lazily (PEP 562): ``import contrastive`` imports neither torch nor
pandas, and a name is imported from its module on first use.

* Data (:mod:`contrastive.data`): ``Task``, ``DataError``, ``list_tasks``, ``load_task``,
  ``from_csv``, ``from_array``, ``from_dataframe``.
* Store (:mod:`contrastive.store`): ``LabelStore``, ``Key``.
* Sweeps (:mod:`contrastive.sweep`): ``plan_archs``, ``plan_jobs``, ``Job``, ``TaskSpec``,
  ``SweepSummary``; the sweep itself is ``contrastive.sweep.sweep``.
* Net and training: ``ContrastiveNet`` (:mod:`contrastive.net`), ``TrainConfig``,
  ``references`` (:mod:`contrastive.train`; the label function is ``contrastive.train.label``,
  since ``contrastive.label`` is the sweep CLI), ``preset`` (:mod:`contrastive.presets`).
* A trained arch as a fit/encode/save/load object: ``ContrastiveEncoder``
  (:mod:`contrastive.model`).
* Labelled samples and the classification label (:mod:`contrastive.classify`): ``SampleTask``,
  ``from_samples``, ``load_aeon`` (needs the ``cls`` extra), ``classify_label``.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "Task": "data",
    "DataError": "data",
    "list_tasks": "data",
    "load_task": "data",
    "from_csv": "data",
    "from_array": "data",
    "from_dataframe": "data",
    "LabelStore": "store",
    "Key": "store",
    "plan_archs": "sweep",
    "plan_jobs": "sweep",
    "Job": "sweep",
    "TaskSpec": "sweep",
    "SweepSummary": "sweep",
    "ContrastiveNet": "net",
    "TrainConfig": "train",
    "references": "train",
    "preset": "presets",
    "ContrastiveEncoder": "model",
    "SampleTask": "classify",
    "from_samples": "classify",
    "load_aeon": "classify",
    "classify_label": "classify",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'contrastive' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
