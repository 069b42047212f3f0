"""The code on the documentation's pages runs and prints what the page shows.

Every ``.rst`` page under ``doc/`` with ``>>>`` examples is run as a doctest
(one namespace per page, in page order), with the options of the docstring
examples: ``...`` matches anything and whitespace differences are ignored.
A page whose code drifts from the library fails here, before a reader
copies it.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import doctest
import warnings
from pathlib import Path

import matplotlib
import pytest
from sklearn.exceptions import ConvergenceWarning

matplotlib.use("Agg")

DOC = Path(__file__).resolve().parent.parent / "doc"
PAGES = sorted(p for p in DOC.rglob("*.rst")
               if "_build" not in p.parts and "generated" not in p.parts
               and "auto_examples" not in p.parts and ">>> " in p.read_text())


def test_pages_with_code_are_found():
    # the discovery itself: the on-ramp pages hold runnable code
    names = {p.relative_to(DOC).as_posix() for p in PAGES}
    assert {"getting_started.rst", "saving.rst", "user_guide/echo_state.rst",
            "user_guide/hopfield.rst"} <= names


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(DOC).as_posix())
def test_page_examples_run(page, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)        # pages that save files write here
    with warnings.catch_warnings():
        # a page's short fits may stop at max_iter, as a reader's would: the
        # pages say so; any other warning still fails the test
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        result = _run(page)
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} example(s) of {page.name} failed (see above)"


def _run(page):
    return doctest.testfile(str(page), module_relative=False, verbose=False,
                            optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                            report=True)
