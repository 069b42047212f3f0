"""The API reference and the docstrings cover every public name.

doc/api.rst must list (under the right ``currentmodule``) every name that
``skrnn.__all__`` and the ``__all__`` of the public subpackages export, and
every public class and function must have a numpydoc Examples section with a
doctest, which the suite runs (``--doctest-modules``).
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import skrnn

API_RST = Path(__file__).resolve().parent.parent / "doc" / "api.rst"


def _public_modules():
    yield skrnn
    for info in pkgutil.iter_modules(skrnn.__path__):
        # packages, and public modules that export names (skrnn.exceptions)
        if not info.name.startswith("_") and info.name != "demo":
            yield importlib.import_module(f"skrnn.{info.name}")


def _public_objects():
    """(qualified name, object) of every class and function a user can import."""
    seen = {}
    for module in _public_modules():
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if (inspect.isclass(obj) or inspect.isfunction(obj)) and id(obj) not in seen:
                seen[id(obj)] = (f"{module.__name__}.{name}", obj)
    return sorted(seen.values(), key=lambda pair: pair[0])


def _documented_names():
    """Fully qualified names listed in the autosummary blocks of doc/api.rst."""
    names, module, in_autosummary = set(), "skrnn", False
    for line in API_RST.read_text().splitlines():
        if match := re.match(r"\.\. currentmodule:: (\S+)", line):
            module = match[1]
        elif line.startswith(".. autosummary::"):
            in_autosummary = True
        elif in_autosummary and line.startswith("   ") and not line.strip().startswith(":"):
            names.add(f"{module}.{line.strip()}")
        elif line.strip() and not line.startswith(" "):
            in_autosummary = False
    return names


PUBLIC = _public_objects()


def test_public_names_found():
    # the discovery itself: the estimators of the top level and the dataset
    # generators of a subpackage are among them
    names = {name for name, _ in PUBLIC}
    assert {"skrnn.ElmanRegressor", "skrnn.HopfieldMemory",
            "skrnn.datasets.make_reber"} <= names


def test_api_reference_lists_every_public_name():
    documented = _documented_names()
    missing = [name for name, _ in PUBLIC if name not in documented]
    assert not missing, f"add to doc/api.rst: {missing}"


@pytest.mark.parametrize("name, obj", PUBLIC, ids=[name for name, _ in PUBLIC])
def test_docstring_has_runnable_example(name, obj):
    doc = inspect.getdoc(obj) or ""
    assert re.search(r"^Examples\n-{8}\n", doc, re.MULTILINE), f"{name}: no Examples section"
    examples = doc.split("Examples\n--------\n", 1)[1]
    assert ">>> " in examples, f"{name}: Examples section without a doctest"
