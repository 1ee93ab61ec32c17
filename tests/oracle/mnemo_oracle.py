"""An independent exact evaluator for mnemo network files, written from docs/network-format.md
(not from the C++ code): standard library only, every number a fractions.Fraction.

    /usr/bin/python3 tests/oracle/mnemo_oracle.py NET.json DATA.csv   # prints row,prediction
"""
import json
import sys
from fractions import Fraction


def integer(v):
    if isinstance(v, bool) or not isinstance(v, (int, str)):
        raise ValueError(f"not an integer: {v!r}")
    return int(v)


def rational(text):
    if "/" in text:
        p, q = text.split("/")
        return Fraction(int(p), int(q))
    return Fraction(int(text))


class Network:
    def __init__(self, doc):
        version = integer(doc["version"])
        assert doc["format"] == "mnemo-network" and 1 <= version <= 2
        labels = doc["labels"]
        self.classes = labels["kind"] == "classes"
        self.values = [integer(v) for v in labels.get("values", [])] if self.classes else []
        # Version 2: text labels, index c ↦ names[c] (the user's labels are then the names).
        self.names = labels.get("names")
        if self.names is not None:
            assert version >= 2 and self.classes and len(self.names) == len(self.values)
            assert all(isinstance(s, str) for s in self.names)
            assert len(set(self.names)) == len(self.names)
        self.labels = self.names if self.names is not None else self.values
        self.output = doc["output"]
        self.center = [rational(c) for c in doc["input"]["center"]]
        s = integer(doc["input"]["scale_log2"])
        self.scale = Fraction(1, 2 ** s) if s >= 0 else Fraction(2 ** -s)
        self.layers = []
        for layer in doc["layers"]:
            den = integer(layer["denominator"])
            rp = [integer(v) for v in layer["row_ptr"]]
            col = [integer(v) for v in layer["col"]]
            w = [Fraction(integer(v), den) for v in layer["weight"]]
            rows = [[(col[k], w[k]) for k in range(rp[j], rp[j + 1])]
                    for j in range(integer(layer["outputs"]))]
            bias = [Fraction(integer(v), den) for v in layer["bias"]]
            self.layers.append((rows, bias, layer["activation"]))

    def evaluate(self, x):
        """The last layer's exact values for one raw input row (floats, taken exactly)."""
        c = self.center or [Fraction(0)] * len(x)
        h = [(Fraction(v) - c[j]) * self.scale for j, v in enumerate(x)]
        for rows, bias, act in self.layers:
            z = [b + sum((w * h[k] for k, w in row), Fraction(0)) for row, b in zip(rows, bias)]
            if act == "relu":
                z = [max(v, Fraction(0)) for v in z]
            elif act == "step":
                z = [Fraction(1 if v >= 0 else 0) for v in z]
            elif act != "identity":
                raise ValueError(f"no exact evaluation for {act}")
            h = z
        return h

    def decide(self, y):
        """Class index (None: no class) for classes, the exact value for real targets."""
        if not self.classes:
            return y[0]
        n = len(self.values)
        if self.output == "value":
            v = y[0]
            return int(v) if v.denominator == 1 and 0 <= v < n else None
        if self.output == "argmax":
            best = max(y)
            return y.index(best) if y.count(best) == 1 else None
        if any(v not in (0, 1) for v in y):
            return None
        index = sum(int(v) << b for b, v in enumerate(y))
        return index if index < n else None

    def expected_index(self, label):
        return self.labels.index(label) if label in self.labels else None

    def margin(self, y, label):
        """The documented margin for a row with user label (classes) or target (real)."""
        if not self.classes:
            return -abs(y[0] - label)
        t = self.expected_index(label)
        if t is None:
            return Fraction(-1)
        if self.output == "value":
            return Fraction(1, 2) - abs(y[0] - t)
        if self.output == "argmax":
            others = [v for c, v in enumerate(y) if c != t]
            return y[t] - max(others) if others else Fraction(1)
        return Fraction(1, 2) - max(abs(v - ((t >> b) & 1)) for b, v in enumerate(y))

    def prediction(self, y):
        """What `mnemo predict` prints, as a value: a label, None, or a Fraction."""
        d = self.decide(y)
        if not self.classes:
            return d
        return None if d is None else self.labels[d]

    def right(self, y, label):
        if not self.classes:
            return y[0] == label
        t = self.expected_index(label)
        return t is not None and self.decide(y) == t


def load(path):
    with open(path) as f:
        return Network(json.load(f))


def read_csv(path):
    """Rows of floats and the label (last column: a number, or text), as mnemo reads a
    headerless CSV."""
    rows, labels = [], []
    with open(path) as f:
        for line in f:
            if line.strip():
                cells = line.strip().split(",")
                rows.append([float(c) for c in cells[:-1]])
                try:
                    labels.append(float(cells[-1]))
                except ValueError:
                    labels.append(cells[-1])
    return rows, labels


def target_of(net, label):
    """A label as the network compares it, as the user writes it: text, an integer class label,
    or the exact target."""
    if isinstance(label, str):
        return label
    if net.classes:
        return str(int(label)) if net.names is not None else int(label)
    return Fraction(label)


if __name__ == "__main__":
    network = load(sys.argv[1])
    xs, _ = read_csv(sys.argv[2])
    print("row,prediction")
    for i, x in enumerate(xs):
        p = network.prediction(network.evaluate(x))
        print(f"{i},{'none' if p is None else p}")
