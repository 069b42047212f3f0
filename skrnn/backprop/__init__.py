"""Back-propagation networks over lag windows, with Semeion's learning rules."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from ._backprop import BackPropagationClassifier, BackPropagationRegressor

__all__ = ["BackPropagationClassifier", "BackPropagationRegressor"]
