"""
========================================================
Storing, recognising and blending patterns with an RNNPB
========================================================

A recurrent network with parametric bias (RNNPB) learns three Lissajous
figures at once, each under a code of two parametric-bias units. With the
weights frozen it recognises the code of new noisy drawings, and from any
code it draws in closed loop: the learned codes redraw their figures, and
codes on the line between two learned ones give shapes in between.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# Three figures, two drawings each
# --------------------------------
# A circle, a figure-eight and a 1:3 curve, sampled 30 steps per period.
# Each training sequence is two periods, starting from the same point with a
# slightly different amplitude.
import matplotlib.pyplot as plt
import numpy as np

from skrnn import RNNPBRegressor

FIGURES = {"circle": (1, 1, np.pi / 2), "figure-eight": (1, 2, 0.0),
           "1:3": (1, 3, np.pi / 2)}


def draw(a, b, delta, amplitude=0.8, length=60, noise=0.0, rng=None):
    t = 2 * np.pi * np.arange(length) / 30
    X = amplitude * np.column_stack([np.sin(a * t), np.sin(b * t + delta)])
    return X if not noise else X + noise * rng.standard_normal(X.shape)


X_train = [draw(*params, amplitude=amp) for params in FIGURES.values() for amp in (0.75, 0.85)]
labels = np.repeat(list(FIGURES), 2)

# %%
# Learn the figures and their codes
# ---------------------------------
# At every step the network predicts the next point. Noise on the training
# inputs (not on the targets) keeps it from predicting from the inputs
# alone, so the codes have to tell the figures apart.
model = RNNPBRegressor(n_hidden=24, n_pb=2, input_noise=0.2, max_iter=1500, tol=0,
                       random_state=0).fit(X_train)
print("codes of the training drawings:")
for label, code in zip(labels, model.codes_):
    print(f"  {label:>12}: {np.round(code, 2)}")

# %%
# Recognise new noisy drawings
# ----------------------------
# ``transform`` finds the code of each new sequence by gradient descent on
# its prediction error, the weights frozen. The nearest learned code names
# the figure.
rng = np.random.RandomState(1)
X_new = [draw(*params, amplitude=0.8, noise=0.1, rng=rng)
         for params in FIGURES.values() for _ in range(5)]
found = model.transform(X_new)
nearest = np.linalg.norm(found[:, None] - model.codes_[None], axis=2).argmin(axis=1)
print(f"recognised: {np.mean(labels[nearest] == np.repeat(list(FIGURES), 5)):.0%}")

# %%
# Draw from codes
# ---------------
# From each learned code (top row), and from codes on the line between the
# circle's and the figure-eight's (bottom row), the network draws 90 steps
# in closed loop, every run starting from the circle's first point.
circle, eight = model.codes_[0], model.codes_[2]
blend = [(1 - w) * circle + w * eight for w in np.linspace(0, 1, 5)]
start = X_train[0][0]
learned = model.generate(model.codes_[::2], 90, start=start)
between = model.generate(blend, 90, start=start)

fig, axes = plt.subplots(2, 5, figsize=(12, 5))
for ax in axes.ravel():
    ax.set_xlim(-1.1, 1.1)
    ax.set_ylim(-1.1, 1.1)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
for ax, (label, params), drawn in zip(axes[0], FIGURES.items(), learned):
    ax.plot(*draw(*params).T, color="0.8", lw=4, label="trained")
    ax.plot(*drawn.T, color="C0", lw=1.5, label="generated")
    ax.set_title(label)
axes[0, 0].legend(loc="lower left", fontsize=8)
ax = axes[0, 3]
ax.scatter(*model.codes_.T, c=[list(FIGURES).index(lab) for lab in labels], cmap="tab10",
           vmin=0, vmax=9, label="learned")
ax.scatter(*found.T, c=nearest // 2, cmap="tab10", vmin=0, vmax=9, marker="x", s=20)
ax.plot(*np.array(blend).T, "k:", lw=1)
ax.set_xlim(0, 1)
ax.set_ylim(0, 1)
ax.set_title("codes (x: recognised)")
axes[0, 4].axis("off")
for ax, w, drawn in zip(axes[1], np.linspace(0, 1, 5), between):
    ax.plot(*drawn.T, color="C1", lw=1.5)
    ax.set_title(f"{1 - w:.2f} circle + {w:.2f} eight", fontsize=9)
fig.tight_layout()
plt.show()
