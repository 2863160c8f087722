"""predictor: task features and task-aware pairwise comparators (T-AHC) over arch graphs.

- :class:`Comparator` / :class:`ComparatorConfig`: ``fit``, ``score``, ``compare``, ``save``/``load``.
- :mod:`predictor.tasks`: task statistics, window embedder, cached :class:`TaskFeaturizer`.
- :mod:`predictor.labels`: the one reader of label records (store, JSONL/CSV, NAS-Bench-Graph,
  synthetic) and their aggregation.
- CLIs: ``python -m predictor.train`` and ``python -m predictor.search``.
"""

from __future__ import annotations

from archgraph.lazy import lazy_getattr

# Loaded on first use: they need torch, which takes seconds, and ``python -m predictor.search
# --help`` should not wait for it.
_LAZY = {
    "Comparator": "comparator",
    "ComparatorConfig": "config",
    "get_space": "comparator",
    "TaskFeatures": "tasks",
    "TaskFeaturizer": "tasks",
    "WindowEmbedder": "tasks",
    "task_stats": "tasks",
}


__getattr__ = lazy_getattr(__name__, _LAZY)


__all__ = [
    "Comparator",
    "ComparatorConfig",
    "TaskFeatures",
    "TaskFeaturizer",
    "WindowEmbedder",
    "get_space",
    "task_stats",
]
