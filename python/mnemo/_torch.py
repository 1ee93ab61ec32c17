"""mnemo.to_torch: an exact mnemo network as a torch.nn.Module.

The module takes raw inputs (rows × d) and returns the labels (int64, or the value for real
targets); `module.outputs(x)` gives the last layer's values. It contains the input map
((x − centre)·2^−s), every affine map as an nn.Linear, step activations (1 if z ≥ 0) and the
output decoding ("value": rint, "argmax", "bits": Σ [y_b ≥ ½]·2^b). Rows with no class get
`module.no_class` (the smallest int64). A network with text labels ("cat", "dog") returns the
class index instead, and `module.class_names[index]` is the label (`module.names(x)` does it).
float64 is the default; float32 is given only when the
network is exact in float32 on `data` (checked by mnemo, as `mnemo verify --mode float32`), and
any dtype given `data` is checked the same way (mnemo.Error when a row would be wrong, unless
allow_inexact).
"""
import numpy as np
import torch

from . import _mnemo


class Step(torch.nn.Module):
    """1 where z ≥ 0, else 0 (the exact networks' threshold)."""

    def forward(self, z):
        return (z >= 0).to(z.dtype)


class MnemoModule(torch.nn.Module):
    def __init__(self, net, dtype):
        super().__init__()
        d = net.d
        center = [float(c) for c in net.input_center] or [0.0] * d
        self.register_buffer("center", torch.tensor(center, dtype=dtype))
        self.register_buffer("scale", torch.tensor(2.0 ** -net.input_scale_log2, dtype=dtype))
        acts = {"identity": torch.nn.Identity, "relu": torch.nn.ReLU, "step": Step}
        layers = []
        for i, layer in enumerate(net.layers):
            if layer.activation not in acts:
                raise _mnemo.Error(f"layers[{i}]: activation {layer.activation} has no exact "
                                   "torch module here")
            linear = torch.nn.Linear(layer.inputs, layer.outputs, dtype=dtype)
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(net.weight(i)))
                linear.bias.copy_(torch.from_numpy(layer.bias))
            layers += [linear, acts[layer.activation]()]
        self.layers = torch.nn.Sequential(*layers)
        self.kind = net.output
        self.classification = net.classification
        self.register_buffer("class_values", torch.tensor(list(net.class_values) or [0],
                                                          dtype=torch.int64))
        self.class_names = list(net.class_names)
        if self.class_names:  # text labels: the module returns the class index
            self.class_values = torch.arange(len(self.class_names), dtype=torch.int64)
        self.no_class = torch.iinfo(torch.int64).min

    def names(self, x):
        """The text labels of x's rows (None where the network gives no class)."""
        if not self.class_names:
            raise _mnemo.Error("names(): the network's labels are integers; call the module")
        return [None if i == self.no_class else self.class_names[i] for i in self(x).tolist()]

    def outputs(self, x):
        x = torch.as_tensor(x).to(self.center.dtype)
        return self.layers((x - self.center) * self.scale)

    def forward(self, x):
        y = self.outputs(x)
        if not self.classification:
            return y[:, 0]
        if self.kind == "value":
            idx = torch.round(y[:, 0])  # round half to even, like numpy.rint
        elif self.kind == "argmax":
            idx = y.argmax(1).to(y.dtype)
        else:
            powers = 2.0 ** torch.arange(y.shape[1], dtype=torch.float64)
            idx = ((y >= 0.5).to(torch.float64) * powers).sum(1)
        ok = (idx >= 0) & (idx < len(self.class_values))
        labels = self.class_values[torch.where(ok, idx, torch.zeros_like(idx)).to(torch.int64)]
        return torch.where(ok, labels, torch.full_like(labels, self.no_class))


def to_torch(net, dtype=None, data=None, allow_inexact=False):
    dtype = torch.float64 if dtype is None else dtype
    names = {torch.float64: "float64", torch.float32: "float32"}
    if dtype not in names:
        raise _mnemo.Error(f"to_torch: dtype must be torch.float64 or torch.float32, got {dtype}")
    if dtype == torch.float32 and data is None and not allow_inexact:
        raise _mnemo.Error("to_torch: float32 needs data=... to check that the network is exact "
                           "in float32 (or allow_inexact=True)")
    if data is not None:
        wrong = _mnemo._check_dtype(net, data, names[dtype])["check"]["wrong"]
        if wrong and not allow_inexact:
            raise _mnemo.Error(f"to_torch: in {names[dtype]} the network gets {wrong} rows of "
                               f"{data.source} wrong (a network built with max_weight_bits=53 or 24 may be "
                               "exact), or allow_inexact=True")
    return MnemoModule(net, dtype)
