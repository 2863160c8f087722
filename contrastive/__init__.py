"""contrastive: the trainable net an arch describes, the labels it yields, and their store.

Public names are resolved lazily (PEP 562): ``import contrastive`` imports neither torch nor
pandas, and a name is imported from its module on first use.

Modules by role:

* Data: :mod:`~contrastive.data` (series tasks: ``Task``, ``DataError``, ``list_tasks``,
  ``load_task``, ``from_csv``, ``from_array``, ``from_dataframe``), :mod:`~contrastive.samples`
  (labelled samples: ``SampleTask``, ``from_samples``, ``load_aeon``, which needs the ``cls``
  extra), :mod:`~contrastive.synthetic` (seeded synthetic tasks).
* The contrastive strategy: :mod:`~contrastive.augment` (views), :mod:`~contrastive.pairs`
  (positives and negatives), :mod:`~contrastive.losses`.
* The net: :mod:`~contrastive.encoder`, :mod:`~contrastive.net` (``ContrastiveNet``),
  :mod:`~contrastive.presets` (``preset``).
* Training: :mod:`~contrastive.config` (``TrainConfig``, the label kinds; no torch),
  :mod:`~contrastive.training` (``train_net``, ``compute_settings``).
* Probes: :mod:`~contrastive.probes` (one ``Probe`` interface: ``ForecastProbe`` for series,
  ``SampleProbe`` for labelled samples).
* The label: :mod:`~contrastive.protocol` (``label``, ``classify_label``: one path for both),
  :mod:`~contrastive.references` (``references``, ``raw_probe``), :mod:`~contrastive.resources`
  (memory estimates and caps), :mod:`~contrastive.report` (tables and verdicts).
* Many labels: :mod:`~contrastive.store` (``LabelStore``, ``Key``), :mod:`~contrastive.sweep`
  (``plan_archs``, ``plan_jobs``, ``Job``, ``TaskSpec``, ``SweepSummary``; the sweep itself is
  ``contrastive.sweep.sweep``), :mod:`~contrastive.repeatability` (seeds a label needs).
* A trained arch as a fit/encode/save/load object: :mod:`~contrastive.model`
  (``ContrastiveEncoder``).
* Commands: :mod:`~contrastive.train` (``python -m contrastive.train``: one arch on one task),
  :mod:`~contrastive.label` (``python -m contrastive.label``: sweeps into a store),
  :mod:`~contrastive.dataflags` (the data flags they share).

``label`` and ``references`` are not package attributes (``contrastive.label`` and
``contrastive.references`` are modules): use ``contrastive.protocol.label`` and
``contrastive.references.references``.
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
    "TrainConfig": "config",
    "preset": "presets",
    "ContrastiveEncoder": "model",
    "SampleTask": "samples",
    "from_samples": "samples",
    "load_aeon": "samples",
    "classify_label": "protocol",
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
