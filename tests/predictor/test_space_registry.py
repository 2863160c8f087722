"""A custom space is one file: register it by name, train, save, load by name, rank."""

import json
import pathlib

import numpy as np
import pytest
import torch

import archgraph as ag
from archgraph.generic import load_space
from predictor import search as search_cli
from predictor.comparator import Comparator, ComparatorConfig
from predictor.labels import synthetic_records
from predictor.metrics import kendall_tau
from predictor.search import search

from ..archgraph.test_registry import PLUGIN, _install_plugin
from .toyspace import TOY, toy_label, unique_archs

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "predictor" / "checkpoints" / "default.pt"
EXAMPLE = ROOT / "benchmarks" / "examples" / "cell_spec.json"
FEATS = {"t0": np.array([0.0, 1.0], np.float32), "t1": np.array([1.0, 0.0], np.float32)}


def _train(space, archs, epochs=30):
    recs = [
        {"arch": a, "task": t, "label": toy_label(a, i)}
        for i, t in enumerate(("t0", "t1"))
        for a in archs
    ]
    comp = Comparator(space, ComparatorConfig.tiny(epochs=epochs, patience=epochs, lr=1e-2))
    comp.fit(recs, FEATS)
    return comp


@pytest.fixture(scope="module")
def archs():
    found = unique_archs(600, 0)
    return found[:80], found[80:]


def test_registered_space_checkpoint_loads_and_searches_by_name(archs, tmp_path, clean_registry):
    train, test = archs
    comp = _train(TOY, train)
    path = comp.save(tmp_path / "toy.pt")
    assert json.loads((tmp_path / "toy.pt.json").read_text())["space"] == "toy"
    with pytest.raises(ValueError, match=r"toy.pt: meta.space: unknown space 'toy'; known spaces"):
        Comparator.load(path)  # not registered yet: the name and the known ones are named

    ag.register_space("toy", TOY)
    loaded = Comparator.load(path)  # no space given: found by the name the checkpoint stores
    assert loaded.space is TOY
    labels = np.array([toy_label(a, 0) for a in test])
    scores = loaded.score(test, "t0")
    assert np.array_equal(scores, comp.score(test, "t0"))
    assert kendall_tau(scores, labels) > 0.7
    top, _ = search(loaded, "t0", n=300, top=5, seed=0)
    ref, _ = search(comp, "t0", n=300, top=5, seed=0)
    assert [r["hash"] for r in top] == [r["hash"] for r in ref]
    # the five it ranks first are better than the typical arch of the space
    pool = np.array([toy_label(a, 0) for a in TOY.sample(300, 0)])
    assert np.mean([toy_label(r["arch"], 0) for r in top]) < np.quantile(pool, 0.25)
    # and the search command, given only the checkpoint, ranks the same top five
    out = tmp_path / "run"
    argv = ["--checkpoint", str(path), "--task", "t0", "--n", "300", "--top", "5", "--seed", "0"]
    assert search_cli.main([*argv, "--out-dir", str(out), "--json"]) == 0
    doc = json.loads((out / "result.json").read_text())
    assert doc["space"] == "toy-1" and [r["hash"] for r in doc["top"]] == [r["hash"] for r in ref]
    assert (out / "best.png").is_file()


def test_entry_point_space_checkpoint_loads_by_name(archs, tmp_path, monkeypatch, clean_registry):
    _install_plugin(tmp_path, monkeypatch, PLUGIN, "plugin-toy = myspace_plugin:PluginSpace")
    space = ag.get_space("plugin-toy")
    comp = _train(space, archs[0], epochs=4)
    path = comp.save(tmp_path / "plugin.pt")
    monkeypatch.setattr(ag.registry, "_built", {})  # a fresh process: nothing built yet
    loaded = Comparator.load(path)
    assert loaded.space.name == "plugin-toy" and loaded.space is not space
    assert np.array_equal(loaded.score(archs[1][:20], "t1"), comp.score(archs[1][:20], "t1"))


def test_generic_space_checkpoint_carries_its_spec(tmp_path, clean_registry):
    space = load_space(EXAMPLE)
    recs = synthetic_records(space, 40, ("t0",), seed=0)
    comp = Comparator(space, ComparatorConfig.tiny(epochs=4))
    comp.fit(recs, {"t0": FEATS["t0"]})
    path = comp.save(tmp_path / "generic.pt")
    assert space.name not in ag.space_names()  # never registered
    loaded = Comparator.load(path)
    assert (loaded.space.name, loaded.space.version) == (space.name, space.version)
    archs = space.sample(10, 1)
    assert np.array_equal(loaded.score(archs, "t0"), comp.score(archs, "t0"))

    blob = torch.load(path, map_location="cpu", weights_only=True)
    meta = json.loads(blob["meta"])
    meta["space_spec"]["nodes"] = meta["space_spec"]["nodes"] - 1  # another space, same name
    blob["meta"] = json.dumps(meta)
    torch.save(blob, tmp_path / "edited.pt")
    with pytest.raises(ValueError, match=r"edited.pt: meta.space_spec describes space .* version"):
        Comparator.load(tmp_path / "edited.pt")
    meta["space_spec"] = {"name": "x y"}
    blob["meta"] = json.dumps(meta)
    torch.save(blob, tmp_path / "bad.pt")
    with pytest.raises(ValueError, match=r"bad.pt: meta.space_spec: spec.nodes: missing"):
        Comparator.load(tmp_path / "bad.pt")


def test_shipped_checkpoint_without_a_spec_loads_by_name(clean_registry):
    meta = json.loads(torch.load(SHIPPED, map_location="cpu", weights_only=True)["meta"])
    assert meta["space"] == "cts" and "space_spec" not in meta  # written before the registry
    assert Comparator.load(SHIPPED).space is ag.get_space("cts")
