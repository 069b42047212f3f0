"""Scale-out on Dask: readouts fitted from dask arrays on a cluster.

``import skrnn`` never imports this module, and this module imports dask
only when :func:`fit_distributed` is called: dask is an optional extra
(``pip install skrnn[dask]``).
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from ._readout import fit_distributed

__all__ = ["fit_distributed"]
