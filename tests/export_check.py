"""export_check.py NET.npz|NET.safetensors X.npy y.npy: runs an exported network in NumPy (the
README's forward pass, every output kind, in the file's dtype) and checks every label."""
import json, struct, sys
import numpy as np


def load(path):
    if path.endswith(".npz"):
        t = dict(np.load(path))
        return t, json.loads(str(t.pop("metadata")))
    raw = open(path, "rb").read()  # safetensors: u64 header length, JSON header, raw tensors
    n = struct.unpack("<Q", raw[:8])[0]
    hdr = json.loads(raw[8:8 + n])
    meta = json.loads(hdr.pop("__metadata__")["mnemo"])
    dt = {"F64": "<f8", "F32": "<f4"}
    t = {k: np.frombuffer(raw[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]],
                          dt[v["dtype"]]).reshape(v["shape"]) for k, v in hdr.items()}
    return t, meta


def forward(t, meta, X):
    X = np.asarray(X, dtype=t["input.center"].dtype)  # compute in the file's dtype
    h = (X - t["input.center"]) * t["input.scale"]
    for i, act in enumerate(meta["activations"]):
        z = h @ t[f"layer{i}.weight"].T + t[f"layer{i}.bias"]
        h = {"relu": np.maximum(z, 0), "step": (z >= 0).astype(z.dtype)}.get(act, z)
    if not meta["classification"]:
        return h[:, 0]  # real targets: the value
    if meta["output"] == "value":  # one output: the class index
        idx = np.rint(h[:, 0])
    elif meta["output"] == "argmax":  # one output per class
        idx = h.argmax(1)
    else:  # "bits": the binary digits of the class index, least significant first
        idx = ((h >= 0.5) * 2.0 ** np.arange(h.shape[1])).sum(1)
    classes = np.array(meta.get("class_names", meta["class_values"]))  # text or integers
    ok = (idx >= 0) & (idx < len(classes))  # else no class: nan
    return np.where(ok, classes[np.where(ok, idx, 0).astype(int)], np.nan)


if __name__ == "__main__":
    t, meta = load(sys.argv[1])
    X, y = np.load(sys.argv[2]), np.load(sys.argv[3])
    pred = forward(t, meta, X)
    assert (pred == y).all(), f"{(pred != y).sum()} of {len(y)} labels wrong"
    print(f"all {len(y)} labels reproduced ({meta['output']}, {meta['dtype']})")
