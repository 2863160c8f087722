"""The CLI generated from a config dataclass: flags, help, --config files, usage errors."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Literal

import pytest

from cliconfig import EXIT_USAGE, docstring_attributes, option, parse, parser_for


@dataclass
class Base:
    """Shared settings (a base class's docstring gives its fields' help).

    Attributes:
        seed: random seed
            of everything.
        tasks: tasks to leave out (``a,b``).
    """

    seed: int = 0
    tasks: tuple[str, ...] = ()


@dataclass
class Demo(Base):
    """Train a demo model."""

    n_train: int = option(5, "training archs", aliases=("-n",))
    rate: float | None = option(None, "learning rate")
    head: Literal["score", "concat"] = option("score", "comparator head", group="model")
    fast: bool = option(False, "skip the slow part")
    check: bool = option(True, "check the archs")
    file: str = option("", "input file", positional=True)


def _usage_error(capsys, argv: list[str]) -> str:
    with pytest.raises(SystemExit) as info:
        parse(Demo, argv, prog="demo")
    assert info.value.code == EXIT_USAGE
    return capsys.readouterr().err


def test_defaults_and_flags():
    assert parse(Demo, []) == Demo()
    assert Demo() == Demo(0, (), 5, None, "score", False, True, "")
    cfg = parse(Demo, ["x.json", "-n", "7", "--rate", "0.5", "--tasks", "a, b", "--fast"])
    assert (cfg.file, cfg.n_train, cfg.rate, cfg.tasks, cfg.fast) == (
        "x.json",
        7,
        0.5,
        ("a", "b"),
        True,
    )
    assert parse(Demo, ["--no-check", "--n-train", "3", "--head", "concat"]) == Demo(
        n_train=3, check=False, head="concat"
    )


def test_help_text_comes_from_option_and_docstrings(capsys):
    with pytest.raises(SystemExit) as info:
        parse(Demo, ["--help"], prog="demo")
    assert info.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert out.startswith(
        "usage: demo [-h] [--config FILE] [--seed SEED] [--tasks TASKS] [-n N_TRAIN]"
    )
    assert "Train a demo model." in out
    assert "--seed SEED random seed of everything. (default: 0)" in out
    assert "--tasks TASKS tasks to leave out (a,b)." in out  # an empty default is not shown
    assert "-n N_TRAIN, --n-train N_TRAIN training archs (default: 5)" in out
    assert "model: --head {score,concat} comparator head (default: score)" in out
    assert "--check, --no-check check the archs (default: True)" in out
    assert docstring_attributes(Demo) == {
        "seed": "random seed of everything.",
        "tasks": "tasks to leave out (a,b).",
    }


def test_config_file_json_and_toml_flags_win(tmp_path):
    js = tmp_path / "c.json"
    js.write_text(json.dumps({"n-train": 2, "rate": 1, "tasks": ["a"], "head": "concat"}))
    assert parse(Demo, ["--config", str(js)]) == Demo(
        n_train=2, rate=1.0, tasks=("a",), head="concat"
    )
    assert parse(Demo, ["--config", str(js), "-n", "9", "--tasks", "b,c"]) == Demo(
        n_train=9, rate=1.0, tasks=("b", "c"), head="concat"
    )
    toml = tmp_path / "c.toml"
    toml.write_text('n_train = "4"\ntasks = "x,y"\ncheck = false\nfile = "f.json"\n')
    assert parse(Demo, ["--config", str(toml)]) == Demo(
        n_train=4, tasks=("x", "y"), check=False, file="f.json"
    )
    # the file's values do not leak into the next parse of the same parser
    parser = parser_for(Demo)
    assert parser.parse(["--config", str(toml)]).n_train == 4
    assert parser.parse([]) == Demo()


@pytest.mark.parametrize(
    "data, expected",
    [
        ({"n_trian": 2}, "unknown key 'n_trian'; known keys: check, fast, file, head, n_train,"),
        ({"n_train": 2.5}, "key 'n_train': expected an integer, got float 2.5"),
        ({"n_train": True}, "key 'n_train': expected an integer, got bool True"),
        ({"fast": "yes"}, "key 'fast': expected a boolean, got str 'yes'"),
        ({"head": "mlp"}, "key 'head': expected one of ['score', 'concat'], got str 'mlp'"),
        ({"rate": [1]}, "key 'rate': expected a number or null, got list"),
        ({"tasks": [1]}, "key 'tasks': expected a list of strings (or a comma-separated string)"),
        ({"seed": None}, "key 'seed': expected an integer, got NoneType"),
    ],
)
def test_bad_config_file_is_a_usage_error_naming_file_and_key(tmp_path, capsys, data, expected):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    err = _usage_error(capsys, ["--config", str(path)])
    assert f"{path}: {expected}" in err


@pytest.mark.parametrize(
    "text, expected",
    [
        ('{"n_train": 1, "n_train": 2}', "duplicate key 'n_train' in one object"),
        ("[1, 2]", "expected an object of setting names, got list"),
        ("[" * 100_000, "JSON nested deeper than 64 levels"),
        ("{", "not JSON: Expecting property name"),
    ],
)
def test_broken_config_file_is_refused_with_the_file_named(tmp_path, capsys, text, expected):
    path = tmp_path / "bad.json"
    path.write_text(text)
    assert f"{path}: {expected}" in _usage_error(capsys, ["--config", str(path)])


def test_config_file_that_is_no_regular_file_or_bad_toml(tmp_path, capsys):
    assert "/dev/zero: cannot read config file: not a regular file" in _usage_error(
        capsys, ["--config", "/dev/zero"]
    )
    toml = tmp_path / "c.toml"
    toml.write_text("n_train = \n")
    assert f"{toml}: not valid toml" in _usage_error(capsys, ["--config", str(toml)])


def test_bad_flags_are_usage_errors(capsys):
    assert "argument -n/--n-train: invalid int value: 'x'" in _usage_error(capsys, ["-n", "x"])
    assert "invalid choice: 'mlp' (choose from 'score', 'concat')" in _usage_error(
        capsys, ["--head", "mlp"]
    )
    assert "unrecognized arguments: --model" in _usage_error(capsys, ["--model", "gin"])


def test_post_init_value_error_is_a_usage_error(capsys):
    @dataclass
    class Checked:
        n: int = 1

        def __post_init__(self):
            if self.n < 1:
                raise ValueError(f"--n must be >= 1, got {self.n}")

    with pytest.raises(SystemExit) as info:
        parse(Checked, ["--n", "0"])
    assert info.value.code == EXIT_USAGE
    assert "error: --n must be >= 1, got 0" in capsys.readouterr().err


def test_fields_that_cannot_be_flags_fail_when_the_parser_is_built():
    @dataclass
    class Bad:
        shape: dict = field(default_factory=dict)

    @dataclass
    class NoDefault:
        n: int

    with pytest.raises(TypeError, match=r"Bad.shape: type <class 'dict'> cannot be a flag"):
        parser_for(Bad)

    @dataclass
    class Clash:
        config: str = ""

    with pytest.raises(TypeError, match="NoDefault.n: a flag needs a default"):
        parser_for(NoDefault)
    with pytest.raises(TypeError, match="Clash.config: the name of a flag every command has"):
        parser_for(Clash)


def test_a_percent_in_a_default_shows_as_is(capsys):
    @dataclass
    class Pct:
        fmt: str = option("100%", "label format")

    with pytest.raises(SystemExit):
        parse(Pct, ["--help"])
    assert "label format (default: 100%)" in capsys.readouterr().out
