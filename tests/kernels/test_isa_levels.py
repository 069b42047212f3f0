"""The kernels' lower SIMD paths, run on this machine by forcing the level down.

The kernels pick AVX-512, AVX2 or baseline code at run time (``_isa.h``), so
a machine tests only its own path unless told otherwise. ``SKRNN_ISA_LEVEL``
lowers the level (it never raises it), and the kernel tests run again in a
fresh process at each lower level, so that the AVX2 and baseline paths are
checked here too and not first on a user's machine.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import os
import subprocess
import sys
from pathlib import Path

import pytest

KERNEL_TESTS = Path(__file__).parent


@pytest.mark.parametrize("level", ["0", "1"])
def test_kernels_agree_with_their_references_at_lower_simd_levels(level):
    env = {**os.environ, "SKRNN_ISA_LEVEL": level}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x",
         str(KERNEL_TESTS), f"--ignore={Path(__file__).resolve()}"],
        env=env, capture_output=True, text=True, cwd=KERNEL_TESTS.parent.parent)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout
