"""LSTMRegressor against PyTorch's nn.LSTM + nn.Linear, side by side in one run.

Both train the same network (one LSTM layer with forget gates, no peepholes,
linear output per step) on the same data with Adam, the same batch size and
the same number of epochs, with the same number of threads, and predict the
same sequences. The table gives sequences per second (medians over repeats)
and skrnn's ratio. PyTorch's float32 LSTM runs a fused oneDNN kernel; in
float64 it has no fused path.

Run::

    pip install torch==2.13.0    # the CPU build
    python benchmarks/bench_lstm.py [--repeats 5] [--epochs 5] [--threads 1 2]
                                    [--dtypes float32 float64]
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import torch
from _compare import run

from skrnn import LSTMRegressor


class TorchLSTM(torch.nn.Module):
    def __init__(self, n_features, n_hidden):
        super().__init__()
        self.lstm = torch.nn.LSTM(n_features, n_hidden, batch_first=True)
        self.out = torch.nn.Linear(n_hidden, 1)

    def forward(self, x):
        h, _ = self.lstm(x)
        return self.out(h).squeeze(-1)


if __name__ == "__main__":
    run(__doc__.splitlines()[0], LSTMRegressor, TorchLSTM)
