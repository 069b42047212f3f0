"""scikit-learn's estimator checks over the RNN-ELM estimators and the autoencoder."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from sklearn.utils.estimator_checks import parametrize_with_checks

from skrnn import RNNAutoencoder, RNNELMClassifier, RNNELMRegressor


def _instances():
    yield RNNELMClassifier(hidden_layer_sizes=50, random_state=0)
    yield RNNELMClassifier(hidden_layer_sizes=(8, 50), random_state=0)
    yield RNNELMClassifier(hidden_layer_sizes=(8, 50), autoencoder="fista",
                           encoder_max_iter=20, random_state=0)
    # Classifier-4 and -5 (several stacks; no random layer), a clipped input, FISTA's
    # Classifier-2
    yield RNNELMClassifier(hidden_layer_sizes=(4, 30), n_stacks=2, negative_inputs="clip",
                           random_state=0)
    yield RNNELMClassifier(hidden_layer_sizes=(6,), n_stacks=3, random_layer=False,
                           autoencoder="fista_signed", encoder_max_iter=20, random_state=0)
    yield RNNELMRegressor(hidden_layer_sizes=50, random_state=0)
    yield RNNELMRegressor(hidden_layer_sizes=(20, 200), random_state=0)
    yield RNNAutoencoder(n_components=5, max_iter=5, random_state=0)
    yield RNNAutoencoder(n_components=5, decoder="spiking", max_iter=5, random_state=0)


@parametrize_with_checks(list(_instances()))
def test_sklearn_compatible(estimator, check, monkeypatch):
    # as in tests/test_common.py: let the NumPy array-API check run
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")
    check(estimator)
