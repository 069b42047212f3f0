"""Second-order recurrent networks: Pollack's sequential cascaded network."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from ._second_order import SecondOrderClassifier, SecondOrderRegressor

__all__ = ["SecondOrderClassifier", "SecondOrderRegressor"]
