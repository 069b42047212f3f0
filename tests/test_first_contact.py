"""The mistakes a new user makes get a message that says what to do.

Each test is one mistake met in a tried-as-new-user pass (issue #20): the
two meanings of a 2D ``X`` (one series for regressors, univariate rows for
classifiers), a forecast without history, a mistyped keyword. Also here:
what saving a model involves (``slim``, the version stamp).
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import inspect
import pickle
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris

import skrnn
from skrnn import (
    EchoStateClassifier,
    EchoStateRegressor,
    ElmanClassifier,
    ElmanRegressor,
    JordanClassifier,
    LSTMClassifier,
    RNNELMClassifier,
    RNNELMRegressor,
)
from skrnn.utils._public import InconsistentVersionWarning

CLASSIFIERS = [
    lambda: ElmanClassifier(n_hidden=4, max_iter=3, random_state=0),
    lambda: JordanClassifier(n_hidden=4, max_iter=3, random_state=0),
    lambda: LSTMClassifier(n_hidden=4, max_iter=3, random_state=0),
    lambda: EchoStateClassifier(20, random_state=0),
]
CLASSIFIER_IDS = ["elman", "jordan", "lstm", "echo_state"]


@pytest.fixture(scope="module")
def series_labelled_per_step():
    # one series of 3 features, 200 steps, labels in stretches of 25 steps
    rng = np.random.RandomState(0)
    return rng.rand(200, 3), (np.arange(200) // 25) % 2


def _fit_quietly(model, X, y):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=Warning, message=".*[Mm]aximum iter")
        return model.fit(X, y)


# -- a series with a label per step, given to a classifier ---------------------

@pytest.mark.parametrize("make", CLASSIFIERS, ids=CLASSIFIER_IDS)
def test_per_step_labels_to_a_classifier_warn(make, series_labelled_per_step):
    X, y = series_labelled_per_step
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*[Mm]aximum iter")
        with pytest.warns(UserWarning, match=r"200 sequences of 3 time steps.*one label per "
                                             r"sequence.*X\[:, :, np.newaxis\]"):
            make().fit(X, y)


@pytest.mark.parametrize("make", CLASSIFIERS, ids=CLASSIFIER_IDS)
def test_no_warning_where_rows_are_sequences(make, series_labelled_per_step):
    X, y = series_labelled_per_step
    rng = np.random.RandomState(1)
    iris_X, iris_y = load_iris(return_X_y=True)   # sorted by class: one stretch each
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.filterwarnings("ignore", message=".*[Mm]aximum iter")   # takes precedence
        make().fit(X[:, :, np.newaxis], y)          # 3D: the user said what a row is
        make().fit(X, rng.permutation(y))           # labels in no order: no sign of a series
        make().fit(iris_X, iris_y)
        make().fit(rng.rand(200, 30), y)            # rows of 30 steps: sequences


def test_per_step_labels_of_every_step_say_so():
    # y with one label for every time step of the rows: a length mismatch that names why
    X = np.random.RandomState(0).rand(20, 5)
    with pytest.raises(ValueError, match="one label per time step, but a classifier takes "
                                         "one label per sequence"):
        ElmanClassifier().fit(X, np.arange(100) % 2)


# -- the other meaning of a 2D X at prediction --------------------------------

@pytest.mark.parametrize("make", CLASSIFIERS, ids=CLASSIFIER_IDS)
def test_rows_of_another_length_say_time_steps(make):
    rng = np.random.RandomState(0)
    model = _fit_quietly(make(), rng.rand(20, 5), np.arange(20) % 2)
    name = type(model).__name__
    with pytest.raises(ValueError, match=rf"X has 7 features, but {name} is expecting 5 "
                                         r"features as input.*time steps.*3D X of shape "
                                         r"\(n_sequences, n_timesteps, 1\).*list"):
        model.predict(rng.rand(4, 7))
    # what the message suggests works: 3D rows of any length
    assert model.predict(rng.rand(4, 7)[:, :, np.newaxis]).shape == (4,)


@pytest.mark.parametrize("n_features", [1, 2])
@pytest.mark.parametrize("make", CLASSIFIERS, ids=CLASSIFIER_IDS)
def test_one_sequence_as_2d_after_a_3d_fit_is_refused(make, n_features):
    # fitted on 3D, a 2D X would be read as univariate rows: with one feature,
    # one sequence of 6 steps would silently become 6 sequences of one step
    rng = np.random.RandomState(0)
    model = _fit_quietly(make(), rng.rand(20, 6, n_features), np.arange(20) % 2)
    one = rng.rand(6, n_features)
    with pytest.raises(ValueError, match=r"fitted on 3D X .*2D X of shape \(6, "
                                         rf"{n_features}\).*6 sequences.*X\[np.newaxis\]"):
        model.predict(one)
    # the two ways the message suggests give the same single prediction
    assert model.predict(one[np.newaxis]).shape == (1,)
    assert model.predict([one]).tolist() == model.predict(one[np.newaxis]).tolist()


def test_list_fit_then_2d_is_refused_too():
    rng = np.random.RandomState(0)
    model = _fit_quietly(LSTMClassifier(n_hidden=4, max_iter=3, random_state=0),
                         [rng.rand(5 + i % 3, 1) for i in range(20)], np.arange(20) % 2)
    with pytest.raises(ValueError, match="fitted on a list of sequences"):
        model.predict(rng.rand(6, 1))


def test_regressors_keep_2d_as_one_series_after_a_3d_fit():
    # the regressors' 2D meaning (one series) is unambiguous: no refusal there
    rng = np.random.RandomState(0)
    model = _fit_quietly(ElmanRegressor(n_hidden=4, max_iter=3, random_state=0),
                         rng.rand(10, 6, 2), rng.rand(10, 6))
    assert model.predict(rng.rand(6, 2)).shape == (6,)


# -- forecast without history -------------------------------------------------

def test_forecast_none_names_what_to_pass():
    rng = np.random.RandomState(0)
    model = _fit_quietly(ElmanRegressor(n_hidden=4, max_iter=3, random_state=0),
                         rng.rand(10, 6, 1), rng.rand(10, 6))
    with pytest.raises(ValueError, match="ElmanRegressor.forecast needs the history X"):
        model.forecast(None, 5)
    esn = EchoStateRegressor(20, random_state=0).fit(rng.rand(10, 6, 1), rng.rand(10, 6))
    with pytest.raises(ValueError, match=r"forecast\(None, ...\) continues the 2D series"):
        esn.forecast(None, 5)


# -- a mistyped keyword names the class the user called ---------------------

@pytest.mark.parametrize("name", [n for n in skrnn.__all__ if inspect.isclass(getattr(skrnn, n))])
def test_mistyped_keyword_names_the_public_class(name):
    cls = getattr(skrnn, name)
    with pytest.raises(TypeError, match=rf"^{name}\.__init__\(\) got an unexpected keyword"):
        cls(n_hiddden=3)
    # the renamed __init__ keeps its signature, which scikit-learn reads
    params = inspect.signature(cls.__init__).parameters
    assert "self" in params and len(params) > 1
    kwargs = {"estimator": ElmanRegressor()} if "estimator" in params else {}
    assert set(cls(**kwargs).get_params(deep=False)) == set(params) - {"self"}


# -- saving: slim() and the version stamp -----------------------------------

def _readout_models():
    rng = np.random.RandomState(0)
    X, y = rng.rand(300, 2), np.sin(np.arange(300) / 7)
    Xc, yc = rng.rand(60, 8, 1), np.arange(60) % 3
    Xt, yt = rng.rand(200, 6), rng.randint(0, 2, 200)
    return [
        (EchoStateRegressor(200, random_state=0).fit(X, y), X),
        (EchoStateRegressor(200, alpha="gcv", random_state=0).fit(X, y), X),
        (EchoStateClassifier(100, random_state=0).fit(Xc, yc), Xc),
        (RNNELMClassifier(50, random_state=0).fit(Xt, yt), Xt),
        (RNNELMRegressor(50, alpha=1e-3, random_state=0).fit(Xt, Xt.sum(axis=1)), Xt),
    ]


@pytest.mark.filterwarnings("ignore::skrnn._readout.ReadoutWarning")
def test_slim_keeps_predictions_bit_for_bit():
    for model, X in _readout_models():
        before = model.predict(X)
        size = len(pickle.dumps(model))
        slimmed = pickle.loads(pickle.dumps(model.slim()))
        assert len(pickle.dumps(model)) < size / 2, type(model).__name__
        # exactly the same numbers, after a pickle round trip too
        assert np.array_equal(model.predict(X), before)
        assert np.array_equal(slimmed.predict(X), before)
        assert model.slim() is model                      # idempotent


def test_slim_then_partial_fit_says_why_and_fit_starts_afresh():
    rng = np.random.RandomState(0)
    X, y = rng.rand(100, 1), rng.rand(100)
    model = EchoStateRegressor(30, random_state=0).fit(X, y)
    future = model.forecast(None, 4)
    model.slim()
    # the end of the training series is kept: forecasting from it is unchanged
    assert np.array_equal(model.forecast(None, 4), future)
    with pytest.raises(ValueError, match="was slimmed.*Call fit"):
        model.partial_fit(X, y)
    assert np.allclose(model.fit(X, y).predict(X),
                       EchoStateRegressor(30, random_state=0).fit(X, y).predict(X))
    model.partial_fit(X, y)                                # an unslimmed fit streams again


def test_slim_needs_a_fitted_model():
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError):
        EchoStateRegressor(10).slim()


def test_pickles_carry_the_version_and_loading_another_warns(monkeypatch):
    rng = np.random.RandomState(0)
    model = _fit_quietly(ElmanRegressor(n_hidden=3, max_iter=2, random_state=0),
                         rng.rand(20, 1), rng.rand(20))
    data = pickle.dumps(model)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = pickle.loads(data)                        # same version: silent
    assert "_skrnn_version" not in loaded.__dict__        # the stamp is not an attribute
    X_new = rng.rand(5, 1)
    assert np.array_equal(loaded.predict(X_new), model.predict(X_new))
    monkeypatch.setattr(skrnn, "__version__", "99.0")
    with pytest.warns(InconsistentVersionWarning, match=r"saved by skrnn 0\..* with skrnn 99\.0"):
        pickle.loads(data)
    # a pickle with no stamp at all (hand-made state) warns too
    state = model.__getstate__()
    del state["_skrnn_version"]
    with pytest.warns(InconsistentVersionWarning, match="an unknown version"):
        ElmanRegressor().__setstate__(state)


@pytest.mark.parametrize("make", CLASSIFIERS, ids=CLASSIFIER_IDS)
def test_per_step_targets_to_a_classifier_point_to_a_regressor(make):
    rng = np.random.RandomState(0)
    # a list of per-step label arrays, as a regressor would take: no NumPy error
    with pytest.raises(ValueError, match="y is a list of arrays.*sequence regressor"):
        make().fit([rng.rand(5, 1), rng.rand(6, 1)], [np.zeros(5), np.ones(6)])
    # a label per step of a 3D batch
    with pytest.raises(ValueError, match=r"shape \(10, 6\).*column per time step.*regressor"):
        make().fit(rng.rand(10, 6, 1), rng.randint(0, 2, (10, 6)))
