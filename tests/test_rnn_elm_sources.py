"""Multi-source RNN-ELMs (Classifiers 3, 4, 5) and the passes of partial_fit over autoencoders."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import Lasso
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from skrnn import RNNELMClassifier, RNNELMRegressor
from skrnn.rnn_elm._cluster import check_cluster_params, cluster_layer
from skrnn.rnn_elm._network import parse_sources
from skrnn.rnn_elm._solvers import fista_signed

ARGS = check_cluster_params(20, 0.05, 0.001, 0.005, 0.005)

# the paper's five classifiers, small: (parameters, autoencoder layers)
CLASSIFIERS = {
    "classifier-1": dict(hidden_layer_sizes=(8, 40), autoencoder="fista", encoder_max_iter=30),
    "classifier-2": dict(hidden_layer_sizes=(8, 6, 40)),
    "classifier-2-fista": dict(hidden_layer_sizes=(8, 40), autoencoder="fista_signed",
                               encoder_max_iter=30),
    "classifier-3": dict(hidden_layer_sizes=(6, 40), sources=2),
    "classifier-4": dict(hidden_layer_sizes=(5, 4, 40), sources=[[0, 2, 4], [1, 3, 5]],
                         n_stacks=3),
    "classifier-5": dict(hidden_layer_sizes=(6,), sources=2, n_stacks=2, random_layer=False),
}


@pytest.fixture(scope="module")
def rows():
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (150, 6))
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 4] > 0.3)
    return X, y


def _stream(model, X, y, chunks, **kwargs):
    """Every pass of partial_fit over the chunks, end_pass after each autoencoder pass."""
    n_passes = model._n_encoder_layers() + 1
    for k in range(n_passes):
        for rows in chunks:
            model.partial_fit(X[rows], y[rows], **kwargs)
        if k < n_passes - 1:
            model.end_pass()
    return model


def _chunks(n, rng):
    cuts = np.sort(rng.choice(np.arange(1, n), size=rng.randint(1, 6), replace=False))
    return np.split(np.arange(n), cuts)


# -- streaming equals fitting ---------------------------------------------
@pytest.mark.parametrize("name", CLASSIFIERS)
@pytest.mark.parametrize("seed", range(2))
def test_streamed_passes_equal_fit(rows, name, seed):
    X, y = rows
    rng = np.random.RandomState(seed)
    params = dict(CLASSIFIERS[name], random_state=seed)
    full = RNNELMClassifier(**params, batch_size=rng.randint(1, 60)).fit(X, y)
    streamed = _stream(RNNELMClassifier(**params, batch_size=rng.randint(1, 60)), X, y,
                       _chunks(len(X), rng), classes=np.unique(y))
    for stack_f, stack_s in zip(full.stack_weights_, streamed.stack_weights_, strict=True):
        for Ef, Es in zip(stack_f, stack_s, strict=True):
            assert Ef.shape == Es.shape and np.all(Es >= 0)
            np.testing.assert_allclose(Es, Ef, rtol=1e-8, atol=1e-8 * np.abs(Ef).max())
    scale = np.abs(full.output_weights_).max()
    np.testing.assert_allclose(streamed.output_weights_, full.output_weights_, rtol=1e-8,
                               atol=1e-8 * scale)
    np.testing.assert_allclose(streamed.decision_function(X), full.decision_function(X),
                               rtol=1e-8, atol=1e-8 * np.abs(full.decision_function(X)).max())
    assert streamed.n_samples_seen_ == full.n_samples_seen_ == len(X)


def test_streamed_passes_equal_fit_regressor(rows):
    X, y = rows
    target = np.column_stack([np.sin(3 * X[:, 0]), X[:, 1] * X[:, 5]])
    params = dict(hidden_layer_sizes=(5, 30), sources=[[0, 1, 2], [3, 4, 5]], n_stacks=2,
                  random_state=0)
    full = RNNELMRegressor(**params).fit(X, target)
    streamed = _stream(RNNELMRegressor(**params, batch_size=17), X, target,
                       np.array_split(np.arange(len(X)), 4))
    np.testing.assert_allclose(streamed.predict(X), full.predict(X), rtol=1e-8, atol=1e-10)


def test_every_chunk_of_a_pass_trains_the_layer(rows):
    """The layer of a two-chunk pass differs from the layer of its first chunk alone:
    the second chunk trained it too."""
    X, y = rows
    params = dict(hidden_layer_sizes=(6, 30), random_state=0)
    one = RNNELMClassifier(**params).partial_fit(X[:75], y[:75], classes=[0, 1, 2]).end_pass()
    both = RNNELMClassifier(**params).partial_fit(X[:75], y[:75], classes=[0, 1, 2])
    both.partial_fit(X[75:], y[75:]).end_pass()
    assert not np.allclose(one.stack_weights_[0][0], both.stack_weights_[0][0])
    np.testing.assert_allclose(both.stack_weights_[0][0],
                               RNNELMClassifier(**params).fit(X, y).stack_weights_[0][0],
                               rtol=1e-8, atol=1e-12)


def test_pass_protocol_errors(rows):
    X, y = rows
    model = RNNELMClassifier((6, 30), random_state=0)
    with pytest.raises(ValueError, match="partial_fit has not been called"):
        model.end_pass()
    with pytest.raises(ValueError, match="classes must be passed"):
        model.partial_fit(X, y)
    model.partial_fit(X[:50], y[:50], classes=[0, 1, 2])
    with pytest.raises(NotFittedError, match="pass 1 of 2"):
        model.predict(X)
    with pytest.raises(ValueError, match="not in classes"):
        model.partial_fit(X[50:], y[50:] + 5)
    with pytest.raises(ValueError, match="features"):
        model.partial_fit(X[50:, :4], y[50:])
    model.end_pass()
    with pytest.raises(ValueError, match="no rows yet|every autoencoder layer"):
        model.end_pass()
    model.partial_fit(X, y)             # the readout's pass: classes are known
    assert model.predict(X).shape == (len(X),)
    with pytest.raises(ValueError, match="every autoencoder layer is trained"):
        model.end_pass()
    # partial_fit after fit adds to the readout and keeps the layers
    fitted = RNNELMClassifier((6, 30), random_state=0).fit(X[:100], y[:100])
    before = fitted.stack_weights_[0][0].copy()
    fitted.partial_fit(X[100:], y[100:])
    np.testing.assert_array_equal(fitted.stack_weights_[0][0], before)
    assert fitted.n_samples_seen_ == len(X)


# -- the structures of Classifiers 3, 4 and 5 -------------------------------
def test_classifier_3_trains_one_autoencoder_per_source(rows):
    X, y = rows
    model = RNNELMClassifier((4, 30), sources=[[0, 1], [2, 3, 4, 5]],
                             negative_inputs="clip", random_state=0).fit(X, y)
    (A,), (B,) = model.stack_weights_
    assert A.shape == (2, 8) and B.shape == (4, 8)        # 'ridge' keeps both signs
    assert model.random_weights_.shape == (16, 30)
    # a source's layer sees only its own columns
    X2 = X.copy()
    X2[:, 2:] = np.random.RandomState(1).uniform(0, 1, (len(X), 4))
    other = RNNELMClassifier((4, 30), sources=[[0, 1], [2, 3, 4, 5]],
                             negative_inputs="clip", random_state=0).fit(X2, y)
    np.testing.assert_allclose(other.stack_weights_[0][0], A, rtol=1e-12)
    assert not np.allclose(other.stack_weights_[1][0], B)
    # the features: each source's layer, side by side, then the random layer
    cells = np.maximum(X, 0)
    joined = np.hstack([cluster_layer(np.ascontiguousarray(cells[:, :2]), A, ARGS),
                        cluster_layer(np.ascontiguousarray(cells[:, 2:]), B, ARGS)])
    (H,) = model._network.features(X, ARGS)
    np.testing.assert_allclose(H, cluster_layer(joined, model.random_weights_, ARGS),
                               rtol=1e-12)


def test_classifier_4_and_5_stacks(rows):
    X, y = rows
    c4 = RNNELMClassifier((5, 3, 30), sources=2, n_stacks=4, random_state=0).fit(X, y)
    assert len(c4.stack_weights_) == 8
    assert [E.shape for E in c4.stack_weights_[0]] == [(6, 10), (10, 6)]
    assert c4.random_weights_.shape == (8 * 6, 30)
    # independent stacks of one source: same input, different random draws
    assert not np.allclose(c4.stack_weights_[0][0], c4.stack_weights_[1][0])
    c5 = RNNELMClassifier((5,), sources=2, n_stacks=4, random_layer=False,
                          random_state=0).fit(X, y)
    assert c5.random_weights_ is None
    assert c5.output_weights_.shape == (8 * 10, 3)
    with pytest.raises(AttributeError, match="stack_weights_"):
        c5.layer_weights_   # noqa: B018
    # one source, one stack, without a random layer reads the autoencoder layer directly
    one = RNNELMClassifier((5,), random_layer=False, random_state=0).fit(X, y)
    assert len(one.layer_weights_) == 1 and one.output_weights_.shape == (10, 3)


def test_one_source_one_stack_is_the_stacked_network(rows):
    X, y = rows
    plain = RNNELMClassifier((6, 30), random_state=0).fit(X, y)
    same = RNNELMClassifier((6, 30), sources=[list(range(6))], random_state=0).fit(X, y)
    np.testing.assert_array_equal(plain.decision_function(X), same.decision_function(X))


def test_multi_source_on_digits_halves():
    X, y = load_digits(return_X_y=True)
    X = X / 16
    # left and right halves of each 8 x 8 image
    left = [r * 8 + c for r in range(8) for c in range(4)]
    right = [r * 8 + c for r in range(8) for c in range(4, 8)]
    model = RNNELMClassifier((40, 600), sources=[left, right], negative_inputs="raise",
                             random_state=0).fit(X[:1200], y[:1200])
    assert model.score(X[1200:], y[1200:]) > 0.93


def test_sources_in_a_grid_search_pipeline(rows):
    X, y = rows
    # held-out rows may fall a little outside the scaler's [0, 1]: clip them
    pipe = make_pipeline(MinMaxScaler(), RNNELMClassifier((4, 30), sources=2,
                                                          negative_inputs="clip",
                                                          random_state=0))
    search = GridSearchCV(pipe, {"rnnelmclassifier__n_stacks": [1, 2],
                                 "rnnelmclassifier__random_layer": [True, False]}, cv=3)
    search.fit(X, y)
    assert search.best_score_ > 0.5
    assert len(search.cv_results_["params"]) == 4


# -- bad input ------------------------------------------------------------
@pytest.mark.parametrize("sources, match", [
    ([[0, 1, 2], [2, 3, 4, 5]], r"overlap: columns \[2\]"),
    ([[0, 1], [3, 4, 5]], r"leave columns \[2\] out"),
    ([[0, 1, 2], [3, 4, 9]], "only 6 columns"),
    (4, "not a multiple of 4"),
    ([[0, 1, 2], []], "non-empty"),
    ([], "non-empty list"),
])
def test_bad_sources(rows, sources, match):
    X, y = rows
    with pytest.raises(ValueError, match=match):
        RNNELMClassifier(20, sources=sources).fit(X, y)


def test_sources_parse_slices_and_negative_indices():
    cols = parse_sources([slice(0, 3), [-3, -2, -1]], 6)
    assert [c.tolist() for c in cols] == [[0, 1, 2], [3, 4, 5]]


def test_source_of_the_wrong_width_at_predict(rows):
    X, y = rows
    model = RNNELMClassifier((4, 20), sources=2, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="6 features"):
        model.predict(X[:, :5])


def test_negative_inputs_clip_and_raise(rows):
    X, y = rows
    clipped = RNNELMClassifier((4, 20), negative_inputs="clip", random_state=0).fit(X, y)
    raised = RNNELMClassifier((4, 20), negative_inputs="raise",
                              random_state=0).fit(np.maximum(X, 0), y)
    np.testing.assert_array_equal(clipped.decision_function(X),
                                  raised.decision_function(np.maximum(X, 0)))
    assert clipped.layer_weights_[0].shape[0] == X.shape[1]
    with pytest.raises(ValueError, match="negative values"):
        RNNELMClassifier(20, negative_inputs="raise").fit(X, y)
    with pytest.raises(ValueError, match="negative values"):
        raised.predict(X)


# -- the FISTA variant of Classifier-2 -------------------------------------
def test_fista_signed_is_the_lasso():
    rng = np.random.RandomState(0)
    H = rng.rand(60, 5)
    X = rng.rand(60, 3) - 0.5
    l1 = 0.8
    D = fista_signed(H, X, l1, 5000)
    # scikit-learn's Lasso minimises ||x - H d||^2 / (2 n) + a ||d||_1: a = l1 / (2 n)
    lasso = Lasso(alpha=l1 / (2 * len(H)), fit_intercept=False, tol=1e-12,
                  max_iter=100000).fit(H, X)
    np.testing.assert_allclose(D, lasso.coef_.T, atol=1e-6)
    assert np.any(D < 0) and np.any(D > 0)


def test_fista_signed_layer_keeps_both_signs(rows):
    X, y = rows
    model = RNNELMClassifier((6, 30), autoencoder="fista_signed", encoder_max_iter=50,
                             random_state=0).fit(X, y)
    E = model.layer_weights_[0]
    assert E.shape == (12, 12) and np.all(E >= 0)
    # the negative half holds what the decoder's negative weights were
    assert np.any(E[:, 6:] > 0) and np.any(E[:, :6] > 0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_multi_source_dtype(rows, dtype):
    X, y = rows
    model = RNNELMClassifier((4, 3, 20), sources=2, n_stacks=2, random_state=0).fit(
        X.astype(dtype), y)
    assert all(E.dtype == dtype for stack in model.stack_weights_ for E in stack)
    assert model.decision_function(X.astype(dtype)).dtype == dtype


def test_sources_by_column_name(rows):
    pd = pytest.importorskip("pandas")
    X, y = rows
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(6)])
    named = RNNELMClassifier((4, 20), sources=[["f0", "f1", "f2"], ["f3", "f4", "f5"]],
                             random_state=0).fit(frame, y)
    indexed = RNNELMClassifier((4, 20), sources=2, random_state=0).fit(X, y)
    np.testing.assert_array_equal(named.decision_function(frame), indexed.decision_function(X))
    with pytest.raises(ValueError, match=r"does not have"):
        RNNELMClassifier(20, sources=[["f0", "f1", "f2"], ["f3", "f4", "g"]]).fit(frame, y)
    with pytest.raises(ValueError, match="no column names"):
        RNNELMClassifier(20, sources=[["f0", "f1", "f2"], ["f3", "f4", "f5"]]).fit(X, y)


def test_pickle_in_the_middle_of_a_pass(rows):
    import pickle

    X, y = rows
    params = dict(hidden_layer_sizes=(5, 30), sources=2, n_stacks=2, random_state=0)
    model = RNNELMClassifier(**params).partial_fit(X[:70], y[:70], classes=[0, 1, 2])
    model = pickle.loads(pickle.dumps(model))
    model.partial_fit(X[70:], y[70:]).end_pass()
    model.partial_fit(X, y)
    full = RNNELMClassifier(**params).fit(X, y)
    np.testing.assert_allclose(model.decision_function(X), full.decision_function(X),
                               rtol=1e-8, atol=1e-10)


def test_fit_holds_a_batch_of_every_layer(rows, monkeypatch):
    from skrnn.rnn_elm import _network

    X, y = rows
    seen = []
    original = _network.cluster_layer

    def spy(Z, W, args):
        seen.append(Z.shape[0])
        return original(Z, W, args)

    monkeypatch.setattr(_network, "cluster_layer", spy)
    RNNELMClassifier((5, 4, 30), sources=2, n_stacks=2, batch_size=16,
                     random_state=0).fit(X, y)
    assert max(seen) == 16


# -- regressions of the review of the streamed passes ----------------------
@pytest.mark.parametrize("bad", ["y", "negative", "sizes", "sources"])
def test_failed_refit_leaves_the_model_as_it_was(rows, bad):
    X, y = rows
    hidden = (10,) if bad == "y" else (6, 30)
    Xp = np.abs(X)
    model = RNNELMClassifier(hidden, negative_inputs="raise", random_state=0).fit(Xp, y)
    before = model.decision_function(Xp)
    fit_args = {"y": (Xp, y[:10]), "negative": (X, y)}.get(bad, (Xp, y))
    if bad == "sizes":
        model.set_params(hidden_layer_sizes=(10, 0))
    elif bad == "sources":
        model.set_params(sources=[[0, 1, 2], [2, 3, 4, 5]])
    with pytest.raises(ValueError):
        model.fit(*fit_args)
    model.set_params(hidden_layer_sizes=hidden, sources=None)
    np.testing.assert_array_equal(model.decision_function(Xp), before)
    model.partial_fit(Xp, y)            # and it still learns
    assert model.n_samples_seen_ == 2 * len(X)


def test_failed_fit_keeps_an_open_stream(rows):
    X, y = rows
    params = dict(hidden_layer_sizes=(6, 30), random_state=0)
    model = RNNELMClassifier(**params).partial_fit(X[:70], y[:70], classes=[0, 1, 2])
    with pytest.raises(ValueError):
        model.fit(X, y[:10])
    model.partial_fit(X[70:], y[70:]).end_pass().partial_fit(X, y)
    full = RNNELMClassifier(**params).fit(X, y)
    np.testing.assert_allclose(model.decision_function(X), full.decision_function(X),
                               rtol=1e-8, atol=1e-10)


def test_encoder_sums_wait_on_at_most_a_leaf_of_values():
    # the pending rows of an autoencoder's sums hold the layer's input Z as well as H:
    # with wide inputs, a leaf sized from H alone held whole chunks of every stack's Z
    from skrnn._readout import LEAF_ELEMENTS

    rng = np.random.RandomState(0)
    X, y = rng.uniform(0, 1, (600, 300)), rng.randint(0, 2, 600)
    model = RNNELMClassifier((5, 10), n_stacks=2, random_state=0)
    model.partial_fit(X, y, classes=[0, 1])
    for sums in model._encoder_pass["sums"]:
        pending = [] if sums._pending is None else sums._pending[1]
        held = sum(B.size for blocks, _, _ in pending for B in blocks) + sum(
            Z.size for _, Z, _ in pending)
        assert 0 < sums.n and held <= LEAF_ELEMENTS


def test_stacks_need_autoencoder_layers(rows):
    # with no autoencoder layer, "stacks" were copies of the input cells under a wider
    # random layer: a different model, silently
    X, y = rows
    with pytest.raises(ValueError, match="n_stacks=3 needs autoencoder layers"):
        RNNELMClassifier(30, n_stacks=3).fit(X, y)
    with pytest.raises(ValueError, match="n_stacks=2 needs autoencoder layers"):
        RNNELMClassifier(30, n_stacks=2).partial_fit(X, y, classes=[0, 1, 2])
    model = RNNELMClassifier(30, n_stacks=1, random_state=0).fit(X, y)
    assert model.random_weights_.shape == (12, 30)


def test_every_pass_must_cover_the_rows_of_the_first(rows):
    import warnings

    X, y = rows
    params = dict(hidden_layer_sizes=(5, 4, 30), random_state=0)
    model = RNNELMClassifier(**params).partial_fit(X, y, classes=[0, 1, 2]).end_pass()
    model.partial_fit(X[:20], y[:20])
    with pytest.raises(ValueError, match="pass 2 of partial_fit went over 20 rows, but "
                                         "pass 1 went over 150"):
        model.end_pass()
    model.partial_fit(X[20:], y[20:]).end_pass()         # the rest: the pass is whole
    model.partial_fit(X[:20], y[:20])                    # a readout pass of 20 rows
    with pytest.warns(UserWarning, match="gone over 20 rows, but the autoencoder passes "
                                         "went over 150"):
        model.predict(X)
    model.partial_fit(X[20:], y[20:])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        streamed = model.decision_function(X)
    np.testing.assert_allclose(streamed, RNNELMClassifier(**params).fit(X, y)
                               .decision_function(X), rtol=1e-8, atol=1e-10)
    # too many rows in a later pass
    model = RNNELMClassifier(**params).partial_fit(X[:50], y[:50], classes=[0, 1, 2])
    model.end_pass().partial_fit(X, y)
    with pytest.raises(ValueError, match="Start the stream again"):
        model.end_pass()


def test_readout_pass_keeps_the_dtype_of_the_layers(rows):
    # a float64 readout pass after float32 autoencoder passes encoded its rows in float64
    # and solved a readout 1e-5 away from fit's; the autoencoder passes already refused it
    X, y = rows
    X32 = X.astype(np.float32)
    model = RNNELMClassifier((5, 30), random_state=0).partial_fit(X32, y, classes=[0, 1, 2])
    model.end_pass()
    with pytest.raises(ValueError, match="X is float64, but this model's layers are float32"):
        model.partial_fit(X, y)
    assert not hasattr(model, "_readout_sums")
    model.partial_fit(X32, y)
    fitted = RNNELMClassifier((5, 30), random_state=0).fit(X32, y)
    np.testing.assert_allclose(model.decision_function(X32), fitted.decision_function(X32),
                               rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="X is float64, but this model's layers are float32"):
        fitted.partial_fit(X, y)
    assert fitted.n_samples_seen_ == len(X)


def test_a_single_name_is_a_one_column_source(rows):
    # a bare string was iterated character by character ("names columns ['l', 'e', ...]")
    names = np.array(["left", "right", "ab", "c", "d"], dtype=object)
    cols = parse_sources(["left", "right", "ab", ["c", "d"]], 5, names)
    assert [c.tolist() for c in cols] == [[0], [1], [2], [3, 4]]
    with pytest.raises(ValueError, match=r"names columns \['x'\] that X does not have"):
        parse_sources(["left", "right", "ab", ["c", "d"], "x"], 5, names)
    for mapping in ({"a": [0, 1, 2], "b": [3, 4, 5]}, {0, 1}):
        with pytest.raises(ValueError, match="sources must be None, a positive int, or a "
                                             "non-empty list"):
            parse_sources(mapping, 6)
    X, y = rows
    with pytest.raises(ValueError, match="non-empty list"):
        RNNELMClassifier(20, sources={"a": [0, 1, 2], "b": [3, 4, 5]}).fit(X, y)


def test_not_fitted_until_the_readout_pass(rows):
    # classes_ and n_features_in_ exist from the first chunk on: check_is_fitted (and so
    # Pipeline, FrozenEstimator...) said "fitted" while a pass was open
    from sklearn.utils.validation import check_is_fitted

    X, y = rows
    model = RNNELMClassifier((5, 30), random_state=0).partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(NotFittedError):
        check_is_fitted(model)
    model.end_pass()
    with pytest.raises(NotFittedError):
        check_is_fitted(model)
    # after the last end_pass: say that the readout's pass is what is missing
    with pytest.raises(NotFittedError, match="autoencoder layers are trained, but its "
                                             "readout is not: stream the readout's pass"):
        model.predict(X)
    model.partial_fit(X, y)
    check_is_fitted(model)
    check_is_fitted(RNNELMClassifier(30, random_state=0).fit(X, y))


def test_end_pass_validates_and_keeps_the_stream_settings(rows):
    # end_pass solved with whatever encoder settings were current, unvalidated
    X, y = rows
    params = dict(hidden_layer_sizes=(5, 4, 30), random_state=0)
    model = RNNELMClassifier(**params).partial_fit(X, y, classes=[0, 1, 2])
    model.set_params(encoder_alpha=-1.0)
    with pytest.raises(ValueError, match="encoder_alpha"):
        model.end_pass()
    model.set_params(encoder_alpha=1.0).end_pass().partial_fit(X, y)
    for name, value in (("encoder_alpha", 3.0), ("input_scaling", 0.2)):
        model.set_params(**{name: value})
        with pytest.raises(ValueError, match=f"{name}={value!r} changed since the stream's "
                                             "first partial_fit"):
            model.end_pass()
        model.set_params(**{name: RNNELMClassifier().get_params()[name]})
    streamed = model.end_pass().partial_fit(X, y)
    full = RNNELMClassifier(**params).fit(X, y)
    np.testing.assert_allclose(streamed.decision_function(X), full.decision_function(X),
                               rtol=1e-8, atol=1e-10)
