"""Small shared fixtures; no global RNG is set anywhere."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest


@pytest.fixture(scope="module")
def ragged_sequences():
    """Three sequences of uneven lengths, 3 features, with per-step targets."""
    rng = np.random.RandomState(0)
    lengths = [5, 2, 4]
    X = [rng.uniform(-1, 1, (n, 3)) for n in lengths]
    y = [rng.uniform(-1, 1, (n, 2)) for n in lengths]
    return X, y
