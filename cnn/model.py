"""Sequential: layers applied in order, with PyTorch-style state dicts."""
from dataclasses import dataclass

import numpy as np

from .blas import single_threaded_blas
from .layers.conv_pool import ConvPool, fusable
from .loss import softmax


@dataclass(slots=True)
class Parameter:
    """A live view of one weight array and its gradient (in-place updates reach the layer)."""
    name: str
    data: np.ndarray
    grad: np.ndarray


class StateDictError(ValueError):
    """A state dict that does not fit the model; the message names every offending key."""


class Sequential:
    """Chains layers: ``forward`` left to right, ``backward`` right to left.

    ``backward`` returns the gradient of the input only with ``input_grad=True``: a network's
    input is data, so by default its first layer skips that work (a conv saves its col2im).

    Example:
        >>> import numpy as np
        >>> from cnn import Dense, ReLU, Sequential
        >>> rng = np.random.default_rng(0)
        >>> model = Sequential([Dense(4, 8, rng=rng), ReLU(), Dense(8, 2, rng=rng)])
        >>> model.predict_proba(np.ones((1, 4), np.float32)).shape
        (1, 2)
    """

    def __init__(self, layers):
        self.layers = list(layers)
        self._steps = None  # what the last forward pass ran, for backward

    def forward(self, x):
        """The layers in order; a one-channel conv and its 2x2 pooling run as one ``ConvPool`` step."""
        steps, i = [], 0
        while i < len(self.layers):
            if i + 1 < len(self.layers) and fusable(self.layers[i], self.layers[i + 1], x):
                step, i = ConvPool(self.layers[i], self.layers[i + 1]), i + 2
            else:
                step, i = self.layers[i], i + 1
            x = step.forward(x)
            steps.append(step)
        self._steps = steps
        return x

    __call__ = forward

    def backward(self, grad, input_grad=False):
        steps = self._steps if self._steps is not None else self.layers
        for step in reversed(steps[1:]):
            grad = step.backward(grad)
        if not steps:
            return grad
        first = steps[0]
        if not input_grad and getattr(first, "can_skip_input_grad", False):
            return first.backward(grad, input_grad=False)
        return first.backward(grad)

    def train(self, mode=True):
        for layer in self.layers:
            layer.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def to(self, dtype):
        for layer in self.layers:
            layer.to(dtype)
        return self

    @property
    def training(self):
        return any(layer.training for layer in self.layers)

    def predict_proba(self, x):
        """Class probabilities ``(N, K)`` for input ``x``, in eval mode (the mode is restored).

        BLAS runs on this thread only: waking its worker threads costs more than a small batch.
        """
        was_training = self.training
        if was_training:
            self.eval()
        try:
            with single_threaded_blas():
                return softmax(self.forward(np.asarray(x, dtype=np.float32)))
        finally:
            if was_training:
                self.train()

    def activations(self, x):
        """Every layer's output for input ``x`` in eval mode: a list of ``(layer, output)``.

        For looking inside the network (feature maps); the last entry holds the logits.
        """
        was_training = self.training
        self.eval()
        outputs = []
        try:
            with single_threaded_blas():
                for layer in self.layers:
                    x = layer.forward(x)
                    outputs.append((layer, x))
        finally:
            self.train(was_training)
        return outputs

    def parameters(self):
        """``Parameter(name, data, grad)`` for every weight, for the optimizers; arrays are live."""
        return [Parameter(f"{i}.{key}", layer.params[key], layer.grads[key])
                for i, layer in enumerate(self.layers) for key in layer.params]

    def state_dict(self):
        """Copies of every parameter, keyed ``"<layer index>.<name>"`` like PyTorch."""
        return {p.name: p.data.copy() for p in self.parameters()}

    def load_state_dict(self, state, strict=True):
        """Copy ``state`` into the model in place (so replicas sharing the arrays see it too).

        Raises ``StateDictError`` naming mis-shaped keys, and with ``strict`` missing and
        unexpected ones; nothing is changed unless every key fits.
        """
        own = {p.name: p.data for p in self.parameters()}
        missing = sorted(own.keys() - state.keys())
        unexpected = sorted(state.keys() - own.keys())
        misshaped = [f"{k}: expected {own[k].shape}, got {np.shape(state[k])}"
                     for k in sorted(own.keys() & state.keys()) if own[k].shape != np.shape(state[k])]
        problems = [f"mis-shaped keys: {', '.join(misshaped)}"] if misshaped else []
        if strict and missing:
            problems.append(f"missing keys: {', '.join(missing)}")
        if strict and unexpected:
            problems.append(f"unexpected keys: {', '.join(unexpected)}")
        if problems:
            raise StateDictError("state dict does not fit the model; " + "; ".join(problems))
        for key in own.keys() & state.keys():
            own[key][...] = state[key]

    def replicate(self):
        """A twin sharing the parameter arrays, with its own gradients and caches (for a thread)."""
        twin = Sequential([layer.replicate() for layer in self.layers])
        return twin

    def __repr__(self):
        inner = "\n".join(f"  ({i}): {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential(\n{inner}\n)"
