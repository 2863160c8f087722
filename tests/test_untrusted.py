"""No code path of the project evaluates or unpickles untrusted input (checked on the AST)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("archgraph", "contrastive", "predictor", "benchmarks")
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__"}
FORBIDDEN_ATTRS = {
    ("pickle", "load"),
    ("pickle", "loads"),
    ("pickle", "Unpickler"),
    ("marshal", "loads"),
    ("dill", "load"),
    ("dill", "loads"),
    ("joblib", "load"),
    ("np", "load"),
    ("numpy", "load"),
    ("yaml", "load"),
}


def _sources() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def _problems(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        where = f"{path.relative_to(ROOT)}:{node.lineno}"
        if isinstance(func, ast.Name) and func.id in FORBIDDEN_CALLS:
            found.append(f"{where}: {func.id}()")
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            pair = (func.value.id, func.attr)
            if pair in FORBIDDEN_ATTRS:
                kw = {k.arg: k.value for k in node.keywords}
                allow = kw.get("allow_pickle")
                if (
                    pair[1] == "load"
                    and pair[0] in ("np", "numpy")
                    and (isinstance(allow, ast.Constant) and allow.value is False)
                ):
                    continue  # numpy load with pickles refused is safe
                found.append(f"{where}: {pair[0]}.{pair[1]}()")
            if pair == ("torch", "load"):
                kw = {k.arg: k.value for k in node.keywords}
                safe = kw.get("weights_only")
                if not (isinstance(safe, ast.Constant) and safe.value is True):
                    found.append(f"{where}: torch.load without weights_only=True")
    return found


def test_sources_found():
    assert len(_sources()) >= 10


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_eval_exec_or_unsafe_loading(path):
    assert _problems(path) == []


def test_checker_catches_what_it_should(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import pickle, torch, numpy as np\n"
        "eval('1')\nexec('x=1')\npickle.loads(b'')\n"
        "torch.load('m.pt')\ntorch.load('m.pt', weights_only=False)\nnp.load('a.npy')\n"
        "torch.load('m.pt', weights_only=True)\nnp.load('a.npz', allow_pickle=False)\n"
    )
    global ROOT
    old, ROOT = ROOT, tmp_path
    try:
        problems = _problems(bad)
    finally:
        ROOT = old
    assert [p.split(": ", 1)[1] for p in problems] == [
        "eval()",
        "exec()",
        "pickle.loads()",
        "torch.load without weights_only=True",
        "torch.load without weights_only=True",
        "np.load()",
    ]
