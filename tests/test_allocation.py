"""A failed scratch allocation in a kernel raises MemoryError and changes nothing.

Each case runs in a subprocess whose address space is capped with
``resource.setrlimit(RLIMIT_AS)`` just above what it already uses, so that a
kernel's scratch buffers (tens of MB: larger than the headroom) cannot be
mapped. The big input arrays are ``np.zeros``, which reserve address space
without touching memory, so the cases are cheap. A case checks that the
error names the kernel and the size asked for, that the address space
afterwards is what it was before (the buffers taken before the failing one
were freed), and that the output arrays were not written.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause
import os
import subprocess
import sys

import pytest

resource = pytest.importorskip("resource")

MB = 1 << 20
# units and sequences of the cases: a (S, N) float64 buffer is 64 MB
S, N = 4096, 2048


def _address_space():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _fails(call, headroom):
    """The MemoryError of ``call`` under a cap of ``headroom`` bytes, and the
    growth of the address space across the failed call."""
    import gc

    import numpy as np  # noqa: F401  (loaded before the cap)

    gc.collect()  # earlier cases' garbage would be freed during this one
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    before = _address_space()
    error = None
    resource.setrlimit(resource.RLIMIT_AS, (before + headroom, hard))
    try:
        call()
    except MemoryError as e:
        error = e
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    return error, _address_space() - before


def _cases():
    """(kernel name, call, bytes of the first large buffer, arrays it must not write[,
    options]): the options give the first cap's ``headroom`` (16 MB by default) and
    the caps to try ``then`` (by default one above the first large buffer, which
    must be given back when a later one fails)."""
    import numpy as np

    from skrnn._kernels._hopfield import hopfield_recall
    from skrnn._kernels._lstm import lstm_backward, lstm_forward, lstm_generate
    from skrnn._kernels._reservoir import reservoir_states
    from skrnn._kernels._srn import srn_bptt, srn_forward, srn_predict

    z = np.zeros
    offsets = np.arange(S + 1, dtype=np.intp)  # S sequences of one step
    order = np.arange(S, dtype=np.intp)
    big = S * N * 8
    cases = []

    # Elman network: scratch (S, N) per buffer
    h_state = z((S, N))
    h_state[::512, 0] = 3.0
    H = z((S, N))
    args = (z((S, N)), z(N), z((N, N)), z((0, N)), z((N, 1)), z(1), z(0), offsets, order,
            h_state, z((S, 0)), z((0, 1)), 1, 0, H, z((S, 0)), z((0, 1)))
    cases.append(("srn_forward", lambda: srn_forward(*args), big, [h_state, H]))
    Y = z((S, 1))
    Y[::7] = 5.0
    args_p = (z((S, 1)), z((1, N)), z(N), z((N, N)), z((0, N)), z((N, 1)), z(1), z(0),
              offsets, order, h_state, z((S, 0)), 1, 0, Y)
    cases.append(("srn_predict", lambda: srn_predict(*args_p), big, [h_state, Y]))
    dZ = z((S, N))
    dZ[::512, 1] = 2.0
    args_b = (H, z((S, 1)), z((S, 1)), z((N, N)), z((0, N)), z((N, 1)), z(0), offsets,
              order, 1, 0, False, 0, dZ, z((0, 1)))
    cases.append(("srn_bptt", lambda: srn_bptt(*args_b), big, [dZ]))

    # LSTM layer, S sequences of one step: h and c buffers of (2 S, N)
    starts = np.array([0, S], dtype=np.intp)
    h_last = z((S, N))
    h_last[::512, 0] = 4.0
    args_l = (z((S, 1)), z((0, N + 2)), z((N + 2, 4 * N)), z((0, N)), starts, z((S, N)),
              z((S, N)), z((0, N)), z((0, 4 * N)), z((0, N)), z((0, N)), h_last, z((S, N)),
              z((N, 1)), z(1), z((0, 1)))
    cases.append(("lstm_forward", lambda: lstm_forward(*args_l), 2 * big, [h_last]))
    dZ4 = z((S, 4 * N))
    dZ4[::512, 3] = 1.0
    args_lb = (z((S, 4 * N)), z((S, N)), z((S, N)), z((S, N)), z((4 * N, N)), z((0, N)),
               starts, z((S, N)), 0, dZ4)
    cases.append(("lstm_backward", lambda: lstm_backward(*args_lb), big + 8, [dZ4]))
    h_gen = z((S, N))
    h_gen[::512, 0] = 6.0
    out = z((S, 3, 1))
    args_g = ([z((N + 2, 4 * N))], [z((0, N))], z((N, 1)), z(1), [h_gen], [z((S, N))],
              z((S, 1)), 0, out)
    cases.append(("lstm_generate", lambda: lstm_generate(*args_g), 4 * big, [h_gen, out]))

    # dense reservoir: scratch (S, N) per buffer
    x_state = z((S, N))
    x_state[::512, 0] = 7.0
    U = z((S, N))
    U[::512, 2] = 1.0
    e4, e2 = np.zeros(0, np.float32), np.zeros(0, np.uint16)
    args_r = (U, e4, e2, np.zeros(0, np.int32), np.zeros(N + 1, np.int32), e4, e2,
              np.zeros(0, np.int32), 0, z((N, N)), z((0, N)), z((N, 0)), z((0, 0)),
              z((S, 0)), z((S, 0)), offsets, order, 0.5, 0.0, 1, x_state, z((S, 0)))
    cases.append(("reservoir_states", lambda: reservoir_states(*args_r), big, [U, x_state]))

    # Hopfield recall: per-thread flip lists of 2 n entries for 2048 threads
    n = 4096
    probes = z((1, n))
    probes[0, ::3] = 1.0
    args_h = (z((n, n)), probes, z((1, n)), True, 10, 0.0, 1, 2048,
              np.zeros(1, np.int32), np.zeros(1, np.int8))
    cases.append(("hopfield_recall", lambda: hopfield_recall(*args_h),
                  2048 * 2 * n * 8, [probes]))
    # the population kernels: the transposed weights of one candidate
    from skrnn._kernels._lstm import LANES, lstm_population_loss
    from skrnn._kernels._srn import srn_population_loss

    n, lanes = N, LANES
    losses = np.full(2, 9.0)
    starts = np.cumsum([0, n, n * n, n, n, 1]).astype(np.intp)
    starts1 = np.array([0, 1], dtype=np.intp)  # one block of one step
    batch = (starts1, z((1, 1, lanes)), z((1, n, lanes)), z((1, 1, lanes)),
             np.ones((1, lanes), np.uint8), np.ones(1, np.uint8), np.zeros((0, lanes)), lanes)
    args_s = (z((2, int(starts[-1]))), starts, False, 0.0, *batch, 1, 0, 0, 0, 2, losses)
    cases.append(("srn_population_loss", lambda: srn_population_loss(*args_s),
                  n * (n + 1) * 8, [losses]))
    from skrnn._kernels._srn import srn_population_loss_candidates

    n = N // 2  # weights of 16 candidates side by side: (n, 1 + n, 16)
    starts_c = np.cumsum([0, n, n * n, n, n, 1]).astype(np.intp)
    args_c = (z((2, int(starts_c[-1]))), starts_c, False, 0.0, z((1, 1)),
              np.array([0, 1], np.intp), z((1, n)), np.zeros(1, np.intp), z((1, 1)), np.empty(0),
              1, 0, 0, 0, 2, losses)
    cases.append(("srn_population_loss_candidates",
                  lambda: srn_population_loss_candidates(*args_c), n * (n + 1) * lanes * 8,
                  [losses]))
    from skrnn._kernels._lstm import lstm_population_loss_candidates

    n = N // 4  # gate weights of 16 candidates side by side: (4n, 1 + n, 16)
    args_lc = (z((2, (n + 2) * 4 * n + n + 1)), np.zeros(1, np.intp), np.full(1, -1, np.intp),
               np.array([n], np.intp), (n + 2) * 4 * n, z((1, 1)), np.array([0, 1], np.intp),
               np.zeros(1, np.intp), z((1, 1)), np.empty(0), 0, 0, 0, 2, losses)
    k = 1 + n
    size_lc = (4 * n * k * lanes + 4 * n * lanes + k * lanes + 2 * n * lanes) * 8
    cases.append(("lstm_population_loss_candidates",
                  lambda: lstm_population_loss_candidates(*args_lc), size_lc, [losses]))
    n = N // 2
    k = 1 + n
    args_lp = (z((2, k * 4 * n + 4 * n + n + 1)), np.zeros(1, np.intp),
               np.full(1, -1, np.intp), np.array([n], np.intp), (k + 1) * 4 * n,
               starts1, z((1, 1, lanes)), z((1, 1, lanes)), np.ones((1, lanes), np.uint8),
               np.ones(1, np.uint8), np.zeros((0, lanes)), lanes, 0, 0, 0, 2, losses)
    cases.append(("lstm_population_loss", lambda: lstm_population_loss(*args_lp),
                  (4 * n * k + k * lanes + 2 * n * lanes) * 8, [losses]))
    return cases + _cases_since()


def _cases_since():
    """The kernels of real-time recurrent learning, the continuous-time and
    second-order networks and the lag networks.

    The scratch of the continuous-time network's backward pass and of the
    second-order network is a few rows of the state; with thousands of units
    (weights reserved, never touched) that is hundreds of kB, so those cases
    cap the address space below that instead of 16 MB above it.
    """
    import numpy as np

    from skrnn._kernels._ctrnn import ctrnn_bptt, ctrnn_forward, ctrnn_generate
    from skrnn._kernels._lagnet import lagnet_forward, lagnet_generate, lagnet_train
    from skrnn._kernels._rtrl import rtrl_run
    from skrnn._kernels._second_order import second_order_bptt, second_order_forward
    from skrnn._kernels._stacked import stacked_generate

    z = np.zeros
    one = np.array([0, 1], dtype=np.intp)  # one sequence of one step
    first = np.zeros(1, dtype=np.intp)
    cases = []

    # Jordan network trained by RTRL: sensitivities of h, of the output
    # pre-activations and of the outputs, (n_theta, n) each
    n = 256
    n_theta = (1 + n + 1) * n + n * n + n
    state = z(n)
    state[::16] = 2.0  # the kernel would reset it to ``initial``
    theta = z(n_theta)
    theta[::4096] = 0.5
    m1, m2, acc = z(n_theta), z(n_theta), z(n_theta)
    counters = np.zeros(3, dtype=np.int64)
    args_rt = (z((1, 1)), one, first, z(n), state, z((n_theta, n)), z((0, n)),
               np.full(1, -1, np.intp), np.empty(0), z((0, n)), theta, z(n_theta), 1, n, n, True,
               0.5, 1, 0, 0, 0.1, 0.0, False, 0.9, 0.999, 1e-8, 0.0, 0.0, 1, True, m1, m2,
               counters, acc, z((1, n)))
    cases.append(("rtrl_run", lambda: rtrl_run(*args_rt), n_theta * n * 8,
                  [state, theta, counters]))

    # continuous-time network, forward: the outputs of a chunk of 4096
    # sequences (one unit) side by side
    n_seq, n_out = 4096, 1024
    offsets = np.arange(n_seq + 1, dtype=np.intp)
    y_state = z((n_seq, 1))
    y_state[::512] = 3.0
    Y = z((n_seq, n_out))
    Y[::512, 1] = 4.0
    args_cf = (z((n_seq, 1)), np.full((1, 1), 0.5), z((1, 1)), z(1), offsets,
               np.arange(n_seq, dtype=np.intp), y_state, 1, z((1, n_out)), z(n_out), 0,
               z((0, 1)), z((0, 1)), Y)
    cases.append(("ctrnn_forward", lambda: ctrnn_forward(*args_cf), (n_seq * n_out + 1) * 8,
                  [y_state, Y], {"then": []}))
    # backward: a chunk of 4 sequences of 16384 units (W reserved, not touched)
    n = 16384
    offsets4 = np.arange(5, dtype=np.intp)
    G, Qz = z((4, n)), z((4, n))
    G[:, ::512] = 5.0
    Qz[:, ::512] = 6.0
    args_cb = (z((4, n)), np.full((1, n), 0.5), z((4, n)), z((n, n)), offsets4,
               np.arange(4, dtype=np.intp), 1, 0, G, Qz)
    cases.append(("ctrnn_bptt", lambda: ctrnn_bptt(*args_cb), 4 * n * 8, [G, Qz],
                  {"headroom": 2 * n * 8, "then": [6 * n * 8]}))

    # second-order network: the state and a 1, of 32768 units (256 kB: more
    # than glibc keeps free at the top of its heap)
    n = 32768
    W2 = z((n + 1, n))
    s_state = z((1, n))
    s_state[0, ::512] = 7.0
    S2 = z((1, n))
    S2[0, ::512] = 8.0
    args_sf = (z((1, 0)), W2, one, first, s_state, 1, S2)
    cases.append(("second_order_forward", lambda: second_order_forward(*args_sf),
                  (n + 1) * 8, [s_state, S2], {"headroom": n * 8 // 4, "then": []}))
    dZ2 = z((1, n))
    dZ2[0, ::512] = 9.0
    args_sb = (z((1, 0)), S2, z((1, n)), W2, one, first, 1, 0, dZ2)
    cases.append(("second_order_bptt", lambda: second_order_bptt(*args_sb), (n + 1) * 8,
                  [dZ2], {"headroom": n * 8 // 4, "then": []}))

    # lag network with one hidden layer of 4M units: activations, deltas
    # and momentum terms of every unit, and the gradient of every weight
    m = 1 << 22
    sizes = np.array([1, m], dtype=np.intp)
    theta_l = z(2 * m)
    theta_l[::4096] = 0.25
    out = z((1, m))
    out[0, ::4096] = 1.5
    args_lf = (z((1, 1)), first, first, 1, theta_l, sizes, 1, 0, out)
    cases.append(("lagnet_forward", lambda: lagnet_forward(*args_lf), m * 8, [out],
                  {"then": []}))
    sizes_g = np.array([1, m, 1], dtype=np.intp)
    theta_g = z(3 * m + 1)
    buffer = z((2, 1))
    buffer[1, 0] = 2.5  # the row the generated output would go to
    args_lg = (buffer, 1, theta_g, sizes_g, 1, 0)
    cases.append(("lagnet_generate", lambda: lagnet_generate(*args_lg), (m + 1) * 8,
                  [buffer], {"then": []}))
    velocity = z(2 * m)
    velocity[::4096] = -0.5
    args_lt = (z((1, 1)), z((1, m)), first, first, 1, theta_l, velocity, sizes,
               np.full(1, 0.1), 0.9, False, 0.0, 0.0, 1, 0, 1)
    cases.append(("lagnet_train", lambda: lagnet_train(*args_lt), m * 8,
                  [theta_l, velocity]))

    # continuous-time generation: a chunk of 4 sequences of 16384 units, as
    # for the backward pass (the state, rates, drive and sums, (4, n) each)
    n = 16384
    y_gen = z((4, n))
    y_gen[:, ::512] = 2.0
    out_c = z((4, 2, 1))
    out_c[:, 1] = 3.0
    args_cg = (z((1, n)), np.full(n, 0.5), z((n, n)), z(n), z((n, 1)), z(1), 0, 0, 1,
               y_gen, z((4, 1)), out_c)
    cases.append(("ctrnn_generate", lambda: ctrnn_generate(*args_cg), 4 * n * 8,
                  [y_gen, out_c], {"headroom": 2 * n * 8, "then": [6 * n * 8]}))
    # stacked generation: the pre-activations of 4096 sequences in a lower
    # layer of 2048 units (64 MB), taken after the small fed-back input
    n_seq, n = 4096, 2048
    sizes_s = np.array([n, 1], dtype=np.intp)
    shapes = [(1, n), (n, n), (n,), (n, 1), (1, 1), (1,), (1, 1), (1,)]
    starts_s = np.cumsum([0] + [int(np.prod(s)) for s in shapes[:-1]]).astype(np.intp)
    s_gen = z((n_seq, n + 1))
    s_gen[::512, 0] = 4.0
    out_s = z((n_seq, 2, 1))
    out_s[::512, 1] = 5.0
    args_sg = (z(int(starts_s[-1]) + 1), sizes_s, starts_s, False, False, 0.0, 0, 0, s_gen,
               z((n_seq, 1)), out_s)
    cases.append(("stacked_generate", lambda: stacked_generate(*args_sg),
                  (n_seq * n + 1) * 8, [s_gen, out_s], {"then": []}))
    return cases


def _estimator_keeps_its_model():
    """An estimator whose prediction fails for memory is left as it was."""
    import numpy as np

    from skrnn import ElmanRegressor

    rng = np.random.RandomState(0)
    est = ElmanRegressor(n_hidden=1024, max_iter=1, random_state=0)
    est.fit(rng.randn(4, 3, 1), rng.randn(4, 3))
    weights = est.get_flat_weights().copy()
    X_small = rng.randn(3, 5, 1)
    before = est.predict(X_small)
    # 8192 sequences of one step: the kernel's two state buffers are 64 MB
    # each, beyond the cap, after the 64 MB initial states (and a copy)
    X_big = np.zeros((8192, 1, 1))
    error, growth = _fails(lambda: est.predict(X_big), 2 * 64 * MB + 32 * MB)
    assert error is not None and "srn_predict" in str(error), error
    np.testing.assert_array_equal(est.get_flat_weights(), weights)
    np.testing.assert_array_equal(est.predict(X_small), before)
    print("estimator ok", flush=True)


def _fingerprint(a):
    """Sum, nonzero count and a sample of rows: copying the arrays would
    touch hundreds of MB."""
    flat = a.reshape(len(a), -1)
    return float(a.sum()), int((a != 0).sum()), flat[::512].tobytes()


def _run(names):
    """Run the named cases (in this process: the subprocess's main)."""
    # glibc serves blocks of up to 32 MB from its heap once large blocks have
    # been freed, and keeps that heap: a fixed threshold maps every large
    # block afresh, so that each one asks for address space under the cap
    import ctypes

    M_MMAP_THRESHOLD = -3
    ctypes.CDLL("libc.so.6").mallopt(M_MMAP_THRESHOLD, 128 * 1024)
    if "estimator" in names:
        _estimator_keeps_its_model()
    for name, call, size, outputs, *opts in _cases():
        if name not in names:
            continue
        opts = opts[0] if opts else {}
        before = [_fingerprint(o) for o in outputs]
        # the failing buffer is the first one asked for, then a later one
        # (after the first was taken and must be given back) where the
        # kernel has two large ones
        first = opts.get("headroom", 16 * MB)
        then = opts.get("then", [] if "population" in name else [size + 16 * MB])
        for headroom in [first, *then]:
            error, growth = _fails(call, headroom)
            assert error is not None, f"{name}: no MemoryError under a cap"
            message = str(error)
            assert name in message and "bytes" in message, message
            if headroom == first:
                assert f"{size} bytes" in message, message
            assert growth < 8 * MB, f"{name}: address space grew by {growth} bytes"
            for o, b in zip(outputs, before):
                assert _fingerprint(o) == b, f"{name} wrote its outputs"
        print(name, "ok", flush=True)


KERNELS = ["srn_forward", "srn_predict", "srn_bptt", "srn_population_loss",
           "srn_population_loss_candidates", "lstm_forward",
           "lstm_backward", "lstm_generate", "lstm_population_loss",
           "lstm_population_loss_candidates", "reservoir_states",
           "hopfield_recall", "rtrl_run", "ctrnn_forward", "ctrnn_bptt",
           "second_order_forward", "second_order_bptt", "lagnet_forward",
           "lagnet_generate", "lagnet_train", "ctrnn_generate", "stacked_generate"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
@pytest.mark.parametrize("isa_level", ["0", "1", "2"])
def test_failed_allocation_raises_memory_error(isa_level):
    import skrnn

    root = os.path.dirname(os.path.dirname(os.path.abspath(skrnn.__file__)))
    env = dict(os.environ, SKRNN_ISA_LEVEL=isa_level, OMP_NUM_THREADS="1",
               OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, os.path.abspath(__file__), "estimator", *KERNELS],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.split().count("ok") == len(KERNELS) + 1, done.stdout


if __name__ == "__main__":
    _run(sys.argv[1:])
