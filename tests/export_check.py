import json, struct, sys, numpy as np  # export_check.py NET.npz|NET.safetensors X.npy y.npy
path, X, y = sys.argv[1], np.load(sys.argv[2]), np.load(sys.argv[3])
if path.endswith(".npz"):
    t = dict(np.load(path)); meta = json.loads(str(t.pop("metadata")))
else:  # safetensors: u64 header length, JSON header, raw little-endian tensors
    raw = open(path, "rb").read(); n = struct.unpack("<Q", raw[:8])[0]; hdr = json.loads(raw[8:8 + n]); meta = json.loads(hdr.pop("__metadata__")["mnemo"])
    t = {k: np.frombuffer(raw[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]], {"F64": "<f8", "F32": "<f4"}[v["dtype"]]).reshape(v["shape"]) for k, v in hdr.items()}
h = (X - t["input.center"]) * t["input.scale"]
for i, act in enumerate(meta["activations"]):
    z = h @ t[f"layer{i}.weight"].T + t[f"layer{i}.bias"]; h = {"relu": np.maximum(z, 0), "step": (z >= 0) * 1.0}.get(act, z)
pred = np.array(meta["class_values"])[np.rint(h[:, 0]).astype(int) if meta["output"] == "value" else h.argmax(1)]
assert (pred == y).all(), f"{(pred != y).sum()} of {len(y)} labels wrong"; print(f"all {len(y)} labels reproduced")
