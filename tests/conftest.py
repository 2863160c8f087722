"""Suite-wide guard: tests write under ``tmp_path``, never into the repository root.

A stray file there (an empty ``int.sqlite`` once got committed) is easy to miss; this check fails
the run that creates one, naming it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_BEFORE: set[str] = set()


def _entries() -> set[str]:
    # dot-entries and bytecode caches are the tools' own (pytest, ruff, hypothesis)
    return {
        p.name for p in ROOT.iterdir() if not p.name.startswith(".") and p.name != "__pycache__"
    }


def pytest_sessionstart(session: pytest.Session) -> None:
    _BEFORE.update(_entries())


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    new = sorted(_entries() - _BEFORE)
    if new:
        session.config.get_terminal_writer().line(
            f"\ntests left files in the repository root: {', '.join(new)} (write under tmp_path)",
            red=True,
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def clean_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Spaces a test registers (``archgraph.register_space``) are forgotten after it."""
    from archgraph import registry

    monkeypatch.setattr(registry, "_registered", {})
    monkeypatch.setattr(registry, "_built", {})
