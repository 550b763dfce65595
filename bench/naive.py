"""The default network written the way the original from-scratch project wrote its CNN.

That project (a ``Conv3x3`` / ``MaxPool2`` / ``Softmax`` trio trained one image at a time at about
47 images/s on a single 8-filter conv) looped in Python over every output position and called
NumPy only on one small region at a time: ``np.sum(region * filter)``. This file does the same for
``cnn.build_default``'s layers (conv 1->32, pool, relu, conv 32->64, pool, relu, flatten,
dense 3136->128, relu, dropout, dense 128->10), one image, one filter and one position at a time,
forward and backward, with a plain SGD update per image. It is a baseline for ``speed.py``, and it
must compute the same function as ``cnn``: ``python bench/naive.py --check`` compares both.

Shapes are per image: ``(C, H, W)`` in, logits ``(10,)`` out.
"""
import copy
import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
import cnn  # noqa: E402  (the repository root is not installed as a package)


def iterate_regions(image, k, stride):
    """Yields ``(region, i, j)`` for every ``k x k`` window of ``image`` ``(..., H, W)``."""
    h, w = image.shape[-2:]
    for i in range((h - k) // stride + 1):
        for j in range((w - k) // stride + 1):
            yield image[..., i * stride:i * stride + k, j * stride:j * stride + k], i, j


class NaiveConv:
    """3x3 convolution with zero padding; weight ``(F, C, k, k)``, bias ``(F,)``."""

    def __init__(self, weight, bias, padding):
        self.weight, self.bias, self.padding = weight, bias, padding

    def forward(self, x):
        p, k = self.padding, self.weight.shape[-1]
        self.last = np.pad(x, ((0, 0), (p, p), (p, p)))
        h, w = self.last.shape[1] - k + 1, self.last.shape[2] - k + 1
        out = np.zeros((len(self.weight), h, w), x.dtype)
        for f in range(len(self.weight)):
            for region, i, j in iterate_regions(self.last, k, 1):
                out[f, i, j] = np.sum(region * self.weight[f]) + self.bias[f]
        return out

    def backward(self, d_out, input_grad=True):
        """Returns ``(d_weight, d_bias, d_input or None)``."""
        k, p = self.weight.shape[-1], self.padding
        d_w, d_b = np.zeros_like(self.weight), np.zeros_like(self.bias)
        d_x = np.zeros_like(self.last)
        for f in range(len(self.weight)):
            for region, i, j in iterate_regions(self.last, k, 1):
                g = d_out[f, i, j]
                d_w[f] += g * region
                d_b[f] += g
                if input_grad:
                    d_x[:, i:i + k, j:j + k] += g * self.weight[f]
        h, w = d_x.shape[1:]
        return d_w, d_b, (d_x[:, p:h - p, p:w - p] if input_grad else None)


class NaiveMaxPool:
    """2x2 max pooling, one channel and one window at a time."""

    def forward(self, x):
        self.last = x
        c, h, w = x.shape
        out = np.zeros((c, h // 2, w // 2), x.dtype)
        for ch in range(c):
            for region, i, j in iterate_regions(x[ch], 2, 2):
                out[ch, i, j] = np.max(region)
        return out

    def backward(self, d_out):
        # Ties (blank backgrounds) send the gradient to the first maximum only, as cnn and PyTorch do.
        d_x = np.zeros_like(self.last)
        for ch in range(len(self.last)):
            for region, i, j in iterate_regions(self.last[ch], 2, 2):
                a, b = divmod(int(np.argmax(region)), 2)
                d_x[ch, 2 * i + a, 2 * j + b] = d_out[ch, i, j]
        return d_x


class NaiveDense:
    """Fully connected, one output neuron at a time; weight ``(out, in)``."""

    def __init__(self, weight, bias):
        self.weight, self.bias = weight, bias

    def forward(self, x):
        self.last = x
        out = np.zeros(len(self.weight), x.dtype)
        for o in range(len(self.weight)):
            out[o] = np.sum(x * self.weight[o]) + self.bias[o]
        return out

    def backward(self, d_out):
        d_w, d_x = np.zeros_like(self.weight), np.zeros_like(self.last)
        for o in range(len(self.weight)):
            d_w[o] = d_out[o] * self.last
            d_x += d_out[o] * self.weight[o]
        return d_w, d_out.copy(), d_x


class NaiveNet:
    """``cnn.build_default``'s network, per image. Parameters keep cnn's state-dict keys.

    Args:
        state: ``{"0.weight": ..., "0.bias": ..., "3.*", "7.*", "10.*"}`` (copied).
        dropout: drop probability; rng: ``numpy.random.Generator`` for the dropout masks.
    """

    KEYS = ("0", "3", "7", "10")  # positions of conv1, conv2, dense1, dense2 in cnn's Sequential

    def __init__(self, state, dropout=0.25, rng=None):
        self.state = {k: np.array(v) for k, v in state.items()}
        s = self.state
        self.conv1, self.conv2 = (NaiveConv(s[f"{i}.weight"], s[f"{i}.bias"], 1) for i in self.KEYS[:2])
        self.pool1, self.pool2 = NaiveMaxPool(), NaiveMaxPool()
        self.fc1, self.fc2 = (NaiveDense(s[f"{i}.weight"], s[f"{i}.bias"]) for i in self.KEYS[2:])
        self.p, self.rng = dropout, rng if rng is not None else np.random.default_rng()

    @classmethod
    def from_model(cls, model, rng=None):
        """Same weights and dropout probability as ``model``."""
        return cls(model.state_dict(), _dropout(model).p, rng)

    def forward(self, image, training=False):
        """``(1, 28, 28)`` -> logits ``(10,)``."""
        self.r1 = np.maximum(self.pool1.forward(self.conv1.forward(image)), 0)
        self.r2 = np.maximum(self.pool2.forward(self.conv2.forward(self.r1)), 0)
        self.h = np.maximum(self.fc1.forward(self.r2.reshape(-1)), 0)
        self.mask = None
        if training and self.p:
            keep = self.rng.random(self.h.shape, dtype=np.float32) >= self.p
            self.mask = keep * np.float32(1.0 / (1.0 - self.p))
        return self.fc2.forward(self.h if self.mask is None else self.h * self.mask)

    def backward(self, d_logits):
        """Gradients of one image, keyed like ``cnn``'s parameters."""
        grads = {}
        grads["10.weight"], grads["10.bias"], d = self.fc2.backward(d_logits)
        d = (d if self.mask is None else d * self.mask) * (self.h > 0)
        grads["7.weight"], grads["7.bias"], d = self.fc1.backward(d)
        d = self.pool2.backward(d.reshape(self.r2.shape) * (self.r2 > 0))
        grads["3.weight"], grads["3.bias"], d = self.conv2.backward(d)
        d = self.pool1.backward(d * (self.r1 > 0))
        grads["0.weight"], grads["0.bias"], _ = self.conv1.backward(d, input_grad=False)
        return grads

    def loss_grad(self, image, label, training=True):
        """Softmax cross-entropy of one image: ``(loss, gradients)``."""
        logits = self.forward(image, training)
        e = np.exp(logits - np.max(logits))
        probs = e / np.sum(e)
        d = probs.copy()
        d[label] -= 1
        return -float(np.log(probs[label])), self.backward(d)

    def sgd_step(self, grads, lr):
        """Update every filter / neuron in place, one at a time."""
        for key, g in grads.items():
            for f in range(len(g)):
                self.state[key][f] -= lr * g[f]

    def train_one(self, image, label, lr=0.005):
        loss, grads = self.loss_grad(image, label)
        self.sgd_step(grads, lr)
        return loss


def _dropout(model):
    return next(layer for layer in model.layers if isinstance(layer, cnn.Dropout))


def check(n=2, seed=0, verbose=True):
    """Compare logits and weight gradients with ``cnn`` on ``n`` digit-like images; returns max errors.

    Raises AssertionError naming the key when they disagree (logits: 1e-4 absolute; gradients:
    1e-4 relative to the largest entry). Training mode: the dropout masks come from the same stream.
    """
    rng = np.random.default_rng(seed)
    model = cnn.build_default(rng)
    naive = NaiveNet.from_model(model)
    images = np.zeros((n, 28, 28), np.uint8)
    images[:, 6:22, 6:22] = rng.integers(0, 256, (n, 16, 16))  # strokes on a blank background (ties)
    x = cnn.normalize(images, cnn.normalization.DEFAULT["mean"], cnn.normalization.DEFAULT["std"])
    y = rng.integers(0, 10, n)

    model.eval()
    ref = model.forward(x)
    got = np.stack([naive.forward(img) for img in x])
    errors = {"logits": float(np.abs(got - ref).max())}
    if errors["logits"] >= 1e-4:
        raise AssertionError(f"naive logits differ from cnn by {errors['logits']:.3g}")

    naive.rng = copy.deepcopy(_dropout(model).rng)  # the masks of the model's next forward
    model.train()
    _, grad = cnn.cross_entropy(model.forward(x), y)
    model.backward(grad)
    total = {}
    for img, label in zip(x, y):
        for key, g in naive.loss_grad(img, label)[1].items():
            total[key] = total.get(key, 0) + g / n
    for p in model.parameters():
        err = float(np.abs(total[p.name] - p.grad).max() / max(np.abs(p.grad).max(), 1e-12))
        errors[p.name] = err
        if err >= 1e-4:
            raise AssertionError(f"naive gradient {p.name} differs from cnn's by {err:.3g} (relative); "
                                 "if every key differs, suspect the dropout masks first")
    if verbose:
        print("naive matches cnn: " + ", ".join(f"{k} {v:.1e}" for k, v in errors.items()))
    return errors


if __name__ == "__main__":
    if "--check" not in sys.argv[1:]:
        sys.exit("usage: python bench/naive.py --check   (speed.py times it)")
    check()
