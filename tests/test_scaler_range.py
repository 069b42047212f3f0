"""SequenceScaler(feature_range=...): min-max scaling of sequences in every layout."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import pickle

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from skrnn import ElmanRegressor, SequenceScaler


@pytest.fixture
def sequences():
    rng = np.random.RandomState(0)
    return [rng.normal(size=(n, 3)) * [1, 10, 100] for n in (5, 2, 7)]


@pytest.mark.parametrize("feature_range", [(-1, 1), (0, 1), (2.0, 5.0)])
def test_every_layout_matches_minmaxscaler(sequences, feature_range):
    stacked = np.concatenate(sequences)
    expected = MinMaxScaler(feature_range=feature_range).fit_transform(stacked)
    scaler = SequenceScaler(feature_range=feature_range)
    # a 2D series, a list, and a 3D batch of the same steps
    np.testing.assert_allclose(scaler.fit_transform(stacked), expected, rtol=1e-12)
    out = scaler.fit(sequences).transform(sequences)
    np.testing.assert_allclose(np.concatenate(out), expected, rtol=1e-12, atol=1e-12)
    batch = stacked[:12].reshape(3, 4, 3)
    ref = MinMaxScaler(feature_range=feature_range).fit(stacked[:12])
    np.testing.assert_allclose(scaler.fit_transform(batch),
                               ref.transform(stacked[:12]).reshape(3, 4, 3), rtol=1e-12)
    np.testing.assert_allclose(scaler.data_min_, stacked[:12].min(axis=0))
    # back to the original units
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(batch)), batch,
                               rtol=1e-12)


def test_partial_fit_any_chunking_equals_fit(sequences):
    whole = SequenceScaler(feature_range=(-1, 1)).fit(sequences)
    streamed = SequenceScaler(feature_range=(-1, 1))
    for seq in sequences:
        streamed.partial_fit(seq)
    np.testing.assert_array_equal(streamed.scale_, whole.scale_)
    np.testing.assert_array_equal(streamed.mean_, whole.mean_)
    assert streamed.n_steps_seen_ == whole.n_steps_seen_ == 14


def test_constant_feature_goes_to_the_minimum_and_float32_is_kept():
    X = np.column_stack([np.full(4, 3.0), np.arange(4.0)]).astype(np.float32)
    Xt = SequenceScaler(feature_range=(-1, 1)).fit_transform(X)
    assert Xt.dtype == np.float32
    np.testing.assert_array_equal(Xt[:, 0], -1)
    np.testing.assert_allclose(Xt[:, 1], [-1, -1 / 3, 1 / 3, 1], rtol=1e-6)


def test_zero_weight_steps_are_left_out():
    X = np.array([[0.0], [1.0], [100.0]])
    scaler = SequenceScaler(feature_range=(0, 1)).fit(X, sample_weight=[1, 1, 0])
    np.testing.assert_array_equal(scaler.data_max_, [1.0])


@pytest.mark.parametrize("bad", [(1, -1), (0, 0), (0, np.inf), (1,), "ab"])
def test_bad_range_is_a_value_error(bad):
    with pytest.raises(ValueError, match="feature_range"):
        SequenceScaler(feature_range=bad).fit(np.zeros((3, 1)))


def test_refit_without_range_standardises(sequences):
    scaler = SequenceScaler(feature_range=(-1, 1)).fit(sequences)
    scaler.set_params(feature_range=None).fit(sequences)
    assert not hasattr(scaler, "data_min_")
    stacked = np.concatenate(scaler.transform(sequences))
    np.testing.assert_allclose(stacked.mean(axis=0), 0, atol=1e-12)


def test_pipeline_grid_search_and_pickle():
    rng = np.random.RandomState(0)
    X = rng.uniform(0, 50, (120, 1))
    y = np.roll(X[:, 0], 1) / 50
    pipe = make_pipeline(SequenceScaler(), ElmanRegressor(n_hidden=4, max_iter=5,
                                                          random_state=0))
    search = GridSearchCV(pipe, {"sequencescaler__feature_range": [None, (-1, 1)]}, cv=2)
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    scaler = SequenceScaler(feature_range=(-1, 1)).fit(X)
    again = pickle.loads(pickle.dumps(scaler))
    np.testing.assert_array_equal(again.transform(X), scaler.transform(X))
