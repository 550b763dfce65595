"""A small deep-learning library in pure NumPy (no Qt, no GUI): layers, training, data, weights."""
from . import normalization
from .evaluate import Evaluation, evaluate
from .layers import Conv2D, Dense, Dropout, Flatten, Layer, MaxPool2D, ReLU
from .loss import cross_entropy, log_softmax, softmax
from .model import Parameter, Sequential, StateDictError
from .network import ARCHITECTURE, build_default
from .normalization import normalize
from .optim import SGD, Adam
from .train import BatchInfo, EpochInfo, History, NonFiniteLossError, fit
from .weights import WeightsFileError, load_model, read_weights, save_weights

__all__ = [
    "ARCHITECTURE", "Adam", "BatchInfo", "Conv2D", "Dense", "Dropout", "EpochInfo", "Evaluation",
    "Flatten", "History", "Layer", "MaxPool2D", "NonFiniteLossError", "Parameter", "ReLU", "SGD",
    "Sequential", "StateDictError", "WeightsFileError", "build_default", "cross_entropy", "evaluate",
    "fit", "load_model", "log_softmax", "normalization", "normalize", "read_weights", "save_weights",
    "softmax",
]
