"""Echo state networks: fixed random reservoirs with ridge readouts."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from ._echo_state import EchoStateClassifier, EchoStateRegressor

__all__ = ["EchoStateClassifier", "EchoStateRegressor"]
