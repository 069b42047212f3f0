"""Every gallery example under examples/ runs and draws its figure.

The documentation build runs them too (sphinx-gallery), but CI runs the test
suite, so a broken example fails here first. They run in-process with
matplotlib's non-interactive Agg backend; all of them together take about
ten seconds.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import ast
import runpy
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*/plot_*.py"))


def test_gallery_layout():
    # sphinx-gallery needs a README.txt in the gallery and in each subfolder,
    # and each family has its own subfolder
    assert (EXAMPLES / "README.txt").is_file()
    folders = {script.parent for script in SCRIPTS}
    assert {f.name for f in folders} >= {
        "elman", "lstm", "weight_search", "echo_state", "hopfield", "rnn_elm", "backprop"}
    for folder in folders:
        assert (folder / "README.txt").is_file(), folder


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_example_runs_and_draws(script, monkeypatch):
    # the gallery's title is the docstring's first line between two rules of
    # its own length, else docutils warns and the -W build fails
    lines = ast.get_docstring(ast.parse(script.read_text())).splitlines()
    assert lines[0] == lines[2] == "=" * len(lines[1]), lines[:3]

    monkeypatch.chdir(script.parent)
    plt.close("all")
    try:
        runpy.run_path(str(script), run_name="__main__")
        figures = [plt.figure(n) for n in plt.get_fignums()]
        assert figures, f"{script.name} drew no figure"
        assert all(fig.axes and any(ax.has_data() for ax in fig.axes) for fig in figures)
    finally:
        plt.close("all")
