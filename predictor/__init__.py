"""predictor: task features and task-aware pairwise comparators (T-AHC) over arch graphs.

- :class:`Comparator` / :class:`ComparatorConfig`: ``fit``, ``score``, ``compare``, ``save``/``load``.
- :mod:`predictor.tasks`: task statistics, window embedder, cached :class:`TaskFeaturizer`.
- :mod:`predictor.labels`: label store / NAS-Bench-Graph / synthetic records.
- CLIs: ``python -m predictor.train`` and ``python -m predictor.search``.
"""

from .comparator import Comparator, ComparatorConfig, get_space
from .tasks import TaskFeatures, TaskFeaturizer, WindowEmbedder, task_stats

__all__ = [
    "Comparator",
    "ComparatorConfig",
    "TaskFeatures",
    "TaskFeaturizer",
    "WindowEmbedder",
    "get_space",
    "task_stats",
]
