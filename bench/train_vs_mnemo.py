#!/usr/bin/python3
"""Side by side: training an MLP to 100 % training accuracy vs mnemo's constructed network.

On the first N Fashion-MNIST training images, trains a PyTorch MLP 784-H-H-10 (ReLU, Adam,
lr 1e-3, batch 128, inputs scaled to [0, 1]) until every training image is classified
correctly, then runs `mnemo build fashion-mnist --limit N -c bitextract ...` (build + exact
verification) on the same images, and prints time, nonzero parameters and total weight bits of
both and their ratios (trained / mnemo). The trained network's bits are 32 per float32 weight;
mnemo's are its exact fixed-point bits (NetworkStats::total_weight_bits).

    /usr/bin/python3 bench/train_vs_mnemo.py --n 10000 [--hidden 1024] [--mnemo build/mnemo]
        [--mnemo-args "--minimize params"] [--max-epochs 200] [--json]

Needs Debian's python3-torch and python3-numpy (scripts/install-deps.sh).
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

FASHION = "/usr/share/datasets/fashion-mnist"


def load_fashion(n):
    with gzip.open(os.path.join(FASHION, "train-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)[:n]
    with gzip.open(os.path.join(FASHION, "train-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)[:n]
    return images, labels


def train(images, labels, hidden, max_epochs, seed):
    """Seconds to 100 % training accuracy, the parameter count, the epochs."""
    torch.manual_seed(seed)
    x = torch.tensor(images, dtype=torch.float32) / 255.0
    y = torch.tensor(labels, dtype=torch.long)
    model = torch.nn.Sequential(
        torch.nn.Linear(784, hidden), torch.nn.ReLU(),
        torch.nn.Linear(hidden, hidden), torch.nn.ReLU(),
        torch.nn.Linear(hidden, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    t0 = time.perf_counter()
    for epoch in range(1, max_epochs + 1):
        perm = torch.randperm(len(y))
        model.train()
        for i in range(0, len(y), 128):
            idx = perm[i:i + 128]
            opt.zero_grad()
            loss_fn(model(x[idx]), y[idx]).backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            correct = int((model(x).argmax(1) == y).sum())
        if correct == len(y):
            params = sum(p.numel() for p in model.parameters())
            nonzero = sum(int((p != 0).sum()) for p in model.parameters())
            return time.perf_counter() - t0, params, nonzero, epoch
    raise SystemExit(f"train_vs_mnemo: no 100 % training accuracy after {max_epochs} epochs")


def run_mnemo(binary, n, extra):
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [binary, "build", "fashion-mnist", "--limit", str(n), "-c", "bitextract",
               *extra.split(), "-o", os.path.join(tmp, "net.json"), "--json"]
        t0 = time.perf_counter()
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        seconds = time.perf_counter() - t0
    row = json.loads(out)
    if row["status"] != "success" or not row["verification"]["all_correct"]:
        raise SystemExit(f"train_vs_mnemo: mnemo did not verify: {row['reason']}")
    return seconds, row


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--hidden", type=int, default=1024)
    ap.add_argument("--max-epochs", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--mnemo", default=os.path.join(os.path.dirname(__file__), "..", "build", "mnemo"))
    ap.add_argument("--mnemo-args", default="--minimize params")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    images, labels = load_fashion(a.n)
    t_train, params, nonzero, epochs = train(images, labels, a.hidden, a.max_epochs, a.seed)
    t_mnemo, row = run_mnemo(a.mnemo, a.n, a.mnemo_args)
    net = row["network"]
    result = {
        "n": a.n, "hidden": a.hidden, "epochs": epochs,
        "train_seconds": t_train, "train_params": params, "train_nonzero": nonzero,
        "train_bits": 32 * nonzero,
        "mnemo_args": a.mnemo_args, "mnemo_seconds": t_mnemo,
        "mnemo_build_s": row["timings_s"].get("build"), "mnemo_verify_s": row["timings_s"].get("verify"),
        "mnemo_width": net["width"], "mnemo_depth": net["depth"],
        "mnemo_nonzero": net["params_nonzero"], "mnemo_bits": net["total_weight_bits"],
    }
    result["time_ratio"] = t_train / t_mnemo
    result["params_ratio"] = nonzero / net["params_nonzero"]
    result["bits_ratio"] = 32 * nonzero / net["total_weight_bits"]
    if a.json:
        print(json.dumps(result))
        return
    print(f"N = {a.n} Fashion-MNIST training images (first N), every one memorized")
    print(f"{'':28}{'trained MLP':>16}{'mnemo bitextract':>18}{'ratio':>10}")
    print(f"{'time to 100 % / verified (s)':28}{t_train:16.1f}{t_mnemo:18.1f}{result['time_ratio']:10.2f}")
    print(f"{'nonzero parameters':28}{nonzero:16,}{net['params_nonzero']:18,}{result['params_ratio']:10.1f}")
    print(f"{'total weight bits':28}{32 * nonzero:16,}{net['total_weight_bits']:18,}{result['bits_ratio']:10.1f}")
    print(f"MLP 784-{a.hidden}-{a.hidden}-10, Adam, {epochs} epochs")
    print(f"mnemo {a.mnemo_args}: {net['width']} x {net['depth']}, "
          f"exact verification on every image")


if __name__ == "__main__":
    sys.exit(main())
