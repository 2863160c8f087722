"""Seconds per label at the default ``TrainConfig``: the preset and the first 3 sampled archs.

python -m benchmarks.label_speed pedestrian & python -m benchmarks.label_speed epf_fr_be; wait
"""

from __future__ import annotations

import sys

import archgraph
from contrastive.config import TrainConfig
from contrastive.data import load_task
from contrastive.presets import preset
from contrastive.protocol import label


def main() -> int:
    task = load_task(sys.argv[1])
    archs = [("ts2vec", preset("ts2vec"))]
    archs += [(f"arch{i}", a) for i, a in enumerate(archgraph.sample(30, seed=0)[:3])]
    for name, arch in archs:
        r = label(arch, task, TrainConfig())
        print(
            f"{sys.argv[1]} {name}: {r['status']} wall {r['seconds']:.1f} s, cpu {r['cpu_seconds']:.1f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
