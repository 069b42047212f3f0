"""SequenceOneHotEncoder: nominal features of sequences, one-hot in every layout."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import pickle
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.utils.estimator_checks import parametrize_with_checks

from skrnn import ElmanClassifier, SequenceOneHotEncoder

RNG = np.random.RandomState(0)
SYMBOLS = np.array(["a", "b", "c"])


def _expected(rows, **kwargs):
    return OneHotEncoder(sparse_output=False, **kwargs).fit_transform(rows)


def test_every_layout_matches_onehotencoder():
    X3 = SYMBOLS[RNG.randint(0, 3, (4, 5, 2))]
    rows = X3.reshape(-1, 2)
    enc = SequenceOneHotEncoder()
    # 3D in, 3D out
    out = enc.fit_transform(X3)
    assert out.shape == (4, 5, 6)
    np.testing.assert_array_equal(out.reshape(-1, 6), _expected(rows))
    # a 2D series
    np.testing.assert_array_equal(enc.fit_transform(rows), _expected(rows))
    # a list of different lengths, back as a list of the same lengths
    seqs = [X3[0, :2], X3[1], X3[2, :1]]
    out = enc.fit_transform(seqs)
    assert [x.shape for x in out] == [(2, 6), (5, 6), (1, 6)]
    np.testing.assert_array_equal(np.concatenate(out),
                                  _expected(np.concatenate(seqs)))
    names = enc.get_feature_names_out()
    assert list(names[:3]) == ["x0_a", "x0_b", "x0_c"]


def test_univariate_rows_become_3d_for_the_classifiers():
    rows = RNG.randint(0, 4, (30, 6))
    labels = (rows[:, 0] == rows[:, -1]).astype(int)
    enc = SequenceOneHotEncoder(univariate_rows=True)
    out = enc.fit_transform(rows)
    assert out.shape == (30, 6, 4)
    np.testing.assert_array_equal(out.argmax(axis=2), rows)
    pipe = make_pipeline(SequenceOneHotEncoder(univariate_rows=True),
                         ElmanClassifier(n_hidden=4, max_iter=3, random_state=0))
    search = GridSearchCV(pipe, {"elmanclassifier__n_hidden": [3, 4]}, cv=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(rows, labels)
    again = pickle.loads(pickle.dumps(search.best_estimator_))
    np.testing.assert_array_equal(again.predict(rows), search.best_estimator_.predict(rows))


def test_numeric_features_pass_through():
    X = [np.array([["a", 1.5], ["b", -2.0]], dtype=object),
         np.array([["b", 0.25]], dtype=object)]
    enc = SequenceOneHotEncoder(features=[0]).fit(X)
    out = enc.transform(X)
    np.testing.assert_array_equal(out[0], [[1, 0, 1.5], [0, 1, -2.0]])
    np.testing.assert_array_equal(out[1], [[0, 1, 0.25]])
    assert list(enc.get_feature_names_out(["sym", "value"])) == ["sym_a", "sym_b", "value"]


def test_unknown_categories_and_bad_input():
    enc = SequenceOneHotEncoder().fit([["a"], ["b"]])
    with pytest.raises(ValueError, match="unknown categor"):
        enc.transform([["z"]])
    ignored = SequenceOneHotEncoder(handle_unknown="ignore").fit([["a"], ["b"]])
    np.testing.assert_array_equal(ignored.transform([["z"]]), [[0, 0]])
    with pytest.raises(ValueError, match="expecting 1 features"):
        enc.transform([["a", "b"]])
    with pytest.raises(ValueError, match="features must list"):
        SequenceOneHotEncoder(features=[3]).fit([["a"]])
    with pytest.raises(ValueError, match="same number of features"):
        SequenceOneHotEncoder().fit([np.array([["a"]]), np.array([["a", "b"], ["a", "b"]])])
    with pytest.raises(ValueError, match="NaN"):
        SequenceOneHotEncoder().fit(np.array([["a"], [np.nan]], dtype=object))
    with pytest.raises(ValueError, match="dimensions"):
        SequenceOneHotEncoder().fit(np.zeros((2, 2, 2, 2)))


@parametrize_with_checks([SequenceOneHotEncoder()])
def test_sklearn_compatible(estimator, check, monkeypatch):
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")  # let the array-API input check run
    check(estimator)


@pytest.mark.parametrize("params, X_bad", [
    ({"features": [2]}, np.array([[0, 1], [1, 2]])),  # index past the new width
    ({"categories": [[0, 1]]}, np.array([[0, 1, 5.0], [1, 2, 6.0]])),  # one list, two features
])
def test_failing_fit_leaves_a_fitted_encoder_unchanged(params, X_bad):
    X = np.array([[0, 1, 5.0], [1, 2, 6.0], [2, 1, 7.0]])
    encoder = SequenceOneHotEncoder(features=[0, 1]).fit(X)
    before = pickle.dumps(encoder)
    encoder.set_params(**params)
    with pytest.raises(ValueError):
        encoder.fit(X_bad)
    encoder.set_params(features=[0, 1], categories="auto")
    assert pickle.dumps(encoder) == before
    assert encoder.transform(X).shape == (3, 6)
