"""Behaviour of RNNELMClassifier, RNNELMRegressor and RNNAutoencoder."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import pickle

import numpy as np
import pytest
import scipy.optimize
from sklearn.datasets import load_digits
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from skrnn import RNNAutoencoder, RNNELMClassifier, RNNELMRegressor
from skrnn.exceptions import ReadoutWarning
from skrnn.rnn_elm import _network, cluster_activation
from skrnn.rnn_elm._autoencoder import _gradient
from skrnn.rnn_elm._cluster import check_cluster_params, cluster_layer_derivative
from skrnn.rnn_elm._solvers import fista_nonnegative, ridge_decoder

from ._reference import standardised_ridge

ARGS = check_cluster_params(20, 0.05, 0.001, 0.005, 0.005)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16, y


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (180, 4))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
    Y = np.column_stack([np.sin(3 * X[:, 0]), X[:, 1] * X[:, 2]])
    return X, y, Y


def _chunks(n, rng):
    cuts = np.sort(rng.choice(np.arange(1, n), size=rng.randint(1, 6), replace=False))
    return np.split(np.arange(n), cuts)


# -- the incremental rule -------------------------------------------------
@pytest.mark.parametrize("seed", range(4))
def test_partial_fit_equals_fit_classifier(blobs, seed):
    X, y, _ = blobs
    rng = np.random.RandomState(seed)
    full = RNNELMClassifier(60, batch_size=rng.randint(1, 200), random_state=0).fit(X, y)
    streamed = RNNELMClassifier(60, batch_size=rng.randint(1, 200), random_state=0)
    for rows in _chunks(len(X), rng):
        streamed.partial_fit(X[rows], y[rows], classes=np.unique(y))
    assert not streamed._readout_cache      # no O(n_hidden^3) solve per streamed chunk
    scale = np.abs(full.output_weights_).max()
    np.testing.assert_allclose(streamed.output_weights_, full.output_weights_,
                               rtol=1e-8, atol=1e-8 * scale)
    np.testing.assert_allclose(streamed.output_bias_, full.output_bias_, rtol=1e-8,
                               atol=1e-8 * scale)
    assert streamed.n_samples_seen_ == full.n_samples_seen_ == len(X)
    np.testing.assert_array_equal(streamed.predict(X), full.predict(X))


@pytest.mark.parametrize("seed", range(3))
def test_partial_fit_equals_fit_regressor(blobs, seed):
    X, _, Y = blobs
    rng = np.random.RandomState(seed)
    full = RNNELMRegressor(80, random_state=1).fit(X, Y)
    streamed = RNNELMRegressor(80, batch_size=7, random_state=1)
    for rows in _chunks(len(X), rng):
        streamed.partial_fit(X[rows], Y[rows])
    scale = np.abs(full.output_weights_).max()
    np.testing.assert_allclose(streamed.output_weights_, full.output_weights_,
                               rtol=1e-8, atol=1e-8 * scale)


def test_readout_is_ridge_with_unpenalised_intercept(blobs):
    X, _, Y = blobs
    model = RNNELMRegressor(30, alpha=0.3, random_state=0).fit(X, Y)
    (H,) = model._network.features(X, ARGS)
    assert H.shape == (len(X), 30)
    coef, intercept = standardised_ridge(H, Y, 0.3)
    np.testing.assert_allclose(model.output_weights_, coef, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(model.output_bias_, intercept, rtol=1e-6, atol=1e-8)


def test_never_holds_more_than_a_chunk(blobs, monkeypatch):
    X, y, _ = blobs
    seen = []
    original = _network.cluster_layer

    def spy(Xc, W, args):
        seen.append(Xc.shape[0])
        return original(Xc, W, args)

    monkeypatch.setattr(_network, "cluster_layer", spy)
    model = RNNELMClassifier(40, batch_size=25, random_state=0).fit(X, y)
    model.predict(X)
    assert max(seen) == 25 and sum(seen) == 2 * len(X)
    # the state kept between calls is O(n_hidden^2), not O(n_samples)
    assert model._readout_sums.total.s_hh.shape == (40, 40)


# -- accuracy -------------------------------------------------------------
def test_digits_single_split(digits):
    X, y = digits
    model = RNNELMClassifier(1000, random_state=0).fit(X[:1300], y[:1300])
    assert model.score(X[1300:], y[1300:]) >= 0.95


@pytest.mark.slow
def test_digits_cross_validation_target(digits):
    X, y = digits
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    ridge = cross_val_score(RNNELMClassifier(2000, random_state=0), X, y, cv=cv).mean()
    # the nearest to the authors' pseudo-inverse readout overfits at 2000 clusters
    # (a penalty below float64's resolution warns that it is one)
    with pytest.warns(ReadoutWarning, match="ill-conditioned"):
        tiny = cross_val_score(RNNELMClassifier(2000, alpha=1e-10, random_state=0), X, y,
                               cv=cv).mean()
    assert ridge >= 0.98
    assert ridge >= tiny


@pytest.mark.parametrize("autoencoder", ["ridge", "fista"])
def test_stacked_layers(digits, autoencoder):
    X, y = digits
    X, y = X[:400], y[:400]
    model = RNNELMClassifier((30, 200), autoencoder=autoencoder, encoder_max_iter=30,
                             negative_inputs="raise", random_state=0).fit(X, y)
    E, W = model.layer_weights_
    width = 60 if autoencoder == "ridge" else 30     # the ridge layer keeps both signs
    assert E.shape == (64, width) and W.shape == (width, 200)
    assert np.all(E >= 0) and np.all(W >= 0)
    # rescaled so that the largest total input the training rows' ranges allow is
    # input_scaling: no training row exceeds it
    np.testing.assert_allclose((X.max(axis=0) @ E).max(), model.input_scaling, rtol=1e-12)
    assert (X @ E).max() <= model.input_scaling * (1 + 1e-12)
    assert model.score(X, y) > 0.9


def test_fista_without_penalty_is_nonnegative_least_squares():
    rng = np.random.RandomState(0)
    H = rng.rand(40, 6)
    X = rng.rand(40, 3) - 0.3
    D = fista_nonnegative(H, X, 0.0, 3000)
    expected = np.column_stack([scipy.optimize.nnls(H, X[:, j])[0] for j in range(3)])
    np.testing.assert_allclose(D, expected, atol=1e-6)
    # a large L1 penalty drives every weight to zero
    assert np.all(fista_nonnegative(H, X, 1e6, 50) == 0)


def test_ridge_decoder_formula():
    rng = np.random.RandomState(0)
    H, X = rng.rand(30, 5), rng.rand(30, 4)
    expected = np.linalg.solve(H.T @ H + 0.7 * np.eye(5), H.T @ X)
    np.testing.assert_allclose(ridge_decoder(H, X, 0.7), expected, rtol=1e-10)


# -- inputs, dtypes, state ------------------------------------------------
def test_negative_inputs_split_sees_the_sign(blobs):
    X, _, _ = blobs
    y = (X[:, 0] < 0).astype(int)    # only the sign of a feature matters
    model = RNNELMClassifier(100, random_state=0).fit(X[:120], y[:120])
    assert model.layer_weights_[0].shape[0] == 2 * X.shape[1]
    assert model.score(X[120:], y[120:]) > 0.9
    strict = RNNELMClassifier(100, negative_inputs="raise")
    with pytest.raises(ValueError, match="negative values"):
        strict.fit(X, y)
    strict.fit(np.abs(X), y)
    with pytest.raises(ValueError, match="negative values"):
        strict.predict(X)


@pytest.mark.parametrize("Model", [RNNELMClassifier, RNNELMRegressor])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_preserved(blobs, Model, dtype):
    X, y, Y = blobs
    target = y if Model is RNNELMClassifier else Y
    model = Model((5, 40), random_state=0).fit(X.astype(dtype), target)
    assert all(W.dtype == dtype for W in model.layer_weights_)
    assert model.output_weights_.dtype == dtype
    if Model is RNNELMRegressor:
        assert model.predict(X.astype(dtype)).dtype == dtype
    else:
        assert model.decision_function(X.astype(dtype)).dtype == dtype


def test_float32_agrees_with_float64(blobs):
    X, y, _ = blobs
    m64 = RNNELMClassifier(50, random_state=0).fit(X, y)
    m32 = RNNELMClassifier(50, random_state=0).fit(X.astype(np.float32), y)
    # zeta's features are nearly collinear, so the readout amplifies float32's
    # rounding of H; the decisions agree to about a percent
    p64, p32 = m64.decision_function(X), m32.decision_function(X.astype(np.float32))
    np.testing.assert_allclose(p32, p64, atol=2e-2 * np.abs(p64).max())
    assert np.mean(m32.predict(X) == m64.predict(X)) > 0.97


def test_same_seed_same_model(blobs):
    X, y, _ = blobs
    a = RNNELMClassifier((6, 30), random_state=3).fit(X, y)
    b = RNNELMClassifier((6, 30), random_state=3).fit(X, y)
    c = RNNELMClassifier((6, 30), random_state=4).fit(X, y)
    for Wa, Wb in zip(a.layer_weights_, b.layer_weights_):
        np.testing.assert_array_equal(Wa, Wb)
    np.testing.assert_array_equal(a.output_weights_, b.output_weights_)
    assert not np.allclose(a.layer_weights_[-1], c.layer_weights_[-1])


def test_pickle_then_partial_fit(blobs):
    X, y, _ = blobs
    classes = np.unique(y)
    model = RNNELMClassifier(40, random_state=0).partial_fit(X[:90], y[:90], classes=classes)
    restored = pickle.loads(pickle.dumps(model))
    model.partial_fit(X[90:], y[90:])
    restored.partial_fit(X[90:], y[90:])
    np.testing.assert_array_equal(restored.output_weights_, model.output_weights_)


def test_bad_input_errors_leave_the_model_intact(blobs):
    X, y, _ = blobs
    model = RNNELMClassifier(40, random_state=0).partial_fit(X[:90], y[:90],
                                                             classes=np.unique(y))
    before = model.output_weights_.copy(), model.n_samples_seen_
    with pytest.raises(ValueError, match="not in classes"):
        model.partial_fit(X[90:], y[90:] + 10)
    with pytest.raises(ValueError, match="features"):
        model.partial_fit(X[90:, :3], y[90:])
    Xnan = X[90:].copy()
    Xnan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.partial_fit(Xnan, y[90:])
    with pytest.raises(ValueError, match="lambda_minus must be >= lambda_plus"):
        model.set_params(lambda_plus=0.1).partial_fit(X[90:], y[90:])
    model.set_params(lambda_plus=0.005, negative_inputs="raise")
    with pytest.raises(ValueError, match="negative_inputs cannot change"):
        model.partial_fit(np.abs(X[90:]), y[90:])
    with pytest.raises(ValueError, match="set it back"):
        model.predict(np.abs(X))
    model.set_params(negative_inputs="split")
    np.testing.assert_array_equal(model.output_weights_, before[0])
    assert model.n_samples_seen_ == before[1]
    with pytest.raises(ValueError, match="classes must be passed"):
        RNNELMClassifier(10).partial_fit(X, y)


def test_regressor_target_shape_must_stay(blobs):
    X, _, Y = blobs
    model = RNNELMRegressor(20, random_state=0).partial_fit(X[:50], Y[:50])
    with pytest.raises(ValueError, match="shape of the targets"):
        model.partial_fit(X[50:], Y[50:, 0])
    assert model.predict(X).shape == (len(X), 2)
    one = RNNELMRegressor(20, random_state=0).fit(X, Y[:, 0])
    assert one.predict(X).shape == (len(X),)


@pytest.mark.parametrize("sizes", [(), (0,), (10, -1), (2.5,), [[3, 4]]])
def test_hidden_layer_sizes_validated(blobs, sizes):
    X, y, _ = blobs
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        RNNELMClassifier(sizes).fit(X, y)


# -- the autoencoder ------------------------------------------------------
def test_autoencoder_gradient_matches_finite_differences():
    rng = np.random.RandomState(0)
    X = rng.uniform(0, 1, (15, 4))
    W = rng.uniform(0, 0.05, (4, 3))
    D = rng.uniform(-1, 1, (3, 4))

    def loss(W):
        return np.sum((X - cluster_activation(X @ W) @ D) ** 2)

    H, eta = cluster_layer_derivative(X, W, ARGS)
    analytic = _gradient(X, H, -eta, D)
    numeric = np.zeros_like(W)
    for idx in np.ndindex(*W.shape):
        step = np.zeros_like(W)
        step[idx] = 1e-7
        numeric[idx] = (loss(W + step) - loss(W - step)) / 2e-7
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5)


def test_autoencoder_updates_reduce_reconstruction_error(digits):
    X = digits[0][:200]
    random_only = RNNAutoencoder(20, max_iter=0, negative_inputs="raise",
                                 random_state=0).fit(X)
    trained = RNNAutoencoder(20, max_iter=10, tol=0, negative_inputs="raise",
                             random_state=0).fit(X)
    assert trained.loss_curve_[0] == pytest.approx(random_only.reconstruction_err_)
    assert np.all(np.diff(trained.loss_curve_) < 0)
    assert trained.reconstruction_err_ < 0.95 * random_only.reconstruction_err_
    assert np.all(trained.encoder_weights_ >= 0)
    recon = trained.inverse_transform(trained.transform(X))
    assert np.mean((recon - X) ** 2) == pytest.approx(trained.reconstruction_err_, rel=1e-6)


def test_autoencoder_split_round_trip_and_pipeline_output(digits):
    pd = pytest.importorskip("pandas")
    X = digits[0][:200] - 0.5            # negative values: split into two cells
    encoder = RNNAutoencoder(12, max_iter=3, random_state=0).fit(X)
    assert encoder.encoder_weights_.shape == (128, 12)
    assert encoder.inverse_transform(encoder.transform(X)).shape == X.shape
    pipe = make_pipeline(MinMaxScaler(), RNNAutoencoder(12, max_iter=3, random_state=0))
    out = pipe.set_output(transform="pandas").fit_transform(X)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == [f"rnnautoencoder{i}" for i in range(12)]
    with pytest.raises(ValueError, match="12 columns"):
        encoder.inverse_transform(np.ones((2, 5)))


# -- the spiking autoencoder (both networks spiking, eqs. 16-17) --------------
def test_spiking_gradients_match_finite_differences():
    from skrnn.rnn_elm._autoencoder import spiking_gradients, spiking_reconstruction

    rng = np.random.RandomState(0)
    X = rng.uniform(0, 1, (12, 4))
    W1 = rng.uniform(0, 0.05, (4, 3))
    W2 = rng.uniform(0, 0.5, (3, 4))

    def loss(V1, V2):
        return np.sum((X - spiking_reconstruction(X, V1, V2, ARGS)) ** 2)

    (A1, B1), (A2, B2) = spiking_gradients(X, W1, W2, ARGS)
    assert min(A1.min(), B1.min(), A2.min(), B2.min()) >= 0
    for which, analytic in ((0, 2 * (B1 - A1)), (1, 2 * (B2 - A2))):
        W = (W1, W2)[which]
        numeric = np.zeros_like(W)
        for idx in np.ndindex(*W.shape):
            step = np.zeros_like(W)
            step[idx] = 1e-7
            plus = loss(W1 + step, W2) if which == 0 else loss(W1, W2 + step)
            minus = loss(W1 - step, W2) if which == 0 else loss(W1, W2 - step)
            numeric[idx] = (plus - minus) / 2e-7
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-9)


def test_spiking_autoencoder_never_increases_its_objective(digits):
    X = digits[0][:200]
    model = RNNAutoencoder(20, decoder="spiking", max_iter=15, tol=0, negative_inputs="raise",
                           random_state=0).fit(X)
    curve = np.asarray(model.loss_curve_)
    assert len(curve) > 2 and np.all(np.diff(curve) < 0)
    assert curve[-1] < 0.9 * curve[0]
    assert np.all(model.encoder_weights_ >= 0) and np.all(model.decoder_weights_ >= 0)
    assert model.decoder_weights_.shape == (20, 64)
    recon = model.inverse_transform(model.transform(X))
    assert np.mean((recon - X) ** 2) == pytest.approx(model.reconstruction_err_, rel=1e-6)
    # the printed rule (gamma = 1) is what the first step tries
    from skrnn.rnn_elm._autoencoder import spiking_ratios
    one = RNNAutoencoder(20, decoder="spiking", max_iter=0, negative_inputs="raise",
                         random_state=0).fit(X)
    r1, r2 = spiking_ratios(X, one.encoder_weights_, one.decoder_weights_, ARGS)
    assert np.any(r1 > 1) and np.any(r1 < 1) and np.any(r2 != 1)


@pytest.mark.parametrize("name, fitted, changed", [("decoder", "spiking", "linear"),
                                                   ("negative_inputs", "clip", "raise")])
def test_autoencoder_refuses_settings_changed_since_fit(digits, name, fitted, changed):
    # the weights are for the fitted decoder and input cells: another value of either
    # has the same shapes, and gave other outputs silently
    X = digits[0][:100] - 0.2 * (name == "negative_inputs")
    model = RNNAutoencoder(10, max_iter=2, random_state=0, **{name: fitted}).fit(X)
    H = model.transform(X)
    model.set_params(**{name: changed})
    for method, arg in (("transform", X), ("inverse_transform", H)):
        with pytest.raises(ValueError, match=f"{name}={changed!r} was not the value used"):
            getattr(model, method)(arg)
    model.set_params(**{name: fitted})
    np.testing.assert_array_equal(model.transform(X), H)
