"""cliconfig.reading: config (and arch) files are read with bounds, errors name the file."""

import os

import pytest

from cliconfig import ReadError, read_config_file
from cliconfig.reading import MAX_DEPTH, parse_json, read_text_capped


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_config_file_is_bounded_like_an_arch_file(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # opening it would block until a writer comes
    cases = [
        ("/dev/zero", "/dev/zero: cannot read config file: not a regular file"),
        (str(fifo), f"{fifo}: cannot read config file: not a regular file"),
        (str(tmp_path), f"{tmp_path}: cannot read config file: it is a directory"),
        (_write(tmp_path, "c.json", "[" * 100_000), f"JSON nested deeper than {MAX_DEPTH} levels"),
        (_write(tmp_path, "d.json", '{"n": 1, "n": 2}'), "d.json: duplicate key 'n' in one object"),
        (_write(tmp_path, "t.toml", "a = " + "[" * 5000 + "]" * 5000), "t.toml: not valid toml"),
        (_write(tmp_path, "k.toml", "k" * 300 + " = 1\n"), "(300 characters) is longer than 256"),
        (_write(tmp_path, "i.toml", "a = " + "9" * 31 + "\n"), "an integer of more than 30 digits"),
        (_write(tmp_path, "e.toml", "a = 1\na = 2\n"), "e.toml: not valid toml"),
        (_write(tmp_path, "u.toml", "a = 1\n"), None),
        (
            _write(tmp_path, "l.json", "[1]"),
            "l.json: expected an object of setting names, got list",
        ),
    ]
    for path, expected in cases:
        if expected is None:
            assert read_config_file(path) == {"a": 1}
            continue
        with pytest.raises(ReadError) as info:
            read_config_file(path)
        assert expected in str(info.value) and str(info.value).startswith(str(path))


def test_size_cap_and_utf8(tmp_path):
    big = _write(tmp_path, "big.json", '{"a": "' + "x" * 2000 + '"}')
    with pytest.raises(ReadError, match="config file is larger than 1000 bytes"):
        read_config_file(big, max_bytes=1000)
    bad = tmp_path / "b.json"
    bad.write_bytes(b'{"a": "\xff"}')
    with pytest.raises(ReadError, match="b.json: file is not UTF-8 text"):
        read_text_capped(bad, 100)


def test_parse_json_keeps_the_decoder_error_as_cause():
    with pytest.raises(ReadError) as info:
        parse_json('{"a": ', "x.json:3")
    assert str(info.value).startswith("x.json:3: not JSON: Expecting value (line 1 column 7)")
    assert type(info.value.__cause__).__name__ == "JSONDecodeError"
    with pytest.raises(ReadError, match="an integer of 31 digits"):
        parse_json("1" * 31, "x.json")
