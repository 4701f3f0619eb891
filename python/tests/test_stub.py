# The type stub covers the extension exactly, and the package ships as typed.
import ast
from pathlib import Path

import cpubone_explore as cx
from cpubone_explore import _core

PACKAGE = Path(cx.__file__).parent


def test_stub_names_match_the_extension():
    tree = ast.parse((PACKAGE / "_core.pyi").read_text())
    stubbed = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    public = {n for n in dir(_core) if not n.startswith("_")}
    assert stubbed == public


def test_package_is_typed_and_documented():
    assert (PACKAGE / "py.typed").exists()
    for name in cx.__all__:
        obj = getattr(cx, name)
        assert obj.__doc__, name
