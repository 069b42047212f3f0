"""sample_weight and class_weight of the ridge readouts: echo state networks and RNN-ELMs."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.model_selection import GridSearchCV, KFold, cross_validate

from skrnn import (
    EchoStateClassifier,
    EchoStateRegressor,
    RNNELMClassifier,
    RNNELMRegressor,
)
from skrnn._readout import Moments, ReadoutSums, cv_curve, gcv_curve, solve_readout

ALPHAS = [1e-3, "gcv"]


def _rows(n=60, p=5, k=2, seed=0):
    rng = np.random.RandomState(seed)
    H = rng.normal(size=(n, p)) + 3.0
    Y = H @ rng.normal(size=(p, k)) + 0.3 * rng.normal(size=(n, k))
    return H, Y, rng.randint(0, 4, n).astype(float)


def _same_moments(a, b, rtol=1e-10):
    assert_allclose(a.n, b.n, rtol=rtol)
    for name in ("mean_h", "mean_y", "s_hy", "s_yy"):
        assert_allclose(getattr(a, name), getattr(b, name), rtol=rtol, atol=1e-9)
    assert_allclose(a.gram(), b.gram(), rtol=rtol, atol=1e-9)


# -- the sums --------------------------------------------------------------------------
def test_weighted_moments_equal_repeated_rows():
    H, Y, w = _rows()
    keep = w > 0
    weighted = Moments(5, 2).add(H[keep], Y[keep], w[keep])
    repeated = Moments(5, 2).add(np.repeat(H, w.astype(int), axis=0),
                                 np.repeat(Y, w.astype(int), axis=0))
    _same_moments(weighted, repeated)
    assert weighted.n_rows == keep.sum() and repeated.n_rows == w.sum()


def test_weights_of_one_are_the_bits_of_no_weights():
    H, Y, _ = _rows()
    a = ReadoutSums(5, 2, folds=True, leaf_size=16).reserve(60)
    b = ReadoutSums(5, 2, folds=True, leaf_size=16).reserve(60)
    a.add(H, Y, np.arange(60))
    b.add(H[:37], Y[:37], np.arange(37), weights=np.ones(37))
    b.add(H[37:], Y[37:], np.arange(37, 60))   # a leaf of weighted and unweighted rows
    for name in ("t_hh", "t_hy", "t_yy", "sum_h", "sum_y"):
        assert_array_equal(getattr(a.total, name), getattr(b.total, name))


def test_zero_weights_drop_the_rows():
    H, Y, w = _rows()
    a = ReadoutSums(5, 2).add(H, Y, np.arange(60), weights=w)
    keep = w > 0
    b = ReadoutSums(5, 2).add(H[keep], Y[keep], np.arange(60)[keep], weights=w[keep])
    assert a.n_rows == b.n_rows == keep.sum()
    assert a.n == b.n == w.sum()
    _same_moments(a.total, b.total, rtol=1e-12)


def test_every_alpha_mode_reads_weights_as_repeated_rows_at_their_positions():
    # a row of weight w is the row w times in the block of its position: the
    # folds, GCV and the solve of every alpha mode see the same sums
    H, Y, w = _rows(n=200)
    reps = w.astype(int)
    weighted = ReadoutSums(5, 2, folds=True).reserve(200)
    weighted.add(H, Y, np.arange(200), weights=w)
    repeated = ReadoutSums(5, 2, folds=True).reserve(200)
    repeated.add(np.repeat(H, reps, axis=0), np.repeat(Y, reps, axis=0),
                 np.repeat(np.arange(200), reps), ordered=False)
    for (h1, t1), (h2, t2) in zip(weighted.fold_moments(), repeated.fold_moments()):
        _same_moments(h1, h2)
        _same_moments(t1, t2)
    grid = np.logspace(-3, 2, 11)
    assert_allclose(cv_curve(weighted, grid), cv_curve(repeated, grid), rtol=1e-8)
    assert_allclose(gcv_curve(weighted.total, grid)[0], gcv_curve(repeated.total, grid)[0],
                    rtol=1e-8)
    for alpha in (0.1, "gcv", "cv"):
        a, b = solve_readout(weighted, alpha), solve_readout(repeated, alpha)
        assert a.alpha == b.alpha
        assert_allclose(a.coef, b.coef, rtol=1e-8)
        assert_allclose(a.intercept, b.intercept, rtol=1e-8)


def test_gcv_warns_when_the_weight_total_is_below_the_readouts_degrees_of_freedom():
    # weights normalised to sum to 1 are one row's worth of frequency: GCV can score
    # only the penalties that shrink nearly everything, and must say so
    from skrnn._readout import ReadoutWarning

    X, y, _ = _table(400)
    w = np.random.RandomState(1).uniform(0.5, 1.5, 400)
    with pytest.warns(ReadoutWarning, match="weight total"):
        RNNELMRegressor(40, alpha="gcv", random_state=0).fit(X, y, sample_weight=w / w.sum())
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*weight total", category=ReadoutWarning)
        RNNELMRegressor(40, alpha="gcv", random_state=0).fit(X, y,
                                                             sample_weight=w * 400 / w.sum())


def test_weighted_leaves_are_the_same_bits_however_chunked():
    H, Y, w = _rows(n=100)
    one = ReadoutSums(5, 2, folds=True, leaf_size=16).reserve(100)
    one.add(H, Y, np.arange(100), weights=w)
    chunked = ReadoutSums(5, 2, folds=True, leaf_size=16)
    for a, b in ((0, 7), (7, 40), (40, 41), (41, 100)):
        chunked.reserve(b)
        chunked.add(H[a:b], Y[a:b], np.arange(a, b), weights=w[a:b])
    for name in ("t_hh", "t_hy", "t_yy", "sum_h", "sum_y", "n"):
        assert_array_equal(getattr(one.total, name), getattr(chunked.total, name))


# -- echo state networks ---------------------------------------------------------------
def _sequences(n=100, T=12, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, T, 2))
    y = (X[:, :, 0].mean(axis=1) > 0).astype(int)
    return X, y, rng.randint(0, 4, n)


@pytest.mark.parametrize("alpha", ALPHAS)
def test_esn_classifier_integer_weights_repeat_sequences(alpha):
    X, y, w = _sequences()
    params = dict(n_reservoir=20, alpha=alpha, random_state=0)
    weighted = EchoStateClassifier(**params).fit(X, y, sample_weight=w)
    repeated = EchoStateClassifier(**params).fit(np.repeat(X, w, axis=0), np.repeat(y, w))
    assert weighted.alpha_ == repeated.alpha_
    assert_allclose(weighted.output_weights_, repeated.output_weights_, rtol=1e-7, atol=1e-9)
    assert_allclose(weighted.decision_function(X), repeated.decision_function(X), rtol=1e-7,
                    atol=1e-9)
    assert weighted.n_readout_rows_ == np.count_nonzero(w)


@pytest.mark.parametrize("est", [EchoStateClassifier(n_reservoir=30, alpha="cv", random_state=0),
                                 RNNELMClassifier(40, alpha="cv", batch_size=16,
                                                  random_state=0)])
def test_cv_uniform_weights_repeat_every_row(est):
    # np.repeat keeps each copy in its row's block (block sizes are powers of two),
    # so weights of 2 are the rows twice for alpha='cv' too; and they differ from
    # no weights (the penalty weighs half as much against doubled sums)
    X, y, _ = _sequences(n=80)
    if isinstance(est, RNNELMClassifier):
        X = np.abs(X.reshape(80, -1))
    twice = sklearn.clone(est).fit(X, y, sample_weight=np.full(80, 2.0))
    repeated = sklearn.clone(est).fit(np.repeat(X, 2, axis=0), np.repeat(y, 2))
    plain = sklearn.clone(est).fit(X, y)
    assert_allclose(twice.cv_scores_, repeated.cv_scores_, rtol=1e-7)
    assert_allclose(twice.decision_function(X), repeated.decision_function(X), rtol=1e-6,
                    atol=1e-9)
    assert not np.allclose(twice.cv_scores_, plain.cv_scores_)


@pytest.mark.parametrize("alpha", ALPHAS)
def test_esn_per_step_weights(alpha):
    # a list of sequences with a target per step: a per-sequence weight equals the
    # sequence repeated, and a zero per-step weight equals a NaN target there
    rng = np.random.RandomState(1)
    X = [rng.normal(size=(T, 1)) for T in rng.randint(8, 15, 12)]
    y = [np.roll(x[:, 0], 1) for x in X]
    w = rng.randint(0, 3, 12)
    params = dict(n_reservoir=20, n_washout=2, alpha=alpha, random_state=0)
    weighted = EchoStateRegressor(**params).fit(X, y, sample_weight=w)
    rep = np.repeat(np.arange(12), w)
    repeated = EchoStateRegressor(**params).fit([X[i] for i in rep], [y[i] for i in rep])
    assert_allclose(weighted.output_weights_, repeated.output_weights_, rtol=1e-7, atol=1e-9)
    steps = [rng.randint(0, 2, x.shape[0]).astype(float) for x in X]
    zeroed = EchoStateRegressor(**params).fit(X, y, sample_weight=steps)
    nan_y = [np.where(s > 0, t, np.nan) for s, t in zip(steps, y)]
    dropped = EchoStateRegressor(**params).fit(X, nan_y)
    assert_allclose(zeroed.output_weights_, dropped.output_weights_, rtol=1e-9, atol=1e-12)


def _series(n, seed):
    """One series, its next value as the target, and a weight per step."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 1))
    return X, np.roll(X[:, 0], 1), rng.uniform(0, 2, n)


@pytest.mark.parametrize("alpha", [1e-3, "gcv", "cv"])
def test_esn_series_stream_takes_chunks_of_zero_weight(alpha):
    # the state runs through a chunk of zero weights, which teaches the readout nothing:
    # the stream gives the bits of fit with those weights, even from a zero first chunk
    X, y, w = _series(300, seed=6)
    w[:60], w[150:200] = 0, 0
    params = dict(n_reservoir=20, n_washout=10, alpha=alpha, random_state=0)
    stream = EchoStateRegressor(**params)
    stream.partial_fit(X[:60], y[:60], sample_weight=w[:60])
    assert stream.n_readout_rows_ == 0
    assert_array_equal(stream.predict(X[:5]), 0)   # no readout yet, as inside the washout
    assert np.isnan(stream.alpha_) == isinstance(alpha, str)
    with pytest.raises(ValueError, match="return_std needs readout rows"):
        stream.predict(X[:5], return_std=True)
    for a, b in ((60, 150), (150, 200), (200, 300)):
        stream.partial_fit(X[a:b], y[a:b], sample_weight=w[a:b])
    whole = EchoStateRegressor(**params).fit(X, y, sample_weight=w)
    assert_array_equal(stream.output_weights_, whole.output_weights_)
    assert stream.n_readout_rows_ == whole.n_readout_rows_ == 300 - 60 - 50


def test_esn_zero_weights_refused_outside_a_series_stream():
    X, y, w = _series(100, seed=6)
    with pytest.raises(ValueError, match="zero everywhere"):
        EchoStateRegressor(n_reservoir=10).fit(X, y, sample_weight=np.zeros(100))
    rng = np.random.RandomState(0)
    X3, y3 = rng.normal(size=(8, 10, 1)), rng.normal(size=(8, 10))
    model = EchoStateRegressor(n_reservoir=10, random_state=0).partial_fit(X3, y3)
    before = model.output_weights_.copy()
    with pytest.raises(ValueError, match="zero everywhere"):
        model.partial_fit(X3, y3, sample_weight=np.zeros(8))
    assert_array_equal(model.output_weights_, before)


def test_esn_washout_steps_carry_no_weight():
    X, y, w = _series(300, seed=2)
    params = dict(n_reservoir=20, n_washout=30, alpha=1e-3, random_state=0)
    a = EchoStateRegressor(**params).fit(X, y, sample_weight=w)
    w[:30] = np.linspace(0, 5, 30)          # other weights inside the washout
    b = EchoStateRegressor(**params).fit(X, y, sample_weight=w)
    assert_array_equal(a.output_weights_, b.output_weights_)
    plain = EchoStateRegressor(**params).fit(X, y)
    assert not np.allclose(a.output_weights_, plain.output_weights_)


@pytest.mark.parametrize("alpha", [1e-3, "gcv", "cv"])
def test_esn_weighted_partial_fit_is_weighted_fit_bit_for_bit(alpha):
    X, y, w = _series(500, seed=3)
    params = dict(n_reservoir=20, n_washout=10, alpha=alpha, random_state=0)
    whole = EchoStateRegressor(**params).fit(X, y, sample_weight=w)
    stream = EchoStateRegressor(**params)
    for a, b in ((0, 130), (130, 131), (131, 500)):
        stream.partial_fit(X[a:b], y[a:b], sample_weight=w[a:b])
    assert_array_equal(whole.output_weights_, stream.output_weights_)
    assert whole.alpha_ == stream.alpha_


def test_esn_return_std_reads_weights_as_repeats():
    rng = np.random.RandomState(4)
    X = rng.normal(size=(30, 10, 1))
    y = np.cumsum(X[:, :, 0], axis=1) + 0.1 * rng.normal(size=(30, 10))
    w = rng.randint(1, 4, 30)
    params = dict(n_reservoir=15, alpha=1e-2, random_state=0)
    weighted = EchoStateRegressor(**params).fit(X, y, sample_weight=w)
    repeated = EchoStateRegressor(**params).fit(np.repeat(X, w, axis=0), np.repeat(y, w, axis=0))
    assert_allclose(weighted.predict(X, return_std=True)[1],
                    repeated.predict(X, return_std=True)[1], rtol=1e-6)


def test_esn_class_weight_is_a_sample_weight_per_label():
    X, y, w = _sequences()
    params = dict(n_reservoir=30, alpha=1e-2, random_state=0)
    by_dict = EchoStateClassifier(class_weight={1: 3.0}, **params).fit(X, y, sample_weight=w)
    by_hand = EchoStateClassifier(**params).fit(X, y, sample_weight=w * np.where(y == 1, 3, 1))
    assert_allclose(by_dict.output_weights_, by_hand.output_weights_, rtol=1e-12)
    balanced = EchoStateClassifier(class_weight="balanced", **params).fit(X, y)
    counts = np.bincount(y)
    by_hand = EchoStateClassifier(**params).fit(X, y, sample_weight=(100 / (2 * counts))[y])
    assert_allclose(balanced.output_weights_, by_hand.output_weights_, rtol=1e-12)


# -- RNN-ELMs --------------------------------------------------------------------------
def _table(n=300, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.uniform(0, 1, (n, 4))
    y = np.sin(3 * X[:, 0]) + X[:, 1] ** 2 + 0.3 * rng.normal(size=n)
    return X, y, rng.randint(0, 3, n)


@pytest.mark.parametrize("alpha", ALPHAS)
@pytest.mark.parametrize("sizes", [40, (6, 40)])
def test_rnn_elm_integer_weights_repeat_rows(alpha, sizes):
    # with an autoencoder layer, the weights weigh its sums too: weight 2 is the row
    # twice in every layer
    X, y, w = _table()
    params = dict(hidden_layer_sizes=sizes, alpha=alpha, batch_size=32, random_state=0)
    weighted = RNNELMRegressor(**params).fit(X, y, sample_weight=w)
    repeated = RNNELMRegressor(**params).fit(np.repeat(X, w, axis=0), np.repeat(y, w))
    if sizes != 40:
        assert_allclose(weighted.stack_weights_[0][0], repeated.stack_weights_[0][0],
                        rtol=1e-7, atol=1e-10)
    assert weighted.alpha_ == repeated.alpha_
    # GCV takes a small penalty here (1e-5): the solve amplifies rounding a little
    assert_allclose(weighted.predict(X), repeated.predict(X), rtol=1e-7, atol=1e-7)
    assert_allclose(weighted.predict(X, return_std=True)[1],
                    repeated.predict(X, return_std=True)[1], rtol=1e-6)


def test_rnn_elm_autoencoder_layers_are_weighted():
    X, y, _ = _table()
    w = np.where(np.arange(300) < 150, 1.0, 5.0)
    params = dict(hidden_layer_sizes=(6, 40), alpha=1e-2, random_state=0)
    weighted = RNNELMRegressor(**params).fit(X, y, sample_weight=w)
    plain = RNNELMRegressor(**params).fit(X, y)
    assert not np.allclose(weighted.stack_weights_[0][0], plain.stack_weights_[0][0])


def test_rnn_elm_weighted_passes_equal_weighted_fit():
    X, y, w = _table()
    labels = (y > np.median(y)).astype(int)
    params = dict(hidden_layer_sizes=(6, 40), alpha="cv", batch_size=32, random_state=0)
    whole = RNNELMClassifier(**params).fit(X, labels, sample_weight=w)
    stream = RNNELMClassifier(**params)
    for _ in range(2):  # the autoencoder layer's pass, then the readout's
        for a, b in ((0, 50), (50, 300)):
            stream.partial_fit(X[a:b], labels[a:b], classes=[0, 1], sample_weight=w[a:b])
        if "_encoder_pass" in stream.__dict__:
            stream.end_pass()
    assert_allclose(stream.decision_function(X), whole.decision_function(X), rtol=1e-8,
                    atol=1e-10)


def test_rnn_elm_class_weight():
    X, y, w = _table()
    labels = np.digitize(y, np.quantile(y, [0.2, 0.5]))
    params = dict(hidden_layer_sizes=40, alpha=1e-2, random_state=0)
    balanced = RNNELMClassifier(class_weight="balanced", **params).fit(X, labels,
                                                                      sample_weight=w)
    counts = np.bincount(labels)
    by_hand = RNNELMClassifier(**params).fit(
        X, labels, sample_weight=w * (300 / (3 * counts))[labels])
    assert_allclose(balanced.output_weights_, by_hand.output_weights_, rtol=1e-12)
    with pytest.raises(ValueError, match="not among the classes"):
        RNNELMClassifier(class_weight={7: 2.0}, **params).fit(X, labels)


@pytest.mark.parametrize("make", [
    lambda: (RNNELMClassifier(20, random_state=0), _table()[0], np.arange(300) % 2),
    lambda: (RNNELMClassifier((4, 20), random_state=0), _table()[0], np.arange(300) % 2),
    lambda: (EchoStateClassifier(n_reservoir=10, random_state=0), *_sequences()[:2]),
])
def test_partial_fit_refuses_balanced_class_weight(make):
    # one chunk's label counts are not the stream's: the user passes the dict instead
    model, X, y = make()
    model.set_params(class_weight="balanced")
    with pytest.raises(ValueError, match="compute_class_weight"):
        model.partial_fit(X, y, classes=[0, 1])
    assert not hasattr(model, "classes_")
    model.fit(X, y)   # fit keeps 'balanced'
    before = model.decision_function(X)
    with pytest.raises(ValueError, match="compute_class_weight"):
        model.partial_fit(X, y)
    assert_array_equal(model.decision_function(X), before)


# -- bad weights and routing -----------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda: (RNNELMRegressor(20, random_state=0), *_table()[:2]),
    lambda: (EchoStateClassifier(n_reservoir=10, random_state=0), *_sequences()[:2]),
])
@pytest.mark.parametrize("bad, message", [
    (lambda n: np.ones(n + 1), "shape"),
    (lambda n: -np.ones(n), "non-negative"),
    (lambda n: np.full(n, np.nan), "finite"),
    (lambda n: np.zeros(n), "zero everywhere"),
])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_bad_weights_raise_and_leave_the_model(make, bad, message, method):
    model, X, y = make()
    model.fit(X, y)
    before = model.output_weights_.copy(), model.n_features_in_
    kwargs = {"classes": np.unique(y)} if method == "partial_fit" and \
        isinstance(model, EchoStateClassifier) else {}
    with pytest.raises(ValueError, match=message):
        getattr(model, method)(X, y, sample_weight=bad(len(y)), **kwargs)
    assert_array_equal(model.output_weights_, before[0])
    assert model.n_features_in_ == before[1]


def test_grid_search_routes_weights_to_the_readouts():
    X, y, w = _sequences()
    with sklearn.config_context(enable_metadata_routing=True):
        est = EchoStateClassifier(n_reservoir=20, random_state=0).set_fit_request(
            sample_weight=True).set_score_request(sample_weight=False)
        search = GridSearchCV(est, {"alpha": [1e-2, 1.0]}, cv=2).fit(X, y, sample_weight=w)
        refit = EchoStateClassifier(n_reservoir=20, alpha=search.best_params_["alpha"],
                                    random_state=0).fit(X, y, sample_weight=w)
    assert_allclose(search.best_estimator_.output_weights_, refit.output_weights_)


def test_cross_validate_routes_each_fold_its_rows_weights():
    X, y, w = _table()
    with sklearn.config_context(enable_metadata_routing=True):
        est = RNNELMRegressor(30, alpha=1e-2, random_state=0).set_fit_request(
            sample_weight=True).set_score_request(sample_weight=False)
        folds = cross_validate(est, X, y, cv=KFold(3), params={"sample_weight": w},
                               return_estimator=True, return_indices=True)
    for model, train in zip(folds["estimator"], folds["indices"]["train"]):
        by_hand = RNNELMRegressor(30, alpha=1e-2, random_state=0).fit(
            X[train], y[train], sample_weight=w[train])
        assert_allclose(model.output_weights_, by_hand.output_weights_)


# -- skrnn.dask ------------------------------------------------------------------------
def test_fit_distributed_takes_weights():
    import dask.array as da

    from skrnn.dask import fit_distributed

    # one series: the blocks run in order, the same bits as weighted fit
    X, y, w = _series(300, seed=5)
    params = dict(n_reservoir=20, n_washout=10, alpha=1e-3, random_state=0)
    local = EchoStateRegressor(**params).fit(X, y, sample_weight=w)
    dist = fit_distributed(EchoStateRegressor(**params), da.from_array(X, chunks=(70, 1)),
                           da.from_array(y, chunks=70), sample_weight=da.from_array(w, 70))
    assert_array_equal(dist.output_weights_, local.output_weights_)
    # a block of zero weights is a chunk of the stream that teaches nothing
    w[70:140] = 0
    local = EchoStateRegressor(**params).fit(X, y, sample_weight=w)
    dist = fit_distributed(EchoStateRegressor(**params), da.from_array(X, chunks=(70, 1)),
                           da.from_array(y, chunks=70), sample_weight=w)
    assert_array_equal(dist.output_weights_, local.output_weights_)
    with pytest.raises(ValueError, match="zero everywhere"):
        fit_distributed(EchoStateRegressor(**params), da.from_array(X, chunks=(70, 1)), y,
                        sample_weight=np.zeros(300))
    with pytest.raises(ValueError, match="non-negative"):
        fit_distributed(EchoStateRegressor(**params), da.from_array(X, chunks=(70, 1)), y,
                        sample_weight=-np.ones(300))
    # independent blocks, class weights as a dict: to rounding
    X, y, w = _sequences()
    params = dict(n_reservoir=20, alpha="cv", class_weight={0: 2.0}, random_state=0)
    local = EchoStateClassifier(**params).fit(X, y, sample_weight=w)
    dist = fit_distributed(EchoStateClassifier(**params), da.from_array(X, chunks=(30, 12, 2)),
                           y, sample_weight=w)
    assert_allclose(dist.decision_function(X), local.decision_function(X), rtol=1e-7,
                    atol=1e-9)
    with pytest.raises(ValueError, match="balanced"):
        fit_distributed(EchoStateClassifier(class_weight="balanced"),
                        da.from_array(X, chunks=(30, 12, 2)), y)
    w[:30] = 0
    with pytest.raises(ValueError, match="block 0"):
        fit_distributed(EchoStateClassifier(), da.from_array(X, chunks=(30, 12, 2)), y,
                        sample_weight=w)
