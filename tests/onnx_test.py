#!/usr/bin/python3
"""ONNX export of every construction: the file passes onnx.checker, and onnxruntime-node (npm,
installed by scripts/install-deps.sh) gives every row the label mnemo's exact prediction gives.
Float64 files, and float32 ones where mnemo export accepts them; with text labels the output
`label` is a string tensor and gives the names.

Usage: onnx_test.py --binary build/mnemo --ort DIR/node_modules/onnxruntime-node
Exits 77 (ctest: skipped) with a message when onnxruntime-node or python3-onnx is absent."""
import argparse, os, subprocess, sys, tempfile
import numpy as np


CONSTRUCTIONS = ["zhang", "bitextract", "vershynin", "baum", "bubeck", "yun"]
HERE = os.path.dirname(os.path.abspath(__file__))


def run(*cmd, code=0):
    r = subprocess.run(cmd, text=True, capture_output=True)
    assert r.returncode == code, f"{' '.join(cmd)}: exit {r.returncode}\n{r.stdout}{r.stderr}"
    return r


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--binary", required=True)
    p.add_argument("--ort", required=True)
    a = p.parse_args()
    try:
        import onnx, onnx.checker
    except ImportError:
        print("SKIPPED: python3-onnx is not installed (scripts/install-deps.sh)")
        return 77
    if not os.path.isdir(a.ort):
        print(f"SKIPPED: onnxruntime-node is not installed at {a.ort} (scripts/install-deps.sh)")
        return 77
    mnemo, checked = a.binary, 0
    with tempfile.TemporaryDirectory(prefix="mnemo_onnx_") as tmp:
        data = os.path.join(tmp, "data.csv")
        # The points as exact decimals (%.17g round-trips binary64): the same data for mnemo
        # and onnxruntime.
        rng = np.random.default_rng(5)
        X = np.round(rng.normal(size=(120, 4)) * 64) / 64  # few fraction bits: float-exact nets
        y = rng.integers(0, 3, 120) * 3 - 2  # labels -2, 1, 4
        np.savetxt(data, np.column_stack([X, y]), delimiter=",", fmt="%.17g")
        text = os.path.join(tmp, "text.csv")  # the same points, labelled in words
        with open(text, "w") as f:
            names = {-2: "cat", 1: "dog", 4: "emu"}
            f.writelines(",".join(f"{v:.17g}" for v in x) + f",{names[int(t)]}\n"
                         for x, t in zip(X, y))
        X.astype("<f8").tofile(os.path.join(tmp, "x.f64"))
        runs = [(c, data, ["float64", "float32"]) for c in CONSTRUCTIONS]
        runs += [(c, text, ["float64"]) for c in CONSTRUCTIONS]
        for c, data, dtypes in runs:
            c_name = c + ("-text" if data == text else "")
            net = os.path.join(tmp, c_name + ".json")
            # bitextract's default weights need more than 53 bits: ask for float64-exact ones.
            extra = ["--max-weight-bits", "53"] if c == "bitextract" else []
            run(mnemo, "build", data, "-c", c, "-o", net, *extra)
            want = run(mnemo, "predict", net, data).stdout.split("\n")[1:-1]
            want = [line.split(",")[1] for line in want]
            for dtype in dtypes:
                model = os.path.join(tmp, f"{c_name}.{dtype}.onnx")
                r = subprocess.run([mnemo, "export", net, "--dtype", dtype, "-o", model],
                                   text=True, capture_output=True)
                if r.returncode == 1 and dtype == "float32":
                    assert "refused" in r.stderr and not os.path.exists(model), r.stderr
                    continue
                assert r.returncode == 0, r.stderr
                onnx.checker.check_model(onnx.load(model), full_check=True)
                got = run("node", os.path.join(HERE, "onnx_run.js"), a.ort, model,
                          os.path.join(tmp, "x.f64"), "120", "4", dtype).stdout.split()
                wrong = sum(g != w for g, w in zip(got, want)) + abs(len(got) - len(want))
                assert wrong == 0, f"{c_name} {dtype}: onnxruntime gets {wrong} of 120 labels wrong"
                print(f"{c_name} {dtype}: onnx.checker ok, onnxruntime-node gives all 120 labels")
                checked += 1
    print(f"{checked} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
