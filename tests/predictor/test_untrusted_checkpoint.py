"""A crafted checkpoint whose pickle would run code is refused, and the code never runs."""

import pathlib

import pytest
import torch

from predictor.comparator import Comparator


class _Payload:
    def __init__(self, marker: pathlib.Path):
        self.marker = marker

    def __reduce__(self):
        # Unpickling this with weights_only=False would create the marker file.
        return (pathlib.Path.touch, (self.marker,))


def test_crafted_pickle_checkpoint_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    evil = tmp_path / "comparator.pt"
    torch.save({"meta": "{}", "state_dict": _Payload(marker)}, evil)
    with pytest.raises(ValueError, match="not a readable comparator checkpoint"):
        Comparator.load(evil)
    assert not marker.exists()


def test_checkpoint_of_other_format_is_refused(tmp_path):
    path = tmp_path / "other.pt"
    torch.save({"meta": '{"format": "something-else"}'}, path)
    with pytest.raises(ValueError, match="format 'something-else'"):
        Comparator.load(path)


# --- tampered metadata and weights: refused with the file and field named, nothing built ---
SHIPPED = pathlib.Path(__file__).resolve().parents[2] / "predictor" / "checkpoints" / "default.pt"


def _tampered(tmp_path, change, name="c.pt"):
    import json

    blob = torch.load(SHIPPED, map_location="cpu", weights_only=True)
    meta = json.loads(blob["meta"])
    out = change(blob, meta)
    if out is not None:
        blob["meta"] = out
    elif "meta" in blob and isinstance(blob["meta"], str):
        blob["meta"] = json.dumps(meta)
    path = tmp_path / name
    torch.save(blob, path)
    return path


def _set(key, value):
    def change(blob, meta):
        meta[key] = value

    return change


def _set_config(key, value):
    def change(blob, meta):
        meta["config"][key] = value

    return change


def _drop_weight(blob, meta):
    blob["state_dict"].pop(sorted(blob["state_dict"])[0])


def _nan_weight(blob, meta):
    first = sorted(blob["state_dict"])[0]
    blob["state_dict"][first] = blob["state_dict"][first].clone().fill_(float("nan"))


def _extra_weight(blob, meta):
    blob["state_dict"]["zz.extra"] = torch.zeros(2)


def _task_without_windows(blob, meta):
    tasks = blob["tasks"]
    if not tasks:  # a comparator without task fusion ships no task table: craft an entry
        s, w = meta["dims"]
        tasks["crafted"] = {"stats": torch.zeros(s), "pooled": torch.zeros(w)}
    else:
        del next(iter(tasks.values()))["windows"]


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda blob, meta: "[1, 2]", "meta must be an object, got list"),
        (lambda blob, meta: meta.pop("space") and None, "meta.space must be a string"),
        (_set("space", "nope"), "meta.space: unknown space 'nope'"),
        (_set("dims", "ab"), "meta.dims must be [stats, window_dim]"),
        (_set("dims", [12, 10**9]), "meta.dims must be [stats, window_dim]"),
        (_set_config("width", 1e7), "meta.config.width: expected <class 'int'>, got float"),
        (_set_config("width", 10**7), "meta.config.width: 10000000 is outside 1..4096"),
        (_set_config("depth", "3"), "meta.config.depth: expected <class 'int'>, got str"),
        (_set_config("gnn", "evil"), "meta.config: unknown gnn 'evil'"),
        (_task_without_windows, "windows must be a float tensor of 2 dimension(s)"),
        (_drop_weight, "comparator weights do not fit the net its meta describes: missing"),
        (_extra_weight, "unexpected ['zz.extra']"),
        (_nan_weight, "holds NaN or infinite values"),
        (_set_config("width", 32), "mis-shaped"),
    ],
)
def test_tampered_checkpoint_is_refused_naming_file_and_field(tmp_path, change, expected):
    path = _tampered(tmp_path, change)
    with pytest.raises(ValueError) as info:
        Comparator.load(path)
    assert str(info.value).startswith(str(path)) and expected in str(info.value)


def test_sidecar_must_agree_with_the_embedded_meta(tmp_path):
    import json

    path = _tampered(tmp_path, lambda blob, meta: None)
    shipped = json.loads(pathlib.Path(f"{SHIPPED}.json").read_text())
    dims = tuple(shipped["dims"])
    assert Comparator.load(path).dims == dims  # no sidecar: fine
    side = pathlib.Path(f"{path}.json")
    side.write_text(json.dumps(shipped))
    assert Comparator.load(path).dims == dims  # the sidecar the checkpoint shipped with
    side.write_text(json.dumps({**shipped, "dims": [dims[0] + 1, dims[1]]}))
    with pytest.raises(ValueError, match=r"c.pt.json: 'dims' disagrees with the meta embedded"):
        Comparator.load(path)
