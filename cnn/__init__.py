"""A small deep-learning library in pure NumPy (no Qt, no GUI): layers, training, data, weights."""
from . import calibration, negatives, normalization, render
from .evaluate import Evaluation, evaluate
from .layers import Conv2D, Dense, Dropout, Flatten, Layer, MaxPool2D, ReLU
from .loss import cross_entropy, log_softmax, softmax
from .model import Parameter, Sequential, StateDictError
from .network import ARCHITECTURE, ARCHITECTURES, build_default
from .augment import augment
from .download import DownloadCancelled, DownloadError, download_mnist
from .mnist import MnistFormatError, MnistNotFoundError, default_cache_dir, find_mnist_dir, load_mnist
from .normalization import make_prepare, normalize
from .optim import DEFAULT_LR, SGD, Adam, cosine_schedule, make_optimizer
from .writing_styles import add_slashed_zeros, add_writing_styles
from .imagefile import ImageFileError, ImageFileWarning, read_image
from .preprocess import ink_from_image, to_mnist
from .render import render_strokes
from .feature_maps import ConvBlock, conv_blocks, first_conv_weights
from .report import EvaluationReport
from .recipe import RunResult, TrainingConfig, run_training, training_record
from .train import BatchInfo, EpochInfo, History, NonFiniteLossError, fit
from .parallel import DataParallel, default_workers
from .weights import WeightsFileError, load_model, read_weights, save_weights

__all__ = [
    "ARCHITECTURE", "Adam", "BatchInfo", "Conv2D", "Dense", "Dropout", "EpochInfo", "Evaluation",
    "Flatten", "History", "Layer", "MaxPool2D", "NonFiniteLossError", "Parameter", "ReLU", "SGD",
    "Sequential", "StateDictError", "WeightsFileError", "build_default", "cross_entropy", "evaluate",
    "fit", "load_model", "log_softmax", "normalization", "normalize", "read_weights", "save_weights",
    "softmax", "to_mnist", "render_strokes", "ImageFileError", "ImageFileWarning", "read_image", "ink_from_image", "augment", "DownloadCancelled", "DownloadError",
    "download_mnist",
    "MnistFormatError", "MnistNotFoundError", "default_cache_dir", "find_mnist_dir", "load_mnist",
    "make_prepare", "cosine_schedule", "add_slashed_zeros", "add_writing_styles", "make_optimizer", "DEFAULT_LR",
    "ARCHITECTURES", "RunResult", "TrainingConfig", "run_training", "training_record", "ConvBlock", "conv_blocks", "first_conv_weights",
    "EvaluationReport", "DataParallel", "default_workers",
]
