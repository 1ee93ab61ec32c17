"""mnemo: networks that memorize a dataset by construction, proven by exact evaluation.

    import mnemo
    data = mnemo.data(X, y)                      # NumPy arrays (labels: integers or strings)
    data = mnemo.load("synthetic:ball?n=200&d=3&classes=2")   # or any DATA string
    net, report = mnemo.build(data, "zhang")     # report: the build report (dict)
    mnemo.verify(net, data)["all_correct"]       # exact verification (True)
    mnemo.predict(net, X)                        # exact predictions, in your labels
    module = mnemo.to_torch(net)                 # torch.nn.Module (float64) giving the labels

Errors are mnemo.Error (a ValueError) with mnemo's messages.
"""
import numpy as np

from ._mnemo import Dataset, Error, Layer, Network, constructions, from_arrays, inspect, load
from ._mnemo import _build, _export, _predict, _predict_x, _verify

__all__ = ["Dataset", "Error", "Layer", "Network", "build", "constructions", "data", "export",
           "inspect", "load", "predict", "to_torch", "verify"]


def data(X, y, name="arrays"):
    """A Dataset from NumPy arrays: X (rows × features, float or uint8), y (integer class labels,
    string class labels, or real targets)."""
    y = np.asarray(y)
    names = []
    if y.dtype.kind in "USO":  # text labels: classes in sorted order, kept as class_names
        names = sorted(set(str(v) for v in y))
        index = {v: i for i, v in enumerate(names)}
        y = np.array([index[str(v)] for v in y], dtype=np.float64)
    return from_arrays(np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64).tolist(),
                       name, names)


def build(data, construction, seed=1, verify=True, attempts=0, **options):
    """Runs a construction on the data (mnemo build): returns (network or None, report dict).
    Options are the construction's (`mnemo list --long`), e.g. depth=12, max_weight_bits=53."""
    return _build(construction, data, seed, verify, attempts, options)


def verify(net, data, mode="exact"):
    """Checks the network on every row (mnemo verify): a dict with all_correct, checked,
    mismatches, first_mismatches, min_margin_exact. mode: exact | float64 | both | float32."""
    return _verify(net, data, mode)


def predict(net, X):
    """Exact predictions for X (an array of raw inputs, or a Dataset): a NumPy array of your
    labels (int64; object dtype with str for text labels, None where the network gives no
    class, Fractions for real targets)."""
    out = _predict(net, X) if isinstance(X, Dataset) else _predict_x(net, np.asarray(X, float))
    if net.classification and not net.class_names and all(v is not None for v in out):
        return np.array(out, dtype=np.int64)
    return np.array(out, dtype=object)


def export(net, path, data, format="", dtype="float64", allow_inexact=False):
    """Writes the float export (npz, safetensors) after running it in its dtype on `data`;
    raises mnemo.Error when a row would be wrong unless allow_inexact. Returns the check."""
    return _export(net, path, format, dtype, data, allow_inexact)


def to_torch(net, dtype=None, data=None, allow_inexact=False):
    """A torch.nn.Module computing the network's labels (see mnemo._torch)."""
    from ._torch import to_torch as convert
    return convert(net, dtype=dtype, data=data, allow_inexact=allow_inexact)
