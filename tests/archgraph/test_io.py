"""Bounded, strict reading of arch files (archgraph.io) and the config files of python -m archgraph."""

import json
import os

import pytest

from archgraph import ArchError
from archgraph.__main__ import main
from archgraph.io import MAX_DEPTH, read_archs, read_json

from .conftest import EXAMPLE


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "text, expected",
    [
        ("[" * 100_000, f"nested deeper than {MAX_DEPTH} levels"),
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), f"nested deeper than {MAX_DEPTH}"),
        ("[]", "no arch found"),
        ("", "no arch found"),
        ('{"a": 1, "a": 2}', "duplicate key 'a'"),
        ('{"a": ' + "9" * 5000 + "}", "an integer of 5000 digits (at most 30)"),
        ('{"' + "k" * 10**6 + '": 1}', "(1000000 characters) is longer than 256"),
        ('{"a": 1}\n{"a": \n', "x.json:2: not JSON"),
    ],
)
def test_read_archs_refuses_with_the_file_named(tmp_path, text, expected):
    path = _write(tmp_path, "x.json", text)
    with pytest.raises(ArchError) as info:
        read_archs(path)
    msg = str(info.value)
    assert msg.startswith(str(path)) and expected in msg
    assert len(msg) < 400  # huge keys and ints are not echoed whole


def test_read_archs_accepts_object_list_and_jsonl(tmp_path):
    one = _write(tmp_path, "a.json", json.dumps(EXAMPLE))
    many = _write(tmp_path, "b.json", json.dumps([EXAMPLE, EXAMPLE]))
    lines = _write(tmp_path, "c.jsonl", json.dumps(EXAMPLE) + "\n\n" + json.dumps(EXAMPLE) + "\n")
    assert read_archs(one) == [EXAMPLE]
    assert read_archs(many) == [EXAMPLE, EXAMPLE]
    assert read_archs(lines) == [EXAMPLE, EXAMPLE]
    deep_ok = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert read_json(_write(tmp_path, "d.json", deep_ok)) == json.loads(deep_ok)


def test_non_regular_and_oversized_files_are_refused_unread(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # opening it would block until a writer comes
    for path, expected in (
        ("/dev/zero", "not a regular file"),
        (str(fifo), "not a regular file"),
        (str(tmp_path), "it is a directory"),
        (str(tmp_path / "missing.json"), "cannot read arch file"),
    ):
        with pytest.raises(ArchError, match=expected) as info:
            read_archs(path)
        assert str(info.value).startswith(path)
    big = _write(tmp_path, "big.json", json.dumps([EXAMPLE] * 50))
    with pytest.raises(ArchError, match="larger than 1000 bytes"):
        read_archs(big, max_bytes=1000)


@pytest.mark.parametrize(
    "command, config, expected",
    [
        ("draw", {"index": 0.5}, "key 'index': expected an integer, got float 0.5"),
        ("draw", {"index": [1]}, "key 'index': expected an integer, got list"),
        ("draw", {"file": 123}, "key 'file': expected a string, got int 123"),
        ("draw", {"output": 5}, "key 'output': expected a string, got int 5"),
        ("sample", {"n": 1.5}, "key 'n': expected an integer, got float 1.5"),
        ("sample", {"n": True}, "key 'n': expected an integer, got bool True"),
        ("sample", {"out": None}, None),
        ("sample", {"seed": None}, "key 'seed': expected an integer, got NoneType"),
        ("sample", {"x" * 10**5: 1}, "key 'xxxxxxxx"),
        ("sample", {"x" * 200: 1}, "unknown key 'xxxxxxxx"),
    ],
)
def test_config_values_are_type_checked(tmp_path, capsys, command, config, expected):
    path = _write(tmp_path, "c.json", json.dumps(config))
    if expected is None:
        assert main([command, "-n", "1", "--config", str(path)]) == 0
        return
    with pytest.raises(SystemExit) as info:
        main([command, "--config", str(path)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert f"{path}: {expected}" in err and len(err) < 1000


def test_config_number_strings_parse_as_on_the_command_line(tmp_path, capsys):
    path = _write(tmp_path, "c.json", '{"n": "2", "seed": "1"}')
    assert main(["sample", "--config", str(path)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_sample_streams_the_same_archs_and_is_bounded(tmp_path, capsys):
    import archgraph as ag

    out = tmp_path / "s.jsonl"
    assert main(["sample", "-n", "4", "--seed", "3", "--out", str(out)]) == 0
    assert [json.loads(x) for x in out.read_text().splitlines()] == ag.sample(4, 3)
    with pytest.raises(SystemExit) as info:
        main(["sample", "-n", "100000000"])
    assert info.value.code == 2
    assert "-n must be in 1..10000000" in capsys.readouterr().err
