"""Second-order (Pollack) networks: gradients, compiled passes against NumPy, learning."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest

from skrnn import GeneticOptimizer, SecondOrderClassifier, SecondOrderRegressor
from skrnn._losses import LOSSES

from ._reference import HIDDEN, OUTPUT
from .test_gradients import finite_difference

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.RandomState(7)
LENGTHS = [5, 2, 4]
X_LIST = [RNG.uniform(-1, 1, (n, 3)) for n in LENGTHS]
Y_STEPS = [RNG.uniform(-1, 1, (n, 2)) for n in LENGTHS]
Y_SEQ = RNG.uniform(-1, 1, len(LENGTHS))
X_ONEHOT = np.eye(2)[RNG.randint(0, 2, (6, 5))]  # one-hot symbols: zero inputs skipped
X_ROWS = RNG.uniform(-1, 1, (6, 4))
LABELS2 = np.array(["a", "b", "a", "b", "b", "a"])
LABELS3 = np.array([0, 1, 2, 2, 1, 0])


def second_order_reference(net, params, X, offsets, state0, frozen=None):
    """The network one step at a time, in float64, with explicit double sums.

    ``frozen`` (the state entering every step, at the weights of the
    gradient) makes the states entering truncation windows constants, so
    that finite differences give the truncated gradient.
    """
    p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    n_in, n_s = net.n_inputs, net.n_hidden
    V = p["second_order_weights_"].reshape(n_in + 1, n_s + 1, n_s)
    f, g = HIDDEN[net.activation], OUTPUT[net.output_activation]
    Y = np.empty((X.shape[0], net.n_outputs))
    entering = np.empty((X.shape[0], n_s))
    for s in range(len(offsets) - 1):
        state = np.asarray(state0[s], dtype=np.float64)
        for t in range(offsets[s + 1] - offsets[s]):
            row = offsets[s] + t
            k = net.bptt_steps
            if frozen is not None and k and t > 0 and t % k == 0:
                state = frozen[row]
            entering[row] = state
            x1, s1 = np.append(X[row], 1.0), np.append(state, 1.0)
            z = np.zeros(n_s)
            for i in range(n_in + 1):
                for q in range(n_s + 1):
                    z += x1[i] * s1[q] * V[i, q]
            state = f(z)
            Y[row] = g(state @ p["output_weights_"] + p["output_bias_"])
    return Y, entering


def initialized(est, X, y):
    est.set_params(random_state=1)
    seqs = est._prepare(X, y, reset=True)
    est._initialize(seqs)
    est._theta += 0.3 * np.random.RandomState(1).standard_normal(est._theta.shape)
    return seqs


CASES = {
    "reg-steps": (SecondOrderRegressor, X_LIST, Y_STEPS),
    "reg-sequence": (SecondOrderRegressor, X_LIST, Y_SEQ),
    "reg-series": (SecondOrderRegressor, X_LIST[0], Y_STEPS[0]),
    "reg-onehot": (SecondOrderRegressor, X_ONEHOT, RNG.uniform(-1, 1, 6)),
    "clf-binary": (SecondOrderClassifier, X_ROWS, LABELS2),
    "clf-multi": (SecondOrderClassifier, X_ROWS, LABELS3),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("activation", ["tanh", "logistic"])
@pytest.mark.parametrize("bptt_steps", [None, 2])
def test_gradient_matches_finite_differences(case, activation, bptt_steps):
    cls, X, y = CASES[case]
    est = cls(n_hidden=3, activation=activation, bptt_steps=bptt_steps, alpha=0.1,
              initial_context=0.2)
    seqs = initialized(est, X, y)
    theta0 = est._theta.copy()
    state0 = est._initial_state(seqs)
    loss, grad, _ = est._objective(theta0, seqs, state0)
    net = est._network
    _, frozen = second_order_reference(net, est._views(theta0), seqs.X, seqs.offsets, state0)

    def reference_loss(theta):
        Y, _ = second_order_reference(net, est._views(theta), seqs.X, seqs.offsets, state0,
                                      frozen=frozen)
        value, _ = LOSSES[est._loss](Y[seqs.target_rows], seqs.Y)
        views = est._views(theta)
        return value + 0.5 * est.alpha / seqs.n_targets * sum(
            (W ** 2).sum() for W in net.penalised(views))

    assert loss == pytest.approx(reference_loss(theta0), rel=1e-12)
    np.testing.assert_allclose(grad, finite_difference(reference_loss, theta0),
                               rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_compiled_forward_matches_numpy(dtype):
    est = SecondOrderRegressor(n_hidden=5)
    X = [x.astype(dtype) for x in X_LIST]
    seqs = initialized(est, X, [y.astype(dtype) for y in Y_STEPS])
    state0 = est._initial_state(seqs)
    Y, _, final = est._network.forward(est._views(est._theta), seqs, state0)
    expected, _ = second_order_reference(est._network, est._views(est._theta), seqs.X,
                                         seqs.offsets, state0)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    assert Y.dtype == dtype
    np.testing.assert_allclose(Y, expected, **tol)
    # the state after each sequence's last step, as predict(return_state=True) gives
    _, state = est.predict(X, return_state=True)
    np.testing.assert_allclose(state, final, **tol)


def test_threads_give_the_same_results(monkeypatch):
    """Blocks of sequences in parallel threads: the same loss and gradient."""
    import skrnn.utils._threads as threads

    X = [RNG.uniform(-1, 1, (n, 3)) for n in (7, 3, 5, 6, 2, 4)]
    y = RNG.uniform(-1, 1, 6)
    results = []
    for n_jobs in (1, 2):
        monkeypatch.setattr(threads, "MIN_WORK_PER_BLOCK", 1)  # split even this batch
        est = SecondOrderRegressor(n_hidden=4, n_jobs=n_jobs)
        seqs = initialized(est, X, y)
        with threads.limit_threads(n_jobs, parallel_kernels=True):
            assert threads.kernel_threads(10 ** 6) == n_jobs
            results.append(est._objective(est._theta, seqs, est._initial_state(seqs)))
    assert results[0][0] == results[1][0]
    np.testing.assert_array_equal(results[0][1], results[1][1])
    np.testing.assert_array_equal(results[0][2], results[1][2])


def test_truncation_changes_the_gradient():
    grads = []
    for k in (None, 1):
        est = SecondOrderRegressor(n_hidden=3, bptt_steps=k)
        seqs = initialized(est, X_LIST, Y_STEPS)
        grads.append(est._objective(est._theta, seqs, est._initial_state(seqs))[1])
    assert not np.allclose(grads[0], grads[1])


def _tomita4(n, length, rng):
    """Strings with no three consecutive zeros (Tomita's fourth language)."""
    X = rng.randint(0, 2, (n, length))
    y = np.array([("000" not in "".join(map(str, row))) for row in X]).astype(int)
    return X.astype(float)[:, :, None], y


def test_learns_a_regular_language_and_generalises_to_longer_strings():
    rng = np.random.RandomState(0)
    X, y = _tomita4(400, 8, rng)
    model = SecondOrderClassifier(n_hidden=4, max_iter=150, random_state=0).fit(X, y)
    X_long, y_long = _tomita4(200, 16, rng)
    assert model.score(X_long, y_long) > 0.9


def test_weight_search_reaches_the_network_through_flat_weights():
    X, y = _tomita4(60, 6, np.random.RandomState(1))
    est = SecondOrderClassifier(n_hidden=3, random_state=0)
    search = GeneticOptimizer(est, population_size=12, max_iter=5, random_state=0).fit(X, y)
    net = search.best_estimator_
    assert net.get_flat_weights().shape == net._theta.shape
    losses = net.population_loss(np.stack([net.get_flat_weights()] * 2), X, y)
    assert losses[0] == pytest.approx(net.evaluate_loss(X, y))


def test_errors():
    est = SecondOrderRegressor(n_hidden=3, max_iter=2).fit(X_LIST, Y_STEPS)
    with pytest.raises(ValueError, match="features per time step"):
        est.predict(np.zeros((2, 4, 5)))
    with pytest.raises(ValueError):
        SecondOrderRegressor(n_hidden=0).fit(X_LIST, Y_STEPS)
    with pytest.raises(ValueError):
        est.fit([np.full((3, 3), np.nan)], [np.zeros(3)])
    assert np.all(np.isfinite(est.get_flat_weights()))


def test_init_takes_every_shared_training_parameter():
    """The second-order __init__ sets its attributes itself (it has no
    weight_init): it must keep up with BaseRecurrent's parameters, and store
    each one as given."""
    import inspect

    from sklearn.base import clone

    from skrnn._base import BaseRecurrent

    shared = set(inspect.signature(BaseRecurrent.__init__).parameters) - {"self", "weight_init"}
    for cls in (SecondOrderClassifier, SecondOrderRegressor):
        params = cls().get_params()
        assert shared <= set(params) and "weight_init" not in params
        assert set(cls._parameter_constraints) == set(params)
        given = {"n_hidden": 3, "bptt_steps": 4, "alpha": 0.5, "max_iter": 7, "tol": 0.01,
                 "n_jobs": 2, "update_every": "step", "max_grad_norm": None}
        assert clone(cls(**given)).get_params() == {**params, **given}


def test_a_refused_fit_leaves_the_fitted_model_as_it_was():
    """update_every='step' refuses a 2D series after validation has read it: the
    fitted model must not keep the refused data's n_features_in_."""
    rng = np.random.RandomState(0)
    X, y = rng.uniform(size=(5, 4, 2)), rng.uniform(size=5)
    est = SecondOrderRegressor(n_hidden=3, max_iter=2, random_state=0).fit(X, y)
    pred = est.predict(X)
    est.set_params(update_every="step")
    with pytest.raises(ValueError, match="update_every='step'"):
        est.fit(rng.uniform(size=(20, 3)), rng.uniform(size=20))
    assert est.n_features_in_ == 2
    np.testing.assert_array_equal(est.predict(X), pred)
