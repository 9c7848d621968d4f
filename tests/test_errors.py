"""One root for the library's exceptions, with one outcome vocabulary."""

import ast
import importlib
from pathlib import Path

from cistrade_core.audit.log import Outcome
from cistrade_core.errors import CoreError

PACKAGE = Path(__file__).resolve().parents[1] / "cistrade_core"


def _exception_classes():
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and any(
                    isinstance(b, ast.Name) and (b.id.endswith(("Error", "Exception"))
                                                 or b.id in {"CoreError", "RuntimeError",
                                                             "LookupError"})
                    or isinstance(b, ast.Attribute) and b.attr.endswith(("Error", "Exception"))
                    for b in node.bases):
                module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
                yield module.removesuffix(".__init__"), node.name


def test_every_library_exception_derives_from_core_error_with_an_audit_outcome():
    found = list(_exception_classes())
    assert len(found) > 15
    outcomes = {o.value for o in Outcome}
    for module, name in found:
        cls = getattr(importlib.import_module(module), name)
        if name.startswith("_") or module.startswith(("cistrade_core.cli", "cistrade_core.api")):
            continue  # private retry signals; the interfaces' own (click's, HTTP problems)
        assert issubclass(cls, CoreError), f"{module}.{name} does not derive from CoreError"
        assert cls.outcome in outcomes, f"{module}.{name}.outcome = {cls.outcome!r}"
