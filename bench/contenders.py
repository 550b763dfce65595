"""The two sides of every pair: ``cnn`` driven the way ``cnn.fit`` drives it, and the same
network in PyTorch. Both expose ``block()``, ``prepare``, ``train_batch``, ``infer``,
``as_called()``, ``predict1`` and ``evaluate``; ``samples.py`` times them alike."""
import contextlib
import copy

import numpy as np

import cnn
from cnn.blas import single_threaded_blas
from cnn.parallel import DataParallel

LR = 1e-3


class Ours:
    """``DataParallel(model, workers)`` inside single-threaded BLAS, then ``dp.step(opt)``."""

    def __init__(self, model, workers):
        self.name, self.threads = f"cnn workers={workers}", workers
        self.model = model
        self.opt = cnn.Adam(model.parameters(), lr=LR)
        self.dp = DataParallel(model, workers)

    def __repr__(self):
        return f"Ours({self.name})"

    def block(self):
        return single_threaded_blas()

    def as_called(self):
        return contextlib.nullcontext()  # predict_proba and evaluate pick their BLAS threads themselves

    def prepare(self, x, y):
        return x, y

    def train_batch(self, x, y):
        self.dp.train(True)
        loss, _ = self.dp.train_step(x, y)
        self.dp.step(self.opt)  # Adam's step split across the workers, as cnn.fit does
        return loss

    def infer(self, x):
        self.dp.train(False)
        return self.dp.forward(x)

    def predict1(self, x):
        return self.model.predict_proba(x)

    def evaluate(self, x, y, prepare):
        """Accuracy from ``cnn.evaluate`` with its defaults, exactly as ``app.py evaluate`` calls it."""
        return cnn.evaluate(self.model, x, y, prepare=prepare).accuracy

    def close(self):
        self.dp.close()


def torch_layer(nn, layer):
    """The PyTorch module computing the same as one ``cnn`` layer, so both nets always match."""
    if isinstance(layer, cnn.Conv2D):
        return nn.Conv2d(layer.in_channels, layer.out_channels, layer.kernel_size, layer.stride,
                         layer.padding)
    if isinstance(layer, cnn.MaxPool2D):
        return nn.MaxPool2d(layer.kernel_size, layer.stride)
    if isinstance(layer, cnn.Dense):
        return nn.Linear(layer.in_features, layer.out_features)
    if isinstance(layer, cnn.Dropout):
        return nn.Dropout(layer.p)
    return {cnn.ReLU: nn.ReLU, cnn.Flatten: nn.Flatten}[type(layer)]()


class Torch:
    """``model`` copied into PyTorch (channels_last, Adam); ``threads`` set before every sample."""

    def __init__(self, torch, model, threads):
        self.torch, self.threads = torch, threads
        self.name = f"PyTorch {threads} thread" + "s" * (threads != 1)
        self.net = torch.nn.Sequential(*(torch_layer(torch.nn, layer) for layer in model.layers))
        # cnn's state-dict keys and layouts are PyTorch's, so the weights copy straight over.
        self.net.load_state_dict({k: torch.from_numpy(v) for k, v in model.state_dict().items()})
        self.net.to(memory_format=torch.channels_last)
        self.opt = torch.optim.Adam(self.net.parameters(), lr=LR)

    def __repr__(self):
        return f"Torch({self.name})"

    def at(self, threads):
        """The same network and optimizer, run on ``threads`` threads."""
        other = copy.copy(self)
        other.threads, other.name = threads, f"PyTorch {threads} thread" + "s" * (threads != 1)
        return other

    def block(self):
        self.torch.set_num_threads(self.threads)
        return contextlib.nullcontext()

    as_called = block

    def prepare(self, x, y):
        t = self.torch.from_numpy(x).contiguous(memory_format=self.torch.channels_last)
        return t, None if y is None else self.torch.from_numpy(np.asarray(y, np.int64))

    def train_batch(self, x, y):
        self.net.train()
        self.opt.zero_grad(set_to_none=True)
        loss = self.torch.nn.functional.cross_entropy(self.net(x), y)
        loss.backward()
        self.opt.step()
        return loss.item()

    def infer(self, x):
        self.net.eval()
        with self.torch.no_grad():
            return self.net(x)

    def predict1(self, x):
        self.net.eval()
        with self.torch.no_grad():
            t = self.torch.from_numpy(x).contiguous(memory_format=self.torch.channels_last)
            return self.torch.softmax(self.net(t), dim=1).numpy()

    def evaluate(self, x, y, prepare, batch_size=1000):
        """Accuracy of an eval loop like ``cnn.evaluate``'s (prepare, log-softmax, loss, argmax)."""
        self.net.eval()
        loss = correct = 0.0
        with self.torch.no_grad():
            for start in range(0, len(y), batch_size):
                xb, yb = self.prepare(prepare(x[start:start + batch_size], None), y[start:start + batch_size])
                logp = self.torch.log_softmax(self.net(xb), dim=1)
                loss -= float(logp.gather(1, yb[:, None]).sum())
                correct += int((logp.argmax(dim=1) == yb).sum())
        return correct / len(y)

    def close(self):
        pass


def import_torch(disabled):
    """``(torch, None)``, or ``(None, why not)``."""
    if disabled:
        return None, "--no-torch given"
    try:
        import torch
    except ImportError as exc:
        return None, f"torch not importable ({exc})"
    return torch, None
