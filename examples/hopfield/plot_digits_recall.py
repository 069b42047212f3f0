"""
==============================================
Recalling handwritten digits from noisy probes
==============================================

A Hopfield memory stores one binarised image per digit of scikit-learn's
``load_digits`` (8 x 8 pixels, so 64 units) and is probed with copies in
which 10% of the pixels are flipped. Digit images are strongly correlated
(many share the same strokes), which is exactly what the Hebbian rule
handles worst: its memories interfere and recall lands on mixtures. The
pseudo-inverse rule stores correlated patterns as exact fixed points, and
the modern continuous Hopfield network separates them by a softmax.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# Ten binary patterns, one per digit
# ----------------------------------
# Each digit's pattern is the first image of that class, thresholded at half
# the maximal intensity: pixels are 0 (background) or 1 (ink).
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

from skrnn import HopfieldMemory

digits = load_digits()
first = [np.flatnonzero(digits.target == d)[0] for d in range(10)]
patterns = (digits.data[first] > 8).astype(float)

# %%
# Corrupted probes
# ----------------
# Flip 6 of the 64 pixels (about 10%) of every pattern, at random places.
rng = np.random.RandomState(0)
probes = patterns.copy()
for row in probes:
    flip = rng.choice(64, 6, replace=False)
    row[flip] = 1 - row[flip]

# %%
# Store and recall with each rule
# -------------------------------
# The answers come back in the {0, 1} encoding of the patterns;
# ``score`` is the fraction of pixels recalled correctly.
rules = ["hebbian", "storkey", "pseudoinverse", "modern"]
recalled = {}
for rule in rules:
    memory = HopfieldMemory(rule=rule, random_state=0).fit(patterns)
    recalled[rule] = memory.predict(probes)
    exact = np.mean(np.all(recalled[rule] == patterns, axis=1))
    print(f"{rule:>14}: pixels {memory.score(probes, patterns):.3f}, "
          f"digits recalled exactly {exact:.1f}")

# %%
# The figure
# ----------
# Rows: the stored pattern, the probe, then the recall of each rule.
rows = [("stored", patterns), ("probe", probes)] + [(r, recalled[r]) for r in rules]
fig, axes = plt.subplots(len(rows), 10, figsize=(10, 1.1 * len(rows)))
for (name, images), row_axes in zip(rows, axes):
    for image, ax in zip(images, row_axes):
        ax.imshow(image.reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
    row_axes[0].set_ylabel(name, rotation=0, ha="right", va="center")
fig.tight_layout()
plt.show()
