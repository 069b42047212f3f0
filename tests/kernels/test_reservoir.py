"""The compiled reservoir kernel against a plain NumPy reference of the same equations."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest
import scipy.sparse as sp

from skrnn.echo_state._reservoir import (
    Reservoir,
    float32_exact,
    sliced_ellpack,
    sparse_recurrent_matrix,
)

RTOL = {np.float32: 1e-5, np.float64: 1e-12}
ATOL = {np.float32: 1e-5, np.float64: 1e-13}

LENGTHS = {
    "uneven": [4, 1, 7, 3],
    "one-sequence": [6],
    "length-one": [1, 1],
    "equal": [5, 5, 5],
}


def reference(X, offsets, W_in, b, W, a, x0, W_fb=None, y0=None, R=None, G=None, V=None,
              forced=None):
    """x_t = (1-a) x + a tanh(b + u W_in + x W + y_prev W_fb); y_t = V_t + x R + y_prev G."""
    n_out = 0 if y0 is None else y0.shape[1]
    states = np.zeros((X.shape[0], W.shape[0]))
    outputs = np.zeros((X.shape[0], n_out))
    for s in range(len(offsets) - 1):
        x = x0[s].astype(np.float64)
        y = None if y0 is None else y0[s].astype(np.float64)
        for r in range(offsets[s], offsets[s + 1]):
            z = b + X[r] @ W_in + x @ W
            if forced is not None:
                z = z + forced[r] @ W_fb
            elif W_fb is not None:
                z = z + y @ W_fb
            x = (1 - a) * x + a * np.tanh(z)
            states[r] = x
            if R is not None:
                y_new = V[r] + x @ R
                if G is not None:
                    y_new = y_new + y @ G
                y = y_new
                outputs[r] = y
    return states, outputs


def _setup(lengths, dtype, connectivity, seed=0, n_units=12, n_in=3):
    rng = np.random.RandomState(seed)
    # the kernel stores W in float32: the estimator draws it exactly representable
    W = float32_exact(sparse_recurrent_matrix(n_units, connectivity, rng) * 0.4)
    W_in = rng.uniform(-1, 1, (n_in, n_units)).astype(dtype)
    b = rng.uniform(-0.5, 0.5, n_units).astype(dtype)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.intp)
    X = rng.uniform(-1, 1, (offsets[-1], n_in)).astype(dtype)
    x0 = rng.uniform(-0.5, 0.5, (len(lengths), n_units)).astype(dtype)
    return W, W_in, b, offsets, X, x0


def _order(offsets):
    return np.argsort(-np.diff(offsets), kind="stable").astype(np.intp)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("lengths", list(LENGTHS))
@pytest.mark.parametrize("connectivity", [0.2, 1.0], ids=["sparse", "dense"])
def test_open_loop_matches_reference(dtype, lengths, connectivity):
    W, W_in, b, offsets, X, x0 = _setup(LENGTHS[lengths], dtype, connectivity)
    res = Reservoir(W_in, b, sp.csr_array(W, dtype=dtype), None, 0.6)
    assert (res._dense.shape[0] > 0) == (connectivity == 1.0)  # both code paths run
    U = res.project(X)
    x_state = x0.copy()
    res.run(U, offsets, _order(offsets), x_state)
    expected, _ = reference(X.astype(np.float64), offsets, W_in, b, W.toarray(), 0.6, x0)
    np.testing.assert_allclose(U, expected, rtol=RTOL[dtype], atol=ATOL[dtype])
    np.testing.assert_allclose(x_state, expected[offsets[1:] - 1], rtol=RTOL[dtype],
                               atol=ATOL[dtype])
    assert U.dtype == dtype


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("lengths", list(LENGTHS))
@pytest.mark.parametrize("connectivity", [0.2, 1.0], ids=["sparse", "dense"])
@pytest.mark.parametrize("with_g", [False, True])
def test_closed_loop_matches_reference(dtype, lengths, connectivity, with_g):
    W, W_in, b, offsets, X, x0 = _setup(LENGTHS[lengths], dtype, connectivity)
    rng = np.random.RandomState(3)
    n_units, n_out = W.shape[0], 2
    W_fb = rng.uniform(-0.5, 0.5, (n_out, n_units)).astype(dtype)
    R = rng.uniform(-0.3, 0.3, (n_units, n_out)).astype(dtype)
    G = rng.uniform(-0.3, 0.3, (n_out, n_out)).astype(dtype) if with_g else None
    V = rng.uniform(-0.2, 0.2, (X.shape[0], n_out)).astype(dtype)
    y0 = rng.uniform(-0.5, 0.5, (len(offsets) - 1, n_out)).astype(dtype)
    res = Reservoir(W_in, b, sp.csr_array(W, dtype=dtype), W_fb, 0.8)
    x_state, y_state = x0.copy(), y0.copy()
    states, Y = res.run_closed(res.project(X), V, offsets, _order(offsets), x_state, y_state,
                               W_fb=W_fb, R=R, G=G)
    exp_x, exp_y = reference(X.astype(np.float64), offsets, W_in, b, W.toarray(), 0.8, x0,
                             W_fb=W_fb, y0=y0, R=R, G=G, V=V)
    np.testing.assert_allclose(states, exp_x, rtol=RTOL[dtype], atol=ATOL[dtype])
    np.testing.assert_allclose(Y, exp_y, rtol=RTOL[dtype], atol=ATOL[dtype])
    np.testing.assert_allclose(y_state, exp_y[offsets[1:] - 1], rtol=RTOL[dtype],
                               atol=ATOL[dtype])


def test_teacher_forced_feedback_matches_reference():
    W, W_in, b, offsets, X, x0 = _setup([8], np.float64, 0.3)
    rng = np.random.RandomState(4)
    W_fb = rng.uniform(-0.5, 0.5, (1, W.shape[0]))
    forced = rng.uniform(-1, 1, (8, 1))
    res = Reservoir(W_in, b, sp.csr_array(W), W_fb, 0.5)
    U = res.project(X)
    res.run(U, offsets, _order(offsets), x0.copy(), feedback=forced)
    expected, _ = reference(X, offsets, W_in, b, W.toarray(), 0.5, x0, W_fb=W_fb,
                            forced=forced)
    np.testing.assert_allclose(U, expected, rtol=1e-12, atol=1e-13)


def test_read_only_inputs():
    W, W_in, b, offsets, X, x0 = _setup([5, 3], np.float64, 0.3)
    for arr in (W_in, b):
        arr.setflags(write=False)
    res = Reservoir(W_in, b, sp.csr_array(W), None, 1.0)
    for arr in res._csr:
        arr.setflags(write=False)
    offsets.setflags(write=False)
    U = res.project(X)
    res.run(U, offsets, _order(offsets), x0.copy())
    expected, _ = reference(X, offsets, W_in, b, W.toarray(), 1.0, x0)
    np.testing.assert_allclose(U, expected, rtol=1e-12, atol=1e-13)


def test_noise_stream_is_reproducible_and_continues():
    """Noise drawn over one run equals noise drawn over two runs that pass the seed on."""
    W, W_in, b, offsets, X, x0 = _setup([10], np.float64, 0.3)
    res = Reservoir(W_in, b, sp.csr_array(W), None, 0.7)
    whole = res.project(X)
    x_whole = x0.copy()
    seed_end = res.run(whole, offsets, _order(offsets), x_whole, noise=0.01, seed=123)
    x_parts = x0.copy()
    first, second = res.project(X[:4]), res.project(X[4:])
    seed = res.run(first, np.array([0, 4]), np.zeros(1, np.intp), x_parts, noise=0.01, seed=123)
    seed = res.run(second, np.array([0, 6]), np.zeros(1, np.intp), x_parts, noise=0.01,
                   seed=seed)
    np.testing.assert_array_equal(np.vstack([first, second]), whole)
    assert seed == seed_end
    # the noise is there, bounded by its amplitude per step
    clean = res.project(X)
    res.run(clean, offsets, _order(offsets), x0.copy())
    assert 0 < np.abs(whole - clean)[0].max() <= 0.01


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_sequences", [1, 5, 70])
@pytest.mark.parametrize("wide_indices", [False, True])
@pytest.mark.parametrize("equal_degrees", [True, False], ids=["ellpack", "csr"])
def test_simd_blocks_match_reference(dtype, n_sequences, wide_indices, equal_degrees):
    """Sizes that reach every SIMD block and tail of the sparse products.

    43 units with eleven weights each: five full ELLPACK slices of eight
    units and a masked sixth, an odd number of weight slots (the unpaired
    accumulator), and a full CSR gather block with its scalar tail. 70
    sequences cover the register-blocked batch loop (32 or 64 sequences per
    block) and its masked tail; one sequence runs a gather path: ELLPACK when
    every unit has as many inputs, the row-wise CSR gather when not.
    """
    lengths = list(np.random.RandomState(5).randint(1, 6, n_sequences))
    W, W_in, b, offsets, X, x0 = _setup(lengths, dtype, 0.25, n_units=43)
    if not equal_degrees:  # drop one input of every third unit
        W_T = sp.lil_array(W.T)
        for j in range(0, 43, 3):
            W_T[j, W_T.rows[j][0]] = 0
        W = sp.csr_array(W_T.T)
        W.eliminate_zeros()
    res = Reservoir(W_in, b, sp.csr_array(W, dtype=dtype), None, 0.9)
    assert res._dense.shape[0] == 0
    assert (res._ell[3] == 11) == equal_degrees
    if wide_indices:  # the int32 indices of reservoirs beyond 65536 units
        data, idx16, _, indptr = res._csr
        res._csr = (data, np.zeros(0, np.uint16), idx16.astype(np.intc), indptr)
        data, idx16, _, width = res._ell
        res._ell = (data, np.zeros(0, np.uint16), idx16.astype(np.intc), width)
    U = res.project(X)
    res.run(U, offsets, _order(offsets), x0.copy())
    expected, _ = reference(X.astype(np.float64), offsets, W_in, b, W.toarray(), 0.9, x0)
    np.testing.assert_allclose(U, expected, rtol=RTOL[dtype], atol=ATOL[dtype])


def test_sliced_ellpack_layout():
    """Weight c of unit 8 s + l at [(s * width + c) * 8 + l]; padding lanes hold zeros."""
    W_T = sp.csr_array(np.array([[0, 2, 0, 3], [4, 0, 5, 0], [0, 6, 7, 0]], dtype=float))
    data, idx16, idx32, width = sliced_ellpack(W_T, narrow=True, lanes=2)
    assert width == 2 and idx32.size == 0
    np.testing.assert_array_equal(data, [2, 4, 3, 5, 6, 0, 7, 0])
    np.testing.assert_array_equal(idx16, [1, 0, 3, 2, 1, 0, 2, 0])
    uneven = sp.csr_array(np.array([[1.0, 0], [1, 1]]))
    assert sliced_ellpack(uneven, narrow=True)[3] == 0


def test_kernel_rejects_a_short_ellpack_copy():
    W, W_in, b, offsets, X, x0 = _setup([3], np.float64, 0.25, n_units=20)
    res = Reservoir(W_in, b, sp.csr_array(W), None, 0.9)
    data, idx16, idx32, width = res._ell
    res._ell = (data[:-8], idx16[:-8], idx32, width)
    with pytest.raises(ValueError, match="ELLPACK"):
        res.run(res.project(X), offsets, _order(offsets), x0.copy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_in", [1, 3, 12])  # the fused loop, and the GEMM beyond 8 inputs
def test_input_projection(dtype, n_in):
    W, W_in, b, offsets, X, x0 = _setup([4, 6], dtype, 0.25, n_in=n_in)
    res = Reservoir(W_in, b, sp.csr_array(W, dtype=dtype), None, 0.9)
    expected = b.astype(np.float64) + X.astype(np.float64) @ W_in.astype(np.float64)
    U = res.project(X)
    assert U.dtype == dtype and U.flags.c_contiguous
    np.testing.assert_allclose(U, expected, rtol=RTOL[dtype], atol=ATOL[dtype])
    buffer = np.full((20, 12), np.nan, dtype=dtype)
    assert res.project(X, out=buffer[:10]) is not None
    np.testing.assert_allclose(buffer[:10], expected, rtol=RTOL[dtype], atol=ATOL[dtype])
