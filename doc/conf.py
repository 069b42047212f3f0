"""Sphinx configuration of the skrnn documentation.

Build with ``python -m sphinx -W -b html doc doc/_build/html`` (the README's
command). The build works offline: links to the Python, NumPy, SciPy and
scikit-learn documentation (intersphinx) need their inventories from the
network, so they are off unless ``SKRNN_DOCS_INTERSPHINX=1`` is set.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import os
import re
from pathlib import Path

import skrnn

project = "skrnn"
author = "The skrnn developers"
copyright = "The skrnn developers"
release = skrnn.__version__
version = release
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    # MathJax from a pip package, copied into _static/: equations render
    # offline (a reader with no network saw raw LaTeX with the CDN's copy)
    "sphinx-mathjax-offline",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
templates_path = ["_templates"]
exclude_patterns = ["_build"]

# -- Theme ---------------------------------------------------------------------
# the PyData theme (scikit-learn's): a wide content column fits gallery code
# and output; no external links or fonts, so the site works offline
html_theme = "pydata_sphinx_theme"
html_title = f"skrnn {release}"
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_static_path = ["_static"]
html_css_files = ["skrnn.css"]
html_show_sourcelink = True

# -- API reference ----------------------------------------------------------
autosummary_generate = True
# the class template (doc/_templates/autosummary/class.rst) lists the members
numpydoc_show_class_members = True
numpydoc_class_members_toctree = False
# plain-text `x` is code, as in scikit-learn's documentation
default_role = "literal"

# -- Links to other projects' documentation (needs the network) -------------
INTERSPHINX = os.environ.get("SKRNN_DOCS_INTERSPHINX", "0") == "1"
if INTERSPHINX:
    extensions.append("sphinx.ext.intersphinx")
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "scipy": ("https://docs.scipy.org/doc/scipy", None),
        "sklearn": ("https://scikit-learn.org/stable", None),
    }

# -- Gallery of examples/ -----------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # one folder per family, in the order of the user guide
    "subsection_order": [
        "../examples/sequences",
        "../examples/elman",
        "../examples/lstm",
        "../examples/backprop",
        "../examples/rnnpb",
        "../examples/second_order",
        "../examples/ctrnn",
        "../examples/weight_search",
        "../examples/hopfield",
        "../examples/rnn_elm",
        "../examples/echo_state",
        "../examples/forecasting",
    ],
    "within_subsection_order": "FileNameSortKey",
    # "Examples using X" at the bottom of every API page
    "doc_module": ("skrnn",),
    "backreferences_dir": "generated/backreferences",
    "reference_url": {"skrnn": None},
    # a failing example fails the build
    "abort_on_example_error": True,
    "min_reported_time": 1,
    # the page of execution times loads its table styling from CDNs
    "write_computation_times": False,
}

# -- Inherited scikit-learn docstrings ----------------------------------------
# Methods inherited from scikit-learn (score, get_params, set_output...) carry
# cross-references to labels and glossary terms of scikit-learn's own site
# (:ref:`accuracy_score`, :term:`fit`), which only its intersphinx inventory
# resolves. Offline, they are rendered as plain text instead of warning.
_FOREIGN_ROLE = re.compile(r":(?:ref|term|doc):`(?:([^`<]*?)\s*<[^`>]*>|([^`]*))`")


def _plain_foreign_roles(app, what, name, obj, options, lines):
    module = getattr(obj, "__module__", None) or ""
    if INTERSPHINX or module.startswith("skrnn"):
        return
    for i, line in enumerate(lines):
        lines[i] = _FOREIGN_ROLE.sub(lambda m: m.group(1) or m.group(2), line)


# -- The site works offline ----------------------------------------------------
# A page that loads a script, a style sheet or a font from the network shows
# raw LaTeX or no styling to a reader without one (MathJax from a CDN did).
# Links a reader clicks are fine; resources the browser fetches by itself
# are not, and fail the build.
_REMOTE_RESOURCE = re.compile(
    r"<(?:script|img)\b[^>]*\bsrc=[\"']https?://|<link\b[^>]*\bhref=[\"']https?://[^>]*>")


def _check_offline(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    for page in sorted(Path(app.outdir).rglob("*.html")):
        for match in _REMOTE_RESOURCE.finditer(page.read_text(errors="replace")):
            tag = match.group(0)
            if tag.startswith("<link") and not re.search(r"rel=[\"'](?:stylesheet|preload)",
                                                         tag):
                continue
            raise RuntimeError(f"{page.relative_to(app.outdir)} loads {tag!r} from the "
                               "network; ship the resource instead")


def setup(app):
    app.connect("autodoc-process-docstring", _plain_foreign_roles)
    app.connect("build-finished", _check_offline)
