"""Spaces by name: built-ins, register_space, entry points, and the errors of each."""

import importlib
import sys
import textwrap

import pytest

import archgraph as ag
from archgraph import registry
from archgraph.cts import CTS_SPACE
from archgraph.nbgraph import NBGRAPH_PROTEINS_SPACE, NBGRAPH_SPACE

from ..predictor.toyspace import TOY, ToySpace


def test_builtin_spaces_by_name(clean_registry):
    assert ag.get_space("cts") is CTS_SPACE
    assert ag.get_space("nbgraph") is NBGRAPH_SPACE
    assert ag.get_space("nbgraph-proteins") is NBGRAPH_PROTEINS_SPACE
    assert {"cts", "nbgraph", "nbgraph-proteins"} <= set(ag.space_names())
    import predictor

    assert predictor.get_space is ag.get_space  # one lookup for the whole project


def test_unknown_name_lists_the_known_ones(clean_registry):
    ag.register_space("toy", TOY)
    with pytest.raises(ValueError, match=r"unknown space 'nope'; known spaces: \[.*'cts'.*'toy'"):
        ag.get_space("nope")


def test_register_an_instance_a_class_or_a_factory(clean_registry):
    class Other(ToySpace):
        name = "toy-class"

    calls = []

    def factory():
        calls.append(1)
        return Other()

    ag.register_space("toy", TOY)
    ag.register_space("toy-class", Other)
    assert ag.get_space("toy") is TOY
    made = ag.get_space("toy-class")
    assert isinstance(made, Other) and ag.get_space("toy-class") is made  # built once
    ag.unregister_space("toy-class")
    ag.register_space("toy-class", factory)
    assert ag.get_space("toy-class") is ag.get_space("toy-class") and calls == [1]
    ag.register_space("toy-class", factory)  # the same factory again: no-op
    assert "toy" in ag.space_names() and "toy-class" in ag.space_names()


def test_registration_errors(clean_registry):
    with pytest.raises(ValueError, match="is built in"):
        ag.register_space("cts", TOY)
    with pytest.raises(ValueError, match="the space given is named 'toy'"):
        ag.register_space("toy2", TOY)
    with pytest.raises(ValueError, match="expected a GraphSpace or a function"):
        ag.register_space("toy", 3)
    with pytest.raises(ValueError, match="a space name is a non-empty string"):
        ag.register_space("bad name", TOY)
    ag.register_space("toy", TOY)
    with pytest.raises(ValueError, match="'toy' is already registered"):
        ag.register_space("toy", ToySpace)
    ag.register_space("misnamed", ToySpace)  # the class' space is called 'toy'
    with pytest.raises(ValueError, match=r"'misnamed' \(registered\) gave a space named 'toy'"):
        ag.get_space("misnamed")
    ag.register_space("not-a-space", lambda: "cts")
    with pytest.raises(ValueError, match="gave a str, not a GraphSpace"):
        ag.get_space("not-a-space")
    with pytest.raises(ValueError, match="cannot be unregistered"):
        ag.unregister_space("cts")


def _install_plugin(tmp_path, monkeypatch, body: str, entry: str) -> None:
    """A package on ``sys.path`` with a ``ctsnas.spaces`` entry point, as pip would leave it."""
    (tmp_path / "myspace_plugin.py").write_text(textwrap.dedent(body))
    info = tmp_path / "myspace_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: myspace-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[{registry.ENTRY_POINT_GROUP}]\n{entry}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "myspace_plugin", raising=False)
    importlib.invalidate_caches()


PLUGIN = """
    from tests.predictor.toyspace import ToySpace

    class PluginSpace(ToySpace):
        name = "plugin-toy"
        version = "plugin-toy-1"

    def broken():
        raise RuntimeError("no licence file")
"""


def test_entry_point_space(tmp_path, monkeypatch, clean_registry):
    _install_plugin(
        tmp_path,
        monkeypatch,
        PLUGIN,
        "plugin-toy = myspace_plugin:PluginSpace\nplugin-broken = myspace_plugin:broken",
    )
    assert {"plugin-toy", "plugin-broken"} <= set(ag.space_names())
    assert "myspace_plugin" not in sys.modules  # listing names loads nothing
    space = ag.get_space("plugin-toy")
    assert type(space).__name__ == "PluginSpace" and space.version == "plugin-toy-1"
    assert ag.get_space("plugin-toy") is space
    with pytest.raises(
        ValueError, match=r"'plugin-broken' \(entry point .*\) failed to build: no licence file"
    ):
        ag.get_space("plugin-broken")
