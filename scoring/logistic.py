"""The deployed model's arithmetic, from its stored parameters (no scikit-learn needed).

logit = intercept + Σ coef_j · (x_j − mean_j) / scale_j, probability = 1 / (1 + e^−logit).
Each term of the sum is that feature's contribution: how far this case's value moves the
score away from the average case of the training data.
"""

import numpy as np


def contributions(params: dict, matrix: np.ndarray) -> np.ndarray:
    """Per row and feature: coef · standardised value."""
    mean, scale = np.asarray(params["mean"]), np.asarray(params["scale"])
    return (matrix - mean) / scale * np.asarray(params["coef"])


def logits(params: dict, matrix: np.ndarray) -> np.ndarray:
    return params["intercept"] + contributions(params, matrix).sum(axis=1)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def logit(p: float) -> float:
    return float(np.log(p / (1 - p)))
