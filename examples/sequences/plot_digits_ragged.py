"""
===============================================================
Digits read as sequences: a 3D batch, a ragged list, a pipeline
===============================================================

scikit-learn's handwritten digits are 8 x 8 images. Read one row of pixels
at a time, top to bottom, an image is a sequence of 8 steps with 8 features,
and the whole set a 3D array of shape (1797, 8, 8). Read one *column* at a
time, left to right, and cropped to the columns that hold ink, the images
become sequences of 2 to 7 steps: a list of arrays of different lengths,
which skrnn takes as it is, without padding.

A :class:`~skrnn.SequenceScaler` standardises each of the 8 features over
every step of every sequence, in either layout (``StandardScaler`` refuses
3D arrays and lists), so the same pipeline is cross-validated on both.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# Two ways to read an image
# -------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline

from skrnn import EchoStateClassifier, ElmanClassifier, SequenceScaler

digits = load_digits()
y = digits.target
rows = digits.images                          # (1797, 8, 8): 8 steps of 8 pixels


def ink_columns(image, threshold=2):
    """The image's columns left to right, cropped to those with ink: (n_steps, 8)."""
    columns = np.flatnonzero(image.max(axis=0) > threshold)
    return image[:, columns[0]:columns[-1] + 1].T


columns = [ink_columns(image) for image in digits.images]
lengths = np.array([len(sequence) for sequence in columns])
print(f"3D batch: {rows.shape}; list: {len(columns)} sequences of "
      f"{lengths.min()} to {lengths.max()} steps")

# %%
# One pipeline for both layouts
# -----------------------------
# The scaler learns one mean and scale per feature (per pixel position
# within a step) from the training folds, and gives the data back in the
# layout it came in; the classifier gives one label per sequence.
cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
models = {
    "Elman, 32 units": ElmanClassifier(n_hidden=32, random_state=0),
    "echo state, 300 units": EchoStateClassifier(300, random_state=0),
}
scores = {}
for name, classifier in models.items():
    for layout, X in [("rows, 3D", rows), ("ink columns, list", columns)]:
        pipe = make_pipeline(SequenceScaler(), classifier)
        scores[name, layout] = cross_val_score(pipe, X, y, cv=cv)
        print(f"{name:>22} on {layout:<18}: accuracy "
              f"{scores[name, layout].mean():.3f} +- {scores[name, layout].std():.3f}")

# %%
# Reading the columns of the ink does better than reading the rows, with
# shorter sequences (6 steps for most digits): cropping removes the blank
# margins, so each sequence starts at the digit's first stroke, whatever its
# position in the image. Below, the cross-validated accuracies, and a digit
# in both readings.
fig, (ax_img, ax_seq, ax_acc) = plt.subplots(1, 3, figsize=(11, 3.2),
                                             gridspec_kw={"width_ratios": [1, 1, 2]})
ax_img.imshow(rows[0], cmap="gray_r")
ax_img.set_title("rows: 8 steps")
ax_seq.imshow(columns[0].T, cmap="gray_r")
ax_seq.set_title(f"ink columns: {len(columns[0])} steps")
for ax in (ax_img, ax_seq):
    ax.set_xticks([])
    ax.set_yticks([])
labels = [f"{name}\n{layout}" for name, layout in scores]
means = [s.mean() for s in scores.values()]
ax_acc.barh(labels, means, xerr=[s.std() for s in scores.values()], color="tab:blue")
ax_acc.set_xlim(0.8, 1.0)
ax_acc.set_xlabel("3-fold accuracy")
ax_acc.tick_params(axis="y", labelsize="small")
fig.tight_layout()
plt.show()
