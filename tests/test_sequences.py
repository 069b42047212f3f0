"""The stacked-sequences container (skrnn._sequences.Sequences)."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest

from skrnn._sequences import Sequences


@pytest.mark.parametrize("per_step", [True, False])
def test_taking_from_a_3d_batch_equals_the_general_path(per_step):
    """A 3D batch takes whole blocks of rows; a list of the same sequences
    goes through the general row gather. Both must give the same batch."""
    rng = np.random.RandomState(0)
    n_seq, T = 7, 5
    X = rng.normal(size=(n_seq * T, 3))
    Y = rng.normal(size=(n_seq * T if per_step else n_seq, 2))
    offsets = np.arange(0, (n_seq + 1) * T, T, dtype=np.intp)
    batch = Sequences(X, offsets, "batch", Y, per_step)
    as_list = Sequences(X, offsets, "list", Y, per_step)
    idx = np.array([4, 0, 6, 4])
    taken, expected = batch.take(idx), as_list.take(idx)
    np.testing.assert_array_equal(taken.X, expected.X)
    np.testing.assert_array_equal(taken.Y, expected.Y)
    np.testing.assert_array_equal(taken.offsets, expected.offsets)
    np.testing.assert_array_equal(taken.lengths, expected.lengths)
    np.testing.assert_array_equal(taken.order, expected.order)
    assert taken.X.flags.c_contiguous and taken.layout == "batch"
