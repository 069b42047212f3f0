"""Every Python block of README.md runs on its own and prints what its comments claim.

A reader copies one block into a fresh interpreter, so each block runs in its
own subprocess, with nothing defined beforehand. A ``print(...)`` line whose
comment starts with a value (after at most one label word, as in
``# NRMSE84 ~1e-3``) is a claim about the line that call prints (the
blocks print one line per ``print`` call, which the test checks):

- ``# ~0.97`` (a decimal written with d digits after the point): the printed
  number is within 2 units of the last digit, here 0.95 <= v <= 0.99. Two
  units leave room for rounding and for the small moves of a result computed
  in floating point on another BLAS, yet catch a README that drifted from the
  code (0.96 printed beside a claimed 0.988 fails).
- ``# ~1e-3`` (a power of ten): the printed number is within a factor of 3 of
  it, the same order of magnitude.
- ``# 1.0`` or ``# True`` (no tilde): the printed value is exactly that.

Any other comment (``# training log loss, ...``) states no value and is not
checked. The blocks run in about 25 s in all on two cores.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
# the value a claim starts with, after at most one label word ('# NRMSE84 ~1e-3'):
# '~0.97', '~1e-3', '1.0', 'True', 'False'
_CLAIM = re.compile(r"#\s*(?:[A-Za-z][\w-]*\s+)?(~?)"
                    r"(True|False|[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\b")


def _blocks():
    return _BLOCK.findall(README.read_text())


def _print_claims(source):
    """One entry per top-level ``print`` call, in order: its claim or None."""
    claims = {}
    for lineno, line in enumerate(source.splitlines(), start=1):
        if "#" in line and (match := _CLAIM.search(line[line.index("#"):])):
            claims[lineno] = match.groups()
    prints = [node for node in ast.walk(ast.parse(source))
              if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print"]
    return [claims.get(node.lineno) for node in sorted(prints, key=lambda n: n.lineno)]


def _check_claim(printed, approx, value):
    if value in ("True", "False"):
        assert printed == value, f"printed {printed!r}, the comment says {value}"
        return
    number = float(printed)
    if not approx:
        assert number == float(value), f"printed {printed}, the comment says {value}"
    elif "e" in value.lower():
        assert float(value) / 3 <= abs(number) <= 3 * float(value), (
            f"printed {printed}, the comment says ~{value} (within a factor of 3)")
    else:
        digits = len(value.split(".")[1]) if "." in value else 0
        tol = 2 * 10.0 ** -digits
        assert abs(number - float(value)) <= tol + 1e-12, (
            f"printed {printed}, the comment says ~{value} (+/- {tol:g})")


def test_claim_parser():
    # the checker itself: claims found on print lines only, tolerances as documented
    source = ("x = 1  # ~5\nprint(x)  # ~0.97 on held-out data\nprint(2)  # training loss\n"
              "print(True)  # True: same\nprint(3)  # NRMSE ~1e-3\n")
    assert _print_claims(source) == [("~", "0.97"), None, ("", "True"), ("~", "1e-3")]
    _check_claim("0.9501", "~", "0.97")
    _check_claim("0.0008", "~", "1e-3")
    for printed, approx, value in [("0.9622", "~", "0.988"), ("0.94", "~", "0.97"),
                                   ("0.15", "~", "1e-3"), ("0.999", "", "1.0"),
                                   ("False", "", "True")]:
        with pytest.raises(AssertionError):
            _check_claim(printed, approx, value)


def test_readme_has_blocks():
    # the extraction itself: the README's examples are found, one per family
    blocks = _blocks()
    assert len(blocks) >= 7
    text = "\n".join(blocks)
    for name in ("ElmanRegressor", "HopfieldMemory", "RNNELMClassifier", "EchoStateRegressor",
                 "ParticleSwarmOptimizer", "GridSearchCV", "fit_distributed"):
        assert name in text, name


@pytest.mark.parametrize("index", range(len(_blocks())))
def test_readme_block_runs_and_prints_its_claims(index):
    source = _blocks()[index]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    # a fresh interpreter, run from outside the repository as a reader would
    done = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True,
                          env=env, cwd=ROOT.parent, timeout=300)
    assert done.returncode == 0, f"block {index} failed:\n{source}\n{done.stderr}"
    printed = done.stdout.splitlines()
    claims = _print_claims(source)
    assert len(printed) == len(claims), (
        f"block {index}: {len(claims)} print calls but {len(printed)} lines:\n{done.stdout}")
    for line, claim in zip(printed, claims):
        if claim is not None:
            _check_claim(line.strip(), *claim)
