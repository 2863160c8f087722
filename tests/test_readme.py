"""The README's own-data path runs as written: its search command parses, and its encoder
snippet runs on the bundled example CSV (in a subprocess, from a scratch directory)."""

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from contrastive.config import TrainConfig
from contrastive.model import ContrastiveEncoder
from predictor.search import build_parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _block(lang: str, contains: str) -> str:
    blocks = re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)
    (block,) = [b for b in blocks if contains in b]
    return block


def test_readme_search_command_uses_real_flags():
    cmd = _block("bash", "--data examples/weather.csv").replace("\\\n", " ")
    argv = shlex.split(cmd)
    assert argv[:3] == ["python", "-m", "predictor.search"]
    args = build_parser().parse(argv[3:])
    assert args.time_col == "day" and args.drop_columns == "station" and args.train_best
    assert args.out_dir == "runs/weather"


def test_readme_encoder_snippet_runs_as_written(tmp_path):
    snippet = _block("python", 'ContrastiveEncoder.load("runs/weather/best_encoder.pt")')
    (tmp_path / "examples").mkdir()
    shutil.copy(ROOT / "examples" / "weather.csv", tmp_path / "examples" / "weather.csv")
    # the encoder --train-best would save (tiny budget), trained as the README's command reads it
    enc = ContrastiveEncoder(config=TrainConfig.tiny(steps=1, window=8))
    enc.fit(tmp_path / "examples" / "weather.csv", time_col="day", drop_columns=["station"])
    enc.save(tmp_path / "runs" / "weather" / "best_encoder.pt")
    (tmp_path / "snippet.py").write_text(snippet, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "snippet.py"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        f"('temp_c', 'humidity', 'wind_ms') (500, 3, {enc.repr_dim}) (3, {enc.repr_dim})"
    )
