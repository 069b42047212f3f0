"""scikit-learn's own estimator checks over every public estimator."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import inspect

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from skrnn import (
    BackPropagationClassifier,
    BackPropagationRegressor,
    CTRNNClassifier,
    CTRNNRegressor,
    EchoStateClassifier,
    EchoStateRegressor,
    ElmanClassifier,
    ElmanRegressor,
    HopfieldMemory,
    JordanClassifier,
    JordanRegressor,
    LSTMClassifier,
    LSTMRegressor,
    RNNPBRegressor,
    SecondOrderClassifier,
    SecondOrderRegressor,
    SequenceTransformedTargetRegressor,
)
from skrnn.forecasting import ConformalForecaster

# small, quick networks that still learn the checks' toy problems
_SETTINGS = dict(n_hidden=8, max_iter=50, random_state=0)


def _instances():
    for cls in (ElmanRegressor, ElmanClassifier, JordanRegressor, JordanClassifier,
                LSTMRegressor, LSTMClassifier, SecondOrderRegressor, SecondOrderClassifier,
                CTRNNRegressor, CTRNNClassifier):
        yield cls(**_SETTINGS)
    # real-time recurrent learning: the online solver of the simple networks
    for cls in (ElmanRegressor, ElmanClassifier, JordanRegressor, JordanClassifier):
        yield cls(solver="rtrl_adam", **_SETTINGS)
        yield cls(solver="dekf", **_SETTINGS)
    # targets scaled around a sequence regressor
    yield SequenceTransformedTargetRegressor(ElmanRegressor(**_SETTINGS))
    # stacked recurrent layers
    yield ElmanRegressor(n_hidden=(6, 4), max_iter=50, random_state=0)
    yield JordanClassifier(n_hidden=(6, 4), max_iter=50, random_state=0)
    yield JordanRegressor(n_hidden=(6, 4), skip_connections=True, max_iter=50, random_state=0)
    yield ElmanClassifier(n_hidden=(6, 4), skip_connections="both", max_iter=50, random_state=0)
    # two groups of units with their own time constants (multiple timescales)
    yield CTRNNRegressor(n_hidden=(6, 3), time_constant=(1.0, 8.0), max_iter=50, random_state=0)
    # the modern rule takes the checks' real-valued data; a classical rule
    # shows which checks its binary-only input rules out
    yield HopfieldMemory(rule="modern", random_state=0)
    yield HopfieldMemory(rule="hebbian", random_state=0)
    for cls in (EchoStateRegressor, EchoStateClassifier):
        yield cls(n_reservoir=20, random_state=0)
    # a fixed penalty: the classifier's default alpha='cv' cannot run the weight
    # equivalence check (see _CV_WEIGHT_XFAILS)
    yield EchoStateClassifier(n_reservoir=20, alpha=1e-2, random_state=0)
    for cls in (BackPropagationRegressor, BackPropagationClassifier):
        yield cls(hidden_layer_sizes=(8,), max_iter=50, learning_rate_init=0.05,
                  random_state=0)
    # the first input column stands for the next target; the others are covariates
    yield ConformalForecaster(EchoStateRegressor(n_reservoir=20, random_state=0), feedback=[0])
    yield RNNPBRegressor(n_hidden=8, max_iter=20, recognition_max_iter=10, random_state=0)


# A 2D X given to a sequence regressor is one time-ordered series: its rows
# are consecutive time steps whose predictions depend on the rows before.
_SERIES_XFAILS = {
    "check_methods_subset_invariance":
        "rows of a 2D X are time steps of one series; a row's prediction depends on the "
        "rows before it",
    "check_methods_sample_order_invariance":
        "rows of a 2D X are time steps of one series; reordering them changes the series",
}


# HopfieldMemory.score(X, y) compares recalled patterns with target patterns
_SCORE_Y = "HopfieldMemory.score takes target patterns y of X's shape, not a 1D label vector"
_HOPFIELD_XFAILS = {
    "check_fit_score_takes_y": _SCORE_Y,
    "check_pipeline_consistency": _SCORE_Y,
    "check_array_api_input": _SCORE_Y,
}
# the classical rules store patterns in {0, 1} or {-1, +1} and reject any other
# value with a ValueError; these checks fit on real-valued (or shifted) data
_BINARY_ONLY = "classical Hopfield rules store binary patterns; the check fits real values"
_CLASSICAL_XFAILS = {
    **_HOPFIELD_XFAILS,
    **dict.fromkeys([
        "check_estimators_overwrite_params", "check_dont_overwrite_parameters",
        "check_estimators_fit_returns_self", "check_readonly_memmap_input",
        "check_n_features_in_after_fitting", "check_positive_only_tag_during_fit",
        "check_estimators_dtypes", "check_dtype_object", "check_estimators_nan_inf",
        "check_estimators_pickle", "check_f_contiguous_array_estimator",
        "check_methods_sample_order_invariance", "check_methods_subset_invariance",
        "check_fit2d_1sample", "check_fit2d_1feature", "check_dict_unchanged",
        "check_fit_idempotent", "check_fit_check_is_fitted", "check_n_features_in",
        "check_fit2d_predict1d",
    ], _BINARY_ONLY),
}


# weighted rows of a 2D series are weighted time steps: repeating a step
# changes the series after it, so weight 2 cannot equal the row twice
# (integer weights equal repeated sequences: tests/test_sample_weight.py,
# tests/test_rnnpb_weights.py)
_SERIES_WEIGHT_XFAILS = {
    "check_sample_weight_equivalence_on_dense_data":
        "rows of a 2D X are time steps of one series; repeating a row changes the series",
}
# a readout's alpha='cv' holds out contiguous blocks of the rows' positions: a row
# of weight w counts w times in its own block, but the check's repeated rows push
# every row after them into later blocks, so the folds (and the penalty chosen)
# differ (integer weights equal repeated rows at their positions:
# tests/test_readout_weights.py)
_CV_WEIGHT_XFAILS = {
    "check_sample_weight_equivalence_on_dense_data":
        "alpha='cv' folds are blocks of row positions; repeating rows moves the rows after "
        "them to other folds",
}
# online learning updates after every target (or window): weight 2 is one
# update twice as large, two copies are two updates, the second at the weights
# the first left (what CAN be asserted: tests/test_sample_weight_more.py)
_ONLINE_WEIGHT_XFAILS = {
    "check_sample_weight_equivalence_on_dense_data":
        "per-target online updates: weight 2 is one update twice as large, a repeated "
        "row is two updates",
}


# a meta-estimator passes sample_weight on, and raises if what it wraps takes none
_UNWEIGHTED_INNER = ("the wrapped estimator takes no sample_weight; the meta-estimator "
                     "raises a ValueError saying so")
_WEIGHT_CHECKS = [
    "check_sample_weights_pandas_series", "check_sample_weights_not_an_array",
    "check_sample_weights_list", "check_all_zero_sample_weights_error",
    "check_sample_weights_shape", "check_sample_weights_not_overwritten",
    "check_sample_weight_equivalence_on_dense_data"]


def _takes_weights(estimator):
    return "sample_weight" in inspect.signature(estimator.fit).parameters


def _xfails(estimator):
    xfails = _xfails_of_layout(estimator)
    series = xfails is _SERIES_XFAILS or isinstance(estimator, ConformalForecaster)
    if (getattr(estimator, "solver", None) in ("rtrl", "rtrl_adam", "dekf")
            or isinstance(estimator, (BackPropagationRegressor, BackPropagationClassifier))):
        xfails = {**xfails, **_ONLINE_WEIGHT_XFAILS}
    if series and _takes_weights(estimator):
        xfails = {**xfails, **_SERIES_WEIGHT_XFAILS}
    if getattr(estimator, "alpha", None) == "cv":
        xfails = {**xfails, **_CV_WEIGHT_XFAILS}
    if isinstance(estimator, ConformalForecaster) and not _takes_weights(estimator.estimator):
        xfails = {**xfails, **dict.fromkeys(_WEIGHT_CHECKS, _UNWEIGHTED_INNER)}
    return xfails


def _xfails_of_layout(estimator):
    if isinstance(estimator, HopfieldMemory):
        return _HOPFIELD_XFAILS if estimator.rule == "modern" else _CLASSICAL_XFAILS
    if isinstance(estimator, ConformalForecaster):
        return {**_SERIES_XFAILS, "check_regressor_multioutput":
                "feedback=[0] maps one output to an input column; the check's 5 outputs "
                "need a mapping of 5 entries"}
    if isinstance(estimator, SequenceTransformedTargetRegressor):
        return _SERIES_XFAILS
    if estimator._univariate_rows:  # classifiers: each row is its own sequence
        return {}
    return _SERIES_XFAILS


# the checks train on toy data for few epochs; convergence is not what they test
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(list(_instances()), expected_failed_checks=_xfails)
def test_sklearn_compatible(estimator, check, monkeypatch):
    # scikit-learn skips its NumPy-namespace array-API input check unless this
    # is set; skrnn takes NumPy input, so let that check run instead of skipping
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")
    check(estimator)
