"""Spaces by name: the built-in ones, a user's own through :func:`register_space`, and those
that installed packages declare as entry points.

A checkpoint or a label file names its space (``GraphSpace.name``); :func:`get_space` turns
the name back into the space. Three sources, looked up in this order:

1. :func:`register_space` calls (``register_space("mine", MySpace)``), made by the program
   before it loads anything of that space;
2. the built-in spaces: ``cts`` (the contrastive time-series space), ``nbgraph`` and
   ``nbgraph-proteins`` (NAS-Bench-Graph);
3. entry points of the group :data:`ENTRY_POINT_GROUP` of installed packages, e.g. in a
   plugin's ``pyproject.toml``::

       [project.entry-points."ctsnas.spaces"]
       mine = "my_package.space:MySpace"

   The entry point's name is the space name; the object it points to is a
   :class:`~archgraph.base.GraphSpace` instance, a ``GraphSpace`` subclass or a function of no
   arguments returning one. It is loaded the first time the name is asked for.

A factory is called once, on first use, and the space it returns is kept: every lookup of a
name gives the same object. The space's ``name`` must be the name it is registered under, so
that what a checkpoint records finds the same space again.

A generic cell space (:class:`archgraph.generic.GenericSpace`, built from a JSON spec) is named
``generic-<spec name>``; register it with ``register_space(space.name, space)``, or let its
checkpoint carry the spec (``predictor.comparator`` does).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:
    import importlib.metadata

    from .base import GraphSpace

ENTRY_POINT_GROUP = "ctsnas.spaces"

SpaceFactory = Union["GraphSpace", Callable[[], "GraphSpace"]]


def _cts() -> GraphSpace:
    from .cts import CTS_SPACE

    return CTS_SPACE


def _nbgraph() -> GraphSpace:
    from .nbgraph import NBGRAPH_SPACE

    return NBGRAPH_SPACE


def _nbgraph_proteins() -> GraphSpace:
    from .nbgraph import NBGRAPH_PROTEINS_SPACE

    return NBGRAPH_PROTEINS_SPACE


# Built-ins as factories: the graph modules import torch and PyG, which take seconds, so that
# listing the names (a CLI's --help) does not wait for them.
BUILTIN: dict[str, Callable[[], GraphSpace]] = {
    "cts": _cts,
    "nbgraph": _nbgraph,
    "nbgraph-proteins": _nbgraph_proteins,
}

_lock = threading.Lock()
_registered: dict[str, SpaceFactory] = {}
_built: dict[str, GraphSpace] = {}


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not name or not all(c.isalnum() or c in "-_." for c in name):
        raise ValueError(
            f"a space name is a non-empty string of letters, digits, -_. ; got {name!r}"
        )
    return name


def register_space(name: str, factory: SpaceFactory) -> None:
    """Make a space known by ``name`` (to :func:`get_space`, and so to checkpoint loading).

    Args:
        name: the space's ``name`` (letters, digits, ``-_.``).
        factory: the space itself, a ``GraphSpace`` subclass, or a function of no arguments
            returning the space (called once, on first use).

    Raises:
        ValueError: a bad name, a factory that is not callable, or ``name`` already registered
            or built in with another factory (registering the same factory again is a no-op).
    """
    from .base import GraphSpace

    _check_name(name)
    if name in BUILTIN:
        raise ValueError(f"space {name!r} is built in; pick another name")
    if not isinstance(factory, GraphSpace) and not callable(factory):
        raise ValueError(
            f"space {name!r}: expected a GraphSpace or a function returning one, got "
            f"{type(factory).__name__}"
        )
    if isinstance(factory, GraphSpace) and factory.name != name:
        raise ValueError(f"space {name!r}: the space given is named {factory.name!r}")
    with _lock:
        old = _registered.get(name)
        if old is not None and old is not factory:
            raise ValueError(f"space {name!r} is already registered (by {_describe(old)})")
        _registered[name] = factory


def unregister_space(name: str) -> None:
    """Forget a space registered with :func:`register_space` (no-op for an unknown name)."""
    with _lock:
        if name in BUILTIN:
            raise ValueError(f"space {name!r} is built in and cannot be unregistered")
        _registered.pop(name, None)
        _built.pop(name, None)


def _describe(factory: Any) -> str:
    return getattr(factory, "__qualname__", None) or type(factory).__name__


def _entry_points() -> dict[str, importlib.metadata.EntryPoint]:
    """The space entry points of the installed packages, by name (the first of a name wins,
    as the import system would pick)."""
    import importlib.metadata  # on use: listing the built-in names stays instant

    found: dict[str, importlib.metadata.EntryPoint] = {}
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(ep.name, ep)
    return found


def space_names() -> list[str]:
    """Every name :func:`get_space` answers (built-in, registered, entry points), sorted."""
    with _lock:
        names = set(BUILTIN) | set(_registered)
    return sorted(names | set(_entry_points()))


def _build(name: str, factory: SpaceFactory, origin: str) -> GraphSpace:
    from .base import GraphSpace

    if isinstance(factory, GraphSpace):
        space = factory
    else:
        try:
            space = factory()
        except Exception as err:  # a user's factory may raise anything: say whose it was
            raise ValueError(f"space {name!r} ({origin}) failed to build: {err}") from err
    if not isinstance(space, GraphSpace):
        raise ValueError(
            f"space {name!r} ({origin}) gave a {type(space).__name__}, not a GraphSpace"
        )
    if space.name != name:
        raise ValueError(f"space {name!r} ({origin}) gave a space named {space.name!r}")
    return space


def get_space(name: str) -> GraphSpace:
    """The space registered, built in or declared as an entry point under ``name``.

    Raises:
        ValueError: ``name`` is not known (the message lists the names that are), or its
            entry point fails to load or gives something that is not a space of that name.
    """
    with _lock:
        if name in _built:
            return _built[name]
        factory: SpaceFactory | None = _registered.get(name) or BUILTIN.get(name)
    origin = "registered" if name in _registered else "built in"
    if factory is None:
        ep = _entry_points().get(name) if isinstance(name, str) else None
        if ep is None:
            raise ValueError(f"unknown space {name!r}; known spaces: {space_names()}")
        origin = f"entry point {ep.value!r} of group {ENTRY_POINT_GROUP!r}"
        try:
            factory = ep.load()
        except Exception as err:  # a plugin's import may raise anything; name it and go on
            raise ValueError(f"space {name!r}: {origin} failed to load: {err}") from err
    space = _build(name, factory, origin)
    with _lock:
        return _built.setdefault(name, space)
