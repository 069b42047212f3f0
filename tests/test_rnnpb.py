"""RNNPBRegressor: gradients, compiled passes against NumPy, recognition, generation."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest
from scipy.special import expit
from sklearn.exceptions import NotFittedError
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline

from skrnn import RNNPBRegressor
from skrnn.rnnpb._network import CODES

from ._reference import HIDDEN
from .test_gradients import finite_difference

# the fits below run a fixed number of epochs on purpose
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.RandomState(3)
X_LIST = [RNG.uniform(-1, 1, (n, 2)) for n in (5, 3, 4)]
X_BATCH = RNG.uniform(-1, 1, (3, 4, 2))
X_SERIES = RNG.uniform(-1, 1, (6, 2))

T = np.arange(60)
PATTERNS = [np.sin(2 * np.pi * T / 12)[:, None],
            np.sign(np.sin(2 * np.pi * T / 12) + 0.1)[:, None] * 0.8,
            (2 * np.abs((T / 8) % 1 - 0.5) * 2 - 1)[:, None] * 0.9]


def rnnpb_reference(est, theta, X, offsets, codes_of_sequence):
    """The RNNPB's outputs, one step at a time, in float64, from ``theta``."""
    net = est._network
    p = {k: np.asarray(v, dtype=np.float64) for k, v in est._views(theta).items()}
    P = expit(p[CODES])
    f = HIDDEN[net.core.activation]
    Y = np.empty((X.shape[0], net.n_outputs))
    for s in range(len(offsets) - 1):
        state = np.full(net.state_size, net.core.initial_context)
        pb = P[codes_of_sequence[s]] @ p["pb_weights_"]
        for row in range(offsets[s], offsets[s + 1]):
            k = net.core.bptt_steps
            t = row - offsets[s]
            if net.core.is_jordan:
                h = f(X[row] @ p["input_weights_"] + pb + state @ p["context_weights_"]
                      + p["hidden_bias_"])
            else:
                h = f(X[row] @ p["input_weights_"] + pb + state @ p["recurrent_weights_"]
                      + p["hidden_bias_"])
            y = h @ p["output_weights_"] + p["output_bias_"]
            Y[row] = y
            state = net.core.context_decay * state + y if net.core.is_jordan else h
            del k, t
    return Y


def initialized(est, X):
    est.set_params(random_state=1)
    seqs = est._prepare(X, None, reset=True)
    est._initialize(seqs)
    est._theta += 0.3 * np.random.RandomState(1).standard_normal(est._theta.shape)
    return seqs


@pytest.mark.parametrize("X", [X_LIST, X_BATCH, X_SERIES], ids=["list", "batch", "series"])
@pytest.mark.parametrize("recurrence", ["elman", "jordan"])
@pytest.mark.parametrize("activation", ["tanh", "logistic"])
def test_gradient_matches_finite_differences(X, recurrence, activation):
    """Weights and codes alike: the compiled BPTT against the reference's slope."""
    est = RNNPBRegressor(n_hidden=3, n_pb=2, recurrence=recurrence, activation=activation,
                         context_decay=0.5, alpha=0.1)
    seqs = initialized(est, X)
    theta0 = est._theta.copy()
    state0 = est._initial_state(seqs)
    loss, grad, _ = est._objective(theta0, seqs, state0)
    codes = np.arange(seqs.n_sequences)
    inputs = seqs.X[:, :-1]

    def reference_loss(theta):
        Y = rnnpb_reference(est, theta, inputs, seqs.offsets, codes)
        views = est._views(theta)
        penalty = sum((W ** 2).sum() for W in est._network.penalised(views))
        return (0.5 * ((Y - seqs.Y) ** 2).sum() / seqs.n_targets
                + 0.5 * est.alpha / seqs.n_targets * penalty)

    assert loss == pytest.approx(reference_loss(theta0), rel=1e-12)
    expected = finite_difference(reference_loss, theta0)
    np.testing.assert_allclose(grad, expected, rtol=1e-6, atol=1e-8)
    # the codes' own block is not zero: the test reaches it
    assert np.abs(est._views(grad)[CODES]).max() > 1e-4


def test_truncated_gradient_is_derivative_of_truncated_objective():
    """bptt_steps reaches the codes too: their gradient changes with truncation."""
    grads = []
    for k in (None, 1):
        est = RNNPBRegressor(n_hidden=3, bptt_steps=k)
        seqs = initialized(est, X_LIST)
        grads.append(est._views(est._objective(est._theta, seqs,
                                               est._initial_state(seqs))[1])[CODES].copy())
    assert not np.allclose(grads[0], grads[1])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("recurrence", ["elman", "jordan"])
def test_compiled_forward_matches_numpy(dtype, recurrence):
    X = [x.astype(dtype) for x in X_LIST]
    est = RNNPBRegressor(n_hidden=4, n_pb=3, recurrence=recurrence)
    seqs = initialized(est, X)
    for need_cache in (True, False):  # the training and the prediction kernels
        Y, _, _ = est._network.forward(est._views(est._theta), seqs, est._initial_state(seqs),
                                       need_cache=need_cache)
        assert Y.dtype == dtype
        expected = rnnpb_reference(est, est._theta, seqs.X[:, :-1], seqs.offsets,
                                   np.arange(3))
        np.testing.assert_allclose(Y, expected, rtol=1e-4 if dtype == np.float32 else 1e-12,
                                   atol=1e-5 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("recurrence", ["elman", "jordan"])
def test_generate_matches_numpy_closed_loop(recurrence):
    est = RNNPBRegressor(n_hidden=4, n_pb=2, recurrence=recurrence)
    initialized(est, X_LIST)
    codes = np.array([[0.2, 0.9], [0.6, 0.4]])
    start = np.array([[0.1, -0.3], [0.5, 0.2]])
    out = est.generate(codes, 6, start=start)
    p = est._views(est._theta)
    f = np.tanh
    for c in range(2):
        x, state = start[c], np.zeros(est._network.state_size)
        for t in range(6):
            ctx = p["context_weights_"] if recurrence == "jordan" else p["recurrent_weights_"]
            h = f(x @ p["input_weights_"] + codes[c] @ p["pb_weights_"] + state @ ctx
                  + p["hidden_bias_"])
            y = h @ p["output_weights_"] + p["output_bias_"]
            np.testing.assert_allclose(out[c, t], y, rtol=1e-10, atol=1e-12)
            state = 0.3 * state + y if recurrence == "jordan" else h
            x = y


@pytest.fixture(scope="module")
def patterns_model():
    return RNNPBRegressor(n_hidden=16, n_pb=2, max_iter=500, tol=0,
                          random_state=0).fit(PATTERNS)


def test_learned_codes_tell_the_patterns_apart(patterns_model):
    codes = patterns_model.codes_
    assert codes.shape == (3, 2)
    assert np.all((codes > 0) & (codes < 1))
    gaps = np.linalg.norm(codes[:, None] - codes[None], axis=2)
    assert gaps[np.triu_indices(3, 1)].min() > 0.05


def test_recognition_finds_the_code_of_noisy_copies(patterns_model):
    rng = np.random.RandomState(0)
    noisy = [p + 0.05 * rng.standard_normal(p.shape) for p in PATTERNS for _ in range(3)]
    found = patterns_model.transform(noisy)
    nearest = np.linalg.norm(found[:, None] - patterns_model.codes_[None], axis=2).argmin(1)
    np.testing.assert_array_equal(nearest, np.repeat(np.arange(3), 3))


def test_recognition_ends_at_a_minimum_of_the_prediction_error(patterns_model):
    """At the recognised code, the error's slope (finite differences) is flat."""
    rng = np.random.RandomState(5)
    seq = PATTERNS[1] + 0.05 * rng.standard_normal(PATTERNS[1].shape)
    model = patterns_model
    code = model.set_params(recognition_max_iter=400).transform([seq])[0]
    model.set_params(recognition_max_iter=100)

    def error(logits):
        p = expit(logits)
        pred = model.predict([seq], codes=p[None])[0]
        return np.mean((pred[:-1] - seq[1:]) ** 2)

    rho = np.log(code) - np.log1p(-code)
    slope = finite_difference(error, rho, eps=1e-5)
    slope_at_start = finite_difference(error, np.zeros(2), eps=1e-5)
    assert np.linalg.norm(slope) < 0.01 * np.linalg.norm(slope_at_start)
    assert error(rho) < error(np.zeros(2))


def test_generation_from_a_learned_code_replays_its_pattern(patterns_model):
    out = patterns_model.generate(patterns_model.codes_,
                                  20, start=np.array([p[0] for p in PATTERNS]))
    for c, pattern in enumerate(PATTERNS):
        err = np.mean((out[c] - pattern[1:21]) ** 2)
        assert err < 0.05 * pattern.var()


def test_pipeline_classifies_sequences_by_their_codes(patterns_model):
    rng = np.random.RandomState(1)
    X = [p + 0.05 * rng.standard_normal(p.shape) for p in PATTERNS for _ in range(4)]
    y = np.repeat([0, 1, 2], 4)
    pipe = make_pipeline(RNNPBRegressor(n_hidden=16, max_iter=500, tol=0, random_state=0),
                         KNeighborsClassifier(1))
    assert pipe.fit(X[::2], y[::2]).score(X[1::2], y[1::2]) == 1.0


def test_partial_fit_adds_sequences():
    est = RNNPBRegressor(n_hidden=6, max_iter=5, random_state=0).fit(X_LIST)
    n_weights = est.get_flat_weights().shape[0]
    before = est.codes_.copy()
    est.partial_fit(X_BATCH)
    assert est.codes_.shape == (6, 2)
    assert est.get_flat_weights().shape[0] == n_weights + 3 * 2
    # the old codes' sequences are not in the new data: their codes stay put
    np.testing.assert_array_equal(est.codes_[:3], before)
    # the model still works on the sequences it holds
    assert np.isfinite(est.evaluate_loss(X_LIST + list(X_BATCH), None))


def test_partial_fit_from_scratch_then_grows():
    est = RNNPBRegressor(n_hidden=4, random_state=0)
    est.partial_fit(X_LIST)
    est.partial_fit(X_SERIES)
    assert est.codes_.shape == (4, 2)


def test_predict_is_next_step_prediction(patterns_model):
    pred = patterns_model.predict(PATTERNS)
    assert len(pred) == 3 and pred[0].shape == PATTERNS[0].shape
    for p, pattern in zip(pred, PATTERNS):
        assert np.mean((p[:-1] - pattern[1:]) ** 2) < 0.1 * pattern.var()


def test_score_is_r2_of_next_step_predictions(patterns_model):
    assert patterns_model.score(PATTERNS) > 0.9
    shuffled = [np.random.RandomState(0).permutation(p) for p in PATTERNS]
    assert patterns_model.score(shuffled) < 0.5


def test_series_transform_gives_a_code_per_step(patterns_model):
    """Step t of a series gets the code of the window of 20 steps ending there."""
    series = np.concatenate(PATTERNS[:2])
    codes = patterns_model.transform(series)
    assert codes.shape == (series.shape[0], 2)
    for t in (1, 7, 19, 50, 119):
        window = series[max(t - 19, 0):t + 1]
        np.testing.assert_allclose(codes[t], patterns_model.transform([window])[0],
                                   rtol=1e-10)
    np.testing.assert_array_equal(codes[0], codes[1])


def test_float32_is_preserved():
    est = RNNPBRegressor(n_hidden=4, max_iter=3, random_state=0)
    X = X_BATCH.astype(np.float32)
    codes = est.fit(X).transform(X)
    assert est._theta.dtype == np.float32 and codes.dtype == np.float32
    assert est.generate(codes, 3).dtype == np.float32


def test_population_loss_matches_evaluate_loss():
    est = RNNPBRegressor(n_hidden=4, max_iter=3, random_state=0).fit(X_LIST)
    thetas = est.get_flat_weights() + 0.1 * np.random.RandomState(0).standard_normal(
        (3, est.get_flat_weights().shape[0]))
    losses = est.population_loss(thetas, X_LIST, None)
    for theta, loss in zip(thetas, losses):
        assert loss == pytest.approx(est.evaluate_loss(X_LIST, None, weights=theta))


def test_input_noise_makes_the_codes_matter():
    """Noisy inputs in training: the codes, not the inputs, must tell the patterns."""
    rng = np.random.RandomState(2)
    noisy = [p + 0.1 * rng.standard_normal(p.shape) for p in PATTERNS for _ in range(3)]
    spreads = []
    for noise in (0.0, 0.3):
        model = RNNPBRegressor(n_hidden=16, max_iter=300, tol=0, input_noise=noise,
                               random_state=0).fit(PATTERNS)
        nearest = np.linalg.norm(model.transform(noisy)[:, None] - model.codes_[None],
                                 axis=2).argmin(1)
        np.testing.assert_array_equal(nearest, np.repeat(np.arange(3), 3))
        codes = model.codes_
        spreads.append(np.linalg.norm(codes[:, None] - codes[None], axis=2).max())
        # evaluation stays deterministic: noise is for training gradients only
        assert model.evaluate_loss(PATTERNS, None) == model.evaluate_loss(PATTERNS, None)
    assert spreads[1] > spreads[0]
    with pytest.raises(ValueError, match="input_noise"):
        RNNPBRegressor(input_noise=0.1, solver="lbfgs").fit(PATTERNS)


def test_warm_start_and_pickle_keep_the_codes():
    import pickle

    est = RNNPBRegressor(n_hidden=4, max_iter=3, warm_start=True, random_state=0).fit(X_LIST)
    codes = est.codes_.copy()
    est.fit(X_LIST)  # three more epochs on the same sequences and codes
    assert est.n_iter_ == 6 and not np.allclose(est.codes_, codes)
    with pytest.raises(ValueError, match="holds 3 codes"):
        est.fit(X_LIST[:2])
    assert est.codes_.shape == (3, 2)
    loaded = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(loaded.codes_, est.codes_)
    np.testing.assert_array_equal(loaded.generate(est.codes_, 4), est.generate(est.codes_, 4))


def test_errors():
    with pytest.raises(NotFittedError):  # a ValueError
        RNNPBRegressor().transform(X_BATCH)
    assert issubclass(NotFittedError, ValueError)
    with pytest.raises(ValueError, match="n_pb"):
        RNNPBRegressor(n_pb=0).fit(X_BATCH)
    est = RNNPBRegressor(n_hidden=4, n_pb=2, max_iter=2).fit(X_BATCH)
    with pytest.raises(ValueError, match=r"codes must have shape \(n_codes, 2\)"):
        est.generate(np.zeros((2, 3)), 5)
    with pytest.raises(ValueError, match="n_steps"):
        est.generate(np.zeros((2, 2)), 0)
    with pytest.raises(ValueError, match="at least 2 time steps"):
        RNNPBRegressor().fit(X_BATCH[:, :1])
    with pytest.raises(ValueError, match="holds 3 codes"):
        est.evaluate_loss(X_LIST[:2], None)
    with pytest.raises(ValueError, match="early_stopping"):
        RNNPBRegressor(early_stopping=True).fit(X_BATCH)
    with pytest.raises(ValueError, match="features per time step"):
        est.transform(np.zeros((2, 4, 3)))
    with pytest.raises(ValueError):
        est.transform(np.full((2, 4, 2), np.nan))
    theta = est.get_flat_weights()
    with pytest.raises(ValueError, match="start"):
        est.generate(np.zeros((2, 2)), 3, start=np.zeros((2, 5)))
    np.testing.assert_array_equal(est.get_flat_weights(), theta)  # nothing corrupted


def test_failing_fit_or_partial_fit_leaves_the_model_as_it_was():
    """A call refused by a check leaves no added code and no attribute of its X."""
    est = RNNPBRegressor(n_hidden=4, max_iter=2, random_state=0).fit(X_LIST)
    theta, codes = est.get_flat_weights(), est.codes_.copy()
    est.set_params(update_every="step")  # refuses a single 2D series
    with pytest.raises(ValueError, match="update_every='step'"):
        est.partial_fit(X_SERIES)
    with pytest.raises(ValueError, match="update_every='step'"):
        est.fit(np.zeros((6, 3)))
    np.testing.assert_array_equal(est.get_flat_weights(), theta)
    np.testing.assert_array_equal(est.codes_, codes)
    assert est.n_features_in_ == 2
    est.set_params(update_every="batch")
    assert est.transform(X_LIST).shape == (3, 2)
    # the optimizer state still matches the weights
    est.partial_fit(X_SERIES)
    assert est.codes_.shape == (4, 2)


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_partial_fit_does_not_move_the_codes_it_has_no_data_for(solver):
    """Each call's sequences are new: a momentum left on the old codes must not drift them."""
    est = RNNPBRegressor(n_hidden=6, max_iter=30, solver=solver, random_state=0).fit(X_LIST)
    before = est.codes_.copy()
    weights = est.get_flat_weights()[:-before.size]
    for x in X_BATCH:
        est.partial_fit([x])
    np.testing.assert_array_equal(est.codes_[:3], before)
    assert est.codes_.shape == (6, 2)
    # the shared weights and the new codes did learn
    assert not np.allclose(est.get_flat_weights()[:weights.size], weights)
    assert not np.allclose(est.codes_[3], est.codes_[4])


@pytest.mark.parametrize("code", [[0.3, 0.7], [1.5, -0.5]], ids=["inside", "outside"])
def test_predict_and_generate_agree_on_any_code(code):
    """Fed generate's own outputs, predict with the same code gives them back,
    codes outside (0, 1) included (no silent clipping in one of the two)."""
    est = RNNPBRegressor(n_hidden=4, n_pb=2)
    initialized(est, X_LIST)
    codes = np.array([code])
    start = X_LIST[0][0]
    generated = est.generate(codes, 5, start=start)[0]
    inputs = np.vstack([start, generated[:-1]])
    np.testing.assert_allclose(est.predict([inputs], codes=codes)[0], generated,
                               rtol=1e-10, atol=1e-12)


def test_feature_names_out_need_a_fitted_model():
    with pytest.raises(NotFittedError):
        RNNPBRegressor().get_feature_names_out()
    est = RNNPBRegressor(n_hidden=4, n_pb=3, max_iter=2).fit(X_LIST)
    assert list(est.get_feature_names_out()) == [f"rnnpbregressor{i}" for i in range(3)]


def test_documented_semantics_of_predict_score_and_transform(patterns_model):
    """A transformer (not a regressor); predict and score treat a 2D series as one
    sequence under one recognised code, transform as windows, one code per step."""
    from sklearn.base import is_regressor

    assert not is_regressor(patterns_model)
    series = PATTERNS[0]
    np.testing.assert_array_equal(patterns_model.predict(series),
                                  patterns_model.predict([series])[0])
    assert patterns_model.score(series) == patterns_model.score([series])
    assert patterns_model.transform(series).shape == (series.shape[0], 2)


def test_generate_starts_from_the_mean_first_step_of_all_sequences_held():
    """start=None: the mean first step of the training sequences, those that
    partial_fit added included."""
    est = RNNPBRegressor(n_hidden=4, max_iter=2, random_state=0).fit(X_LIST)
    est.partial_fit(X_BATCH)
    mean_first = np.mean([x[0] for x in X_LIST + list(X_BATCH)], axis=0)
    np.testing.assert_allclose(est.generate(est.codes_, 4),
                               est.generate(est.codes_, 4, start=mean_first), rtol=1e-12)


def test_a_fitted_model_keeps_its_code_width_until_refit():
    """set_params(n_pb=...) takes effect at the next fit, as n_hidden does: until
    then transform, predict and generate use the fitted network, and
    partial_fit refuses to continue it under the new width."""
    est = RNNPBRegressor(n_hidden=4, n_pb=2, max_iter=2, random_state=0).fit(X_LIST)
    codes = est.transform(X_LIST)
    est.set_params(n_pb=3)
    np.testing.assert_array_equal(est.transform(X_LIST), codes)
    assert est.generate(codes, 3).shape == (3, 3, 2)
    assert len(est.predict(X_LIST)) == 3
    assert len(est.get_feature_names_out()) == 2
    with pytest.raises(ValueError, match="n_pb changed since the network was fitted"):
        est.partial_fit(X_SERIES)
    assert est.codes_.shape == (3, 2)
    assert est.fit(X_LIST).codes_.shape == (3, 3)
