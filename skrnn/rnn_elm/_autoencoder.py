"""Gelenbe and Yin's RNN-ELM autoencoder as a scikit-learn transformer."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import scipy.linalg
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.utils import check_array, check_random_state
from sklearn.utils.validation import check_is_fitted

from ..utils._compat import Interval, StrOptions, _fit_context, validate_data
from ..utils._progress import Progress, warn_interrupted
from ..utils._threads import limit_threads
from ._cluster import (
    CLUSTER_CONSTRAINTS,
    CLUSTER_PARAMETERS_DOC,
    ClusterParamsMixin,
    cluster_layer,
    cluster_layer_derivative,
    random_input_weights,
)
from ._network import input_cells

INPUT_PARAMETERS_DOC = """\
    input_scaling : float, default=0.1
        Each cluster's random non-negative input weights are drawn uniform
        in [0, 1) and scaled to sum to this value, so that inputs in [0, 1]
        give a total inhibitory input of at most ``input_scaling`` (the
        authors scale to a largest input of 0.1). zeta saturates quickly
        (zeta(0.1) is 0.05 at the defaults): scale the features to [0, 1],
        e.g. with :class:`~sklearn.preprocessing.MinMaxScaler`.

    negative_inputs : {'split', 'clip', 'raise'}, default='split'
        Cells receive rates, which are non-negative. 'split' feeds
        ``[max(X, 0), -min(X, 0)]`` (the paper's handling of negative
        values; it doubles the number of input cells); 'clip' feeds
        ``max(X, 0)``, dropping the negative part (the paper's 28-5000-2
        network on Higgs, its best there); 'raise' rejects negative values
        with a ValueError, for data already in [0, 1].
"""


def check_nonnegative_inputs(estimator, X):
    """Apply ``negative_inputs``: the non-negative input cells for X."""
    return input_cells(X, estimator.negative_inputs)


def _merge_signs(X, n_features):
    """Undo split_signs: positive part minus negative part."""
    return X[:, :n_features] - X[:, n_features:]


class RNNAutoencoder(ClusterParamsMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin,
                     BaseEstimator):
    """Autoencoder of dense random-neural-network clusters (Gelenbe and Yin).

    The encoder is a layer of ``n_components`` clusters with non-negative
    weights, ``H = zeta(X @ encoder_weights_)``. With the default
    ``decoder='linear'`` the decoder is linear, ``X ~ H @ decoder_weights_``,
    and fitting alternates the two steps of the paper's section III-B:

    1. decoder by least squares, ``pinv(H) @ X`` (eq. 19);
    2. a multiplicative update of the encoder weights that keeps them
       non-negative and decreases ``||X - zeta(X W) D||^2`` (eq. 20; see
       Notes for how it departs from the printed rule).

    With ``decoder='spiking'`` both networks are spiking (section III-A):
    the decoder is a second layer of clusters, ``X ~ zeta(H @ W2)`` with
    ``W2 = decoder_weights_ >= 0``, and both weight matrices follow the
    multiplicative updates of eqs. 16-17 (see Notes)::

        phi1 = eta(X W1), phi4 = zeta(X W1), phi2 = zeta(phi4 W2),
        phi3 = eta(phi4 W2)
        W1 <- W1 * [X^T (phi1 * ((X * phi3) W2^T)) /
                    X^T (phi1 * ((phi2 * phi3) W2^T))] ** gamma      (16)
        W2 <- W2 * [phi4^T (phi2 * phi3) / phi4^T (X * phi3)] ** gamma  (17)

    ``transform`` gives the encoding H, the features to stack under a
    classifier; ``inverse_transform`` the reconstruction.

    Parameters
    ----------
    n_components : int, default=100
        Number of clusters in the encoding layer.

    decoder : {{'linear', 'spiking'}}, default='linear'
        'linear': the least-squares decoder of section III-B (eqs. 19-20).
        'spiking': a layer of clusters with non-negative weights, trained
        with the encoder by eqs. 16-17 (section III-A); its reconstruction
        lies in zeta's range, (0, zeta(0)) (0.98 at the defaults).

    max_iter : int, default=20
        Maximum number of encoder updates (each preceded by a decoder fit;
        with ``decoder='spiking'``, joint updates of both weights). 0 keeps
        the random encoder (the paper's first approach, Fig. 4).

    tol : float, default=1e-4
        Stop when the reconstruction error improves by less than this
        fraction from one update to the next.

{input_params}
{cluster_params}
    random_state : int, RandomState instance or None, default=None
        Seed of the random initial encoder weights.

    n_jobs : int, default=None
        Threads for the BLAS products and solves (None: one).

    verbose : bool, default=False
        Print the reconstruction error after each encoder update, with the
        elapsed time.

    Attributes
    ----------
    encoder_weights_ : ndarray of shape (n_input_cells, n_components)
        Non-negative weights from the input cells (``n_features_in_``, or
        twice that with ``negative_inputs='split'``) to the clusters.

    decoder_weights_ : ndarray of shape (n_components, n_input_cells)
        Linear decoder, or, with ``decoder='spiking'``, the non-negative
        weights of the decoding clusters.

    reconstruction_err_ : float
        Mean squared reconstruction error of the input cells on the
        training data, after fitting.

    loss_curve_ : list of float
        Mean squared reconstruction error before each encoder update, then
        after the last one.

    n_iter_ : int
        Number of encoder updates made.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    RNNELMClassifier, RNNELMRegressor : classifiers and regressors built on
        the same clusters, with optional stacked autoencoder layers.

    Notes
    -----
    zeta is decreasing (more inhibition, less excitation), so its derivative
    eta is negative. Eq. 20 divides the gradient's two parts computed with
    the clipped decoder max(D, 0), and, as printed with signed eta, its
    ratio points up the gradient. Here the gradient of the actual
    reconstruction error (with the least-squares decoder D of eq. 19) is
    split into its negative and positive parts, and W is multiplied by
    their ratio raised to a power gamma <= 1, halved until the error
    decreases. With D >= 0 and gamma = 1 this is eq. 20 with the ratio the
    right way up. The clipped decoder is not used: the least-squares
    decoder of nearly collinear clusters has large entries of both signs,
    and clipping them multiplied the reconstruction error by 10^4 on
    scikit-learn's digits. Each iteration therefore lowers the error, which
    ``loss_curve_`` records.

    With ``decoder='spiking'`` the ratios of eqs. 16-17 are used as
    printed: with eta < 0, each is the negative part of the gradient of
    ``||X - zeta(zeta(X W1) W2)||^2`` over its positive part, so it points
    down the gradient. Both are raised to the same power gamma <= 1,
    halved until the reconstruction error decreases (gamma = 1 is the
    printed rule, which can overshoot): every iteration lowers the error,
    as ``loss_curve_`` records. The initial decoder weights are drawn as
    the encoder's are.

    The fit holds the whole encoding of X in memory (it is a batch method);
    for streams, the classifiers' ``partial_fit`` accumulates only Gram sums.

    References
    ----------
    Gelenbe, E. and Yin, Y. (2016). Deep learning with random neural
    networks. IJCNN, 1633-1638; Yin, Y. and Gelenbe, E., Deep learning in
    multi-layer architectures of dense nuclei, arXiv:1609.07160.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import MinMaxScaler
    >>> from skrnn import RNNAutoencoder
    >>> X, _ = load_digits(return_X_y=True)
    >>> encoder = make_pipeline(MinMaxScaler(), RNNAutoencoder(n_components=40,
    ...                         negative_inputs='raise', random_state=0))
    >>> encoder.fit_transform(X).shape
    (1797, 40)
    """

    _parameter_constraints: ClassVar[dict] = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "decoder": [StrOptions({"linear", "spiking"})],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "input_scaling": [Interval(Real, 0, None, closed="neither")],
        "negative_inputs": [StrOptions({"split", "clip", "raise"})],
        **CLUSTER_CONSTRAINTS,
        "random_state": ["random_state"],
        "n_jobs": [None, Integral],
        "verbose": ["verbose"],
    }

    def __init__(self, n_components=100, *, decoder="linear", max_iter=20, tol=1e-4,
                 input_scaling=0.1,
                 negative_inputs="split", n_cells=20, trigger_probability=0.05,
                 firing_rate=0.001, lambda_plus=0.005, lambda_minus=0.005,
                 random_state=None, n_jobs=None, verbose=False):
        self.n_components = n_components
        self.decoder = decoder
        self.max_iter = max_iter
        self.tol = tol
        self.input_scaling = input_scaling
        self.negative_inputs = negative_inputs
        self.n_cells = n_cells
        self.trigger_probability = trigger_probability
        self.firing_rate = firing_rate
        self.lambda_plus = lambda_plus
        self.lambda_minus = lambda_minus
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the encoder and decoder weights to X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; best scaled to [0, 1].
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        args = self._cluster_args()
        X = validate_data(self, X, dtype=(np.float64, np.float32), reset=True)
        Xs = check_nonnegative_inputs(self, X)
        rng = check_random_state(self.random_state)
        W = random_input_weights(rng, Xs.shape[1], self.n_components, self.input_scaling,
                                 Xs.dtype)
        with limit_threads(self.n_jobs):
            if self.decoder == "spiking":
                W2 = random_input_weights(rng, self.n_components, Xs.shape[1],
                                          self.input_scaling, Xs.dtype)
                self._fit_spiking(Xs, W, W2, args)
            else:
                self._fit_weights(Xs, W, args)
        self._n_features_out = self.n_components
        # what the weights mean depends on these: transform checks they are unchanged
        self._fitted_settings = {"decoder": self.decoder,
                                 "negative_inputs": self.negative_inputs}
        return self

    def _check_fitted_settings(self):
        """Raise if decoder or negative_inputs changed since fit (the weights are for
        the fitted ones, and a changed value would silently give other outputs)."""
        check_is_fitted(self)
        for name, fitted in self._fitted_settings.items():
            if getattr(self, name) != fitted:
                raise ValueError(f"{name}={getattr(self, name)!r} was not the value used in "
                                 f"fit ({fitted!r}); set it back, or refit.")

    def _fit_weights(self, Xs, W, args):
        losses, n_iter = [], 0
        progress = Progress(self.verbose)
        done = None  # the last (W, D) pair whose error is measured: what Ctrl-C keeps
        try:
            for n_iter in range(self.max_iter + 1):
                H, eta = cluster_layer_derivative(Xs, W, args)
                D = _least_squares(H, Xs).astype(Xs.dtype)            # eq. 19
                losses.append(float(np.mean((Xs - H @ D) ** 2)))
                done = (W, D, n_iter)
                progress.step("Iteration", n_iter, self.max_iter,
                              reconstruction_error=losses[-1])
                if n_iter == self.max_iter or (
                        n_iter > 0 and losses[-2] - losses[-1] <= self.tol * losses[-2]):
                    break
                W_next = _multiplicative_step(                         # eq. 20, see Notes
                    W, _gradient(Xs, H, -eta, D),
                    lambda V, D=D: float(np.mean((Xs - cluster_layer(Xs, V, args) @ D) ** 2)),
                    losses[-1])
                if W_next is None:      # no multiplicative step helps: a stationary point
                    break
                W = W_next
        except KeyboardInterrupt:
            if done is None:  # not even the random encoder's decoder: nothing to keep
                raise
            W, D, n_iter = done
            del losses[n_iter + 1:]
            warn_interrupted(f"the encoder of update {n_iter} (the lowest reconstruction "
                             "error so far) is kept.", stacklevel=4)
        self.encoder_weights_ = W
        self.decoder_weights_ = D.astype(Xs.dtype, copy=False)
        self.loss_curve_ = losses
        self.reconstruction_err_ = losses[-1]
        self.n_iter_ = n_iter

    def _fit_spiking(self, Xs, W1, W2, args):
        """Eqs. 16-17 with backtracking on their common power (see Notes)."""
        losses, n_iter = [], 0
        progress = Progress(self.verbose)

        def loss(V1, V2):
            return float(np.mean((Xs - spiking_reconstruction(Xs, V1, V2, args)) ** 2))

        done = None
        try:
            for n_iter in range(self.max_iter + 1):
                losses.append(loss(W1, W2))
                done = (W1, W2, n_iter)
                progress.step("Iteration", n_iter, self.max_iter,
                              reconstruction_error=losses[-1])
                if n_iter == self.max_iter or (
                        n_iter > 0 and losses[-2] - losses[-1] <= self.tol * losses[-2]):
                    break
                ratios = spiking_ratios(Xs, W1, W2, args)
                step = _joint_multiplicative_step((W1, W2), ratios,
                                                  lambda V: loss(*V), losses[-1])
                if step is None:    # no multiplicative step helps: a stationary point
                    break
                W1, W2 = step
        except KeyboardInterrupt:
            if done is None:
                raise
            W1, W2, n_iter = done
            del losses[n_iter + 1:]
            warn_interrupted(f"the weights of update {n_iter} (the lowest reconstruction "
                             "error so far) are kept.", stacklevel=4)
        self.encoder_weights_ = W1
        self.decoder_weights_ = W2
        self.loss_curve_ = losses
        self.reconstruction_err_ = losses[-1]
        self.n_iter_ = n_iter

    def transform(self, X):
        """Encode X: the excitation probabilities of the clusters.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        H : ndarray of shape (n_samples, n_components)
        """
        self._check_fitted_settings()
        X = validate_data(self, X, dtype=(np.float64, np.float32), reset=False)
        Xs = check_nonnegative_inputs(self, X)
        return cluster_layer(Xs, self.encoder_weights_.astype(Xs.dtype, copy=False),
                             self._cluster_args())

    def inverse_transform(self, X):
        """Decode an encoding back to the feature space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            An encoding, as given by :meth:`transform`.

        Returns
        -------
        X_reconstructed : ndarray of shape (n_samples, n_features)
        """
        self._check_fitted_settings()
        H = check_array(X, dtype=(np.float64, np.float32))
        if H.shape[1] != self.n_components:
            raise ValueError(f"X must have {self.n_components} columns (the encoding); "
                             f"got {H.shape[1]}.")
        D = self.decoder_weights_.astype(H.dtype, copy=False)
        if self.decoder == "spiking":
            Xs = cluster_layer(np.ascontiguousarray(H), D, self._cluster_args())
        else:
            Xs = H @ D
        if self.negative_inputs == "split":
            return _merge_signs(Xs, self.n_features_in_)
        return Xs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _least_squares(H, X):
    """Minimum-norm least-squares decoder pinv(H) @ X (float64 inside)."""
    D = scipy.linalg.lstsq(H.astype(np.float64), X.astype(np.float64), cond=None,
                           lapack_driver="gelsd")[0]
    return D


def _gradient(X, H, neg_eta, D):
    """Gradient in W of ||X - zeta(X W) D||^2, given H = zeta(X W), -eta and D.

    d/dW = -2 X^T (eta * ((X - H D) D^T)) = 2 X^T (|eta| * ((X - H D) D^T)).
    """
    return 2 * (X.T @ (neg_eta * ((X - H @ D) @ D.T)))


def spiking_reconstruction(X, W1, W2, args):
    """zeta(zeta(X W1) W2): the two spiking networks of section III-A (eq. 12)."""
    return cluster_layer(cluster_layer(X, W1, args), W2, args)


def spiking_gradients(X, W1, W2, args):
    """The two parts of the gradients of ||X - zeta(zeta(X W1) W2)||^2 in W1 and W2.

    Returns ``((A1, B1), (A2, B2))``, all >= 0, with gradient ``2 (B - A)``:
    eq. 16's numerator A1 and denominator B1, and eq. 17's numerator B2 and
    denominator A2 written with their signs cleared (eta < 0)::

        A1 = X^T (phi1 * ((X * phi3) W2^T))      B1 = X^T (phi1 * ((phi2 * phi3) W2^T))
        A2 = -phi4^T (phi2 * phi3)               B2 = -phi4^T (X * phi3)
    """
    phi4, phi1 = cluster_layer_derivative(X, W1, args)
    phi2, phi3 = cluster_layer_derivative(phi4, W2, args)
    A1 = X.T @ (phi1 * ((X * phi3) @ W2.T))
    B1 = X.T @ (phi1 * ((phi2 * phi3) @ W2.T))
    A2 = -(phi4.T @ (phi2 * phi3))
    B2 = -(phi4.T @ (X * phi3))
    return (A1, B1), (A2, B2)


def spiking_ratios(X, W1, W2, args):
    """The multiplicative factors of eqs. 16 and 17 (numerator over denominator)."""
    ratios = []
    for A, B in spiking_gradients(X, W1, W2, args):
        # a weight that no row reaches (0 / 0) stays as it is
        eps = np.finfo(A.dtype).eps * max(float(max(A.max(initial=0), B.max(initial=0))),
                                          np.finfo(A.dtype).tiny)
        ratios.append((A + eps) / (B + eps))
    return ratios


def _joint_multiplicative_step(weights, ratios, loss, current, max_halvings=30):
    """Every ``W * ratio^gamma`` at once, gamma halved from 1 until the loss decreases;
    None when no step decreases it."""
    gamma = 1.0
    for _ in range(max_halvings):
        new = tuple(np.ascontiguousarray(W * r ** gamma, dtype=W.dtype)
                    for W, r in zip(weights, ratios))
        if all(np.all(np.isfinite(W)) for W in new) and loss(new) < current:
            return new
        gamma /= 2
    return None


def _multiplicative_step(W, gradient, loss, current, max_halvings=30):
    """W * ratio^gamma, the non-negative multiplicative step, with backtracking.

    ratio = (negative part of the gradient) / (positive part), so a weight
    grows where the loss falls as it grows; gamma starts at 1 (the plain
    multiplicative rule) and is halved until the loss decreases. Returns
    None when no step decreases it.
    """
    eps = np.finfo(W.dtype).eps * max(float(np.abs(gradient).max(initial=0)),
                                      np.finfo(W.dtype).tiny)
    ratio = (np.maximum(-gradient, 0) + eps) / (np.maximum(gradient, 0) + eps)
    gamma = 1.0
    for _ in range(max_halvings):
        W_new = np.ascontiguousarray(W * ratio ** gamma, dtype=W.dtype)
        if np.all(np.isfinite(W_new)) and loss(W_new) < current:
            return W_new
        gamma /= 2
    return None


RNNAutoencoder.__doc__ = RNNAutoencoder.__doc__.format(
    input_params=INPUT_PARAMETERS_DOC, cluster_params=CLUSTER_PARAMETERS_DOC)
