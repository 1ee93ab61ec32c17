"""Mutation test: `mnemo verify` and `mnemo predict` must agree with the independent oracle
(mnemo_oracle.py) on every row of networks built by every construction and then mutated
(numerators ±1 and ±huge, sign flips, denominators, activation swaps, exact-zero
pre-activations, output ties, label-map and input-map changes, output kinds).

    /usr/bin/python3 tests/oracle/mutation_test.py MNEMO WORKDIR [--comparisons N] [--rows R]
        [--seed S]

A row comparison is one row of one mutant checked for `predict` or for `verify`. Exit 0 when
all agree (and at least N comparisons were made), 1 on the first disagreement (printed).
"""
import argparse
import copy
import json
import os
import random
import subprocess
import sys
import time
from fractions import Fraction

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mnemo_oracle as oracle  # noqa: E402

CONSTRUCTIONS = {
    "classes": [["zhang"], ["bitextract"], ["bitextract", "--depth", "14"], ["baum"],
                ["bubeck"], ["yun"], ["vershynin", "--n1", "96", "--code-width", "48", "--s", "6"]],
    "real": [["zhang"], ["bubeck"], ["yun"]],
    "tiny": [["zhang"], ["bitextract"], ["yun"]],
    "text": [["zhang"], ["bitextract"], ["bubeck"], ["yun"]],
}


def write_data(path, kind, rows, rng):
    """Headerless CSV, label last. classes: labels from a small set of odd integers; real:
    dyadic targets; tiny: classes on coordinates near 1e-300; text: text class labels."""
    seen = set()
    lines = []
    while len(lines) < rows:
        d = 2 if kind == "real" else 3
        if kind == "tiny":
            x = tuple(rng.randint(-64, 64) * 1e-300 for _ in range(d))
        else:
            x = tuple(rng.randint(-256, 256) / 128 for _ in range(d))
        if x in seen:
            continue
        seen.add(x)
        if kind == "text":
            label = rng.choice(["cat", "dog", "emu", "gnu"])
        else:
            label = repr(rng.randint(-512, 512) / 256 if kind == "real" else rng.choice([-3, 0, 7, 12]))
        lines.append(",".join(repr(v) for v in x) + "," + label)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def run(mnemo, *args):
    p = subprocess.run([mnemo, *args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


# ---------------------------------------------------------------- mutations

def layer_count(doc):
    return len(doc["layers"])


def pick_nonzero(doc, rng):
    layers = [i for i, l in enumerate(doc["layers"]) if l["weight"]]
    if not layers:
        return None
    li = rng.choice(layers)
    return li, rng.randrange(len(doc["layers"][li]["weight"]))


def m_weight(doc, rng, _ctx):
    pick = pick_nonzero(doc, rng)
    if pick is None:
        return
    li, k = pick
    w = doc["layers"][li]["weight"]
    v = int(w[k])
    change = rng.choice(["+1", "-1", "flip", "+huge", "-huge", "zero"])
    huge = 2 ** rng.choice([63, 64, 127, 128, 200, 1100])
    v = {"+1": v + 1, "-1": v - 1, "flip": -v, "+huge": v + huge, "-huge": v - huge, "zero": 0}[change]
    w[k] = str(v)


def m_bias(doc, rng, _ctx):
    layer = rng.choice(doc["layers"])
    j = rng.randrange(len(layer["bias"]))
    v = int(layer["bias"][j])
    layer["bias"][j] = str(rng.choice([v + 1, v - 1, -v, v + 2 ** 70, v - 2 ** 1030]))


def m_denominator(doc, rng, _ctx):
    layer = rng.choice(doc["layers"])
    den = int(layer["denominator"])
    layer["denominator"] = str(rng.choice([den * 3, den + 1, den * 2 ** 64, 2 ** 127 - 1]))


def m_activation(doc, rng, _ctx):
    layer = rng.choice(doc["layers"])
    layer["activation"] = rng.choice(["identity", "relu", "step"])


def m_zero_preactivation(doc, rng, ctx):
    """Makes one neuron's pre-activation exactly 0 on one data row."""
    net = oracle.Network(doc)
    li = rng.randrange(layer_count(doc))
    x = rng.choice(ctx["rows"])
    h = net.evaluate_prefix(x, li)
    layer = doc["layers"][li]
    j = rng.randrange(len(layer["bias"]))
    rp, col = layer["row_ptr"], layer["col"]
    s = sum((int(layer["weight"][k]) * h[int(col[k])] for k in range(int(rp[j]), int(rp[j + 1]))),
            Fraction(0))
    q = s.denominator
    for k in range(int(rp[j]), int(rp[j + 1])):
        layer["weight"][k] = str(int(layer["weight"][k]) * q)
    layer["bias"][j] = str(-s.numerator)


def m_tie(doc, rng, ctx):
    """argmax: two outputs equal on one row; value: the output exactly halfway or integral."""
    net = oracle.Network(doc)
    last = doc["layers"][-1]
    x = rng.choice(ctx["rows"])
    h = net.evaluate_prefix(x, layer_count(doc) - 1)
    den = int(last["denominator"])
    rp, col = last["row_ptr"], last["col"]

    def numerator(j):
        return sum((int(last["weight"][k]) * h[int(col[k])] for k in range(int(rp[j]), int(rp[j + 1]))),
                   Fraction(0)) + int(last["bias"][j])

    outs = len(last["bias"])
    if outs >= 2:
        a, b = rng.sample(range(outs), 2)
        diff = numerator(a) - numerator(b)
        if diff.denominator == 1:
            last["bias"][b] = str(int(last["bias"][b]) + int(diff))
    else:
        target = Fraction(rng.choice([1, 2, 3]), 2) * den
        diff = target - numerator(0)
        if diff.denominator == 1:
            last["bias"][0] = str(int(last["bias"][0]) + int(diff))


def m_labels(doc, rng, _ctx):
    labels = doc["labels"]
    if labels["kind"] != "classes":
        return
    if "names" in labels and rng.random() < 0.7:  # text labels: mutate the names
        names = labels["names"]
        change = rng.choice(["shuffle", "replace", "duplicate"])
        if change == "shuffle":
            rng.shuffle(names)
        elif change == "replace":
            names[rng.randrange(len(names))] = rng.choice(["cow", "7", "", "dog"])
        elif len(names) >= 2:
            names[0] = names[1]  # invalid: the loader must reject it
        return
    values = labels["values"]
    change = rng.choice(["shuffle", "replace", "duplicate"])
    if change == "shuffle":
        rng.shuffle(values)
    elif change == "replace":
        values[rng.randrange(len(values))] = max(int(v) for v in values) + rng.randint(1, 5)
    elif len(values) >= 2:
        values[0] = values[1]  # invalid: the loader must reject it


def m_input(doc, rng, _ctx):
    inp = doc["input"]
    if rng.random() < 0.5:
        inp["scale_log2"] = int(inp["scale_log2"]) + rng.choice([-1, 1])
    elif inp["center"]:
        j = rng.randrange(len(inp["center"]))
        inp["center"][j] = str(oracle.rational(inp["center"][j]) + Fraction(rng.choice([1, -1]), 3))


def m_output(doc, rng, _ctx):
    if len(doc["layers"][-1]["bias"]) == 1 and doc["labels"]["kind"] == "classes":
        doc["output"] = rng.choice(["value", "bits"])


MUTATIONS = [m_weight, m_weight, m_bias, m_denominator, m_activation, m_zero_preactivation,
             m_zero_preactivation, m_tie, m_tie, m_labels, m_input, m_output]


def evaluate_prefix(self, x, layers):
    """The values entering layer `layers` (exact)."""
    saved = self.layers
    self.layers = saved[:layers]
    try:
        return oracle.Network.evaluate(self, x)
    finally:
        self.layers = saved


oracle.Network.evaluate_prefix = evaluate_prefix


# ---------------------------------------------------------------- comparison

def parse_prediction(text, net):
    if text == "none":
        return None
    if net.classes:
        return text if net.names is not None else int(text)
    if "/" in text or "." not in text and "e" not in text and "inf" not in text:
        return oracle.rational(text)
    value = Fraction(float(text))
    if repr(float(text)) != repr(float(repr(float(text)))):
        raise AssertionError(f"not a binary64 decimal: {text}")
    return value


def check_mutant(mnemo, path, doc, data_path, rows, labels):
    """Returns the number of row comparisons; raises AssertionError on a disagreement."""
    try:
        net = oracle.Network(doc)
        valid = not (net.classes and len(set(net.values)) != len(net.values))
    except (ValueError, KeyError, AssertionError, ZeroDivisionError):
        valid = False
    rc, out, err = run(mnemo, "predict", path, data_path)
    if not valid:
        if rc != 2 or err.count("\n") != 1 or not err.startswith("mnemo: error: "):
            raise AssertionError(f"invalid file accepted or badly rejected: rc {rc}: {err}")
        return 1
    if rc != 0:
        raise AssertionError(f"predict failed (rc {rc}): {err}")
    got = [line.split(",", 1)[1] for line in out.strip().split("\n")[1:]]
    outputs = [net.evaluate(x) for x in rows]
    for i, y in enumerate(outputs):
        want = net.prediction(y)
        have = parse_prediction(got[i], net)
        if want != have:
            raise AssertionError(f"predict row {i}: oracle {want}, mnemo {got[i]}")
    rc, out, err = run(mnemo, "verify", path, data_path, "--json", "--max-reported", "1000000")
    report = json.loads(out)
    targets = [oracle.target_of(net, v) for v in labels]
    wrong = [i for i, y in enumerate(outputs) if not net.right(y, targets[i])]
    mnemo_wrong = [m["index"] for m in report["first_mismatches"]]
    if wrong != mnemo_wrong or report["mismatches"] != len(wrong) or rc != (1 if wrong else 0):
        raise AssertionError(f"verify: oracle wrong rows {wrong[:10]}, mnemo {mnemo_wrong[:10]} (rc {rc})")
    margin = min(net.margin(y, targets[i]) for i, y in enumerate(outputs))
    if oracle.rational(report["min_margin_exact"]) != margin:
        raise AssertionError(f"verify: margin oracle {margin}, mnemo {report['min_margin_exact']}")
    return 2 * len(rows)


def build_networks(mnemo, work, rows_per_set, rng):
    built = []
    for kind, recipes in CONSTRUCTIONS.items():
        data = os.path.join(work, f"{kind}.csv")
        write_data(data, kind, rows_per_set, rng)
        for i, recipe in enumerate(recipes):
            path = os.path.join(work, f"{kind}-{recipe[0]}-{i}.json")
            rc, _, err = run(mnemo, "build", data, "-c", *recipe, "-o", path)
            if rc == 0:
                built.append((path, data))
            else:
                print(f"note: {kind} {' '.join(recipe)}: not built ({err.strip()[:120]})")
    return built


def report_progress(total, goal, mutants, elapsed):
    """One line on stderr: comparisons so far, mutants, elapsed time and the time left at this
    rate."""
    left = elapsed * (goal - total) / total if total else float("nan")
    print(f"oracle: {total}/{goal} row comparisons ({100 * total / goal:.1f}%), {mutants} mutants, "
          f"{elapsed / 60:.1f} min elapsed, ~{left / 60:.1f} min left", file=sys.stderr, flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mnemo")
    ap.add_argument("work")
    ap.add_argument("--comparisons", type=int, default=10000)
    ap.add_argument("--rows", type=int, default=48)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--progress", type=float, default=0,
                    help="every SECONDS, a progress line on stderr (0: none)")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    rng = random.Random(args.seed)
    built = build_networks(args.mnemo, args.work, args.rows, rng)
    if len(built) < 10:
        print(f"only {len(built)} networks were built")
        print("0 passed, 1 failed")
        return 1
    total = mutants = 0
    start = last = time.monotonic()
    while total < args.comparisons:
        if args.progress > 0 and time.monotonic() - last >= args.progress:
            last = time.monotonic()
            report_progress(total, args.comparisons, mutants, last - start)
        path, data = built[mutants % len(built)]
        with open(path) as f:
            doc = json.load(f)
        rows, labels = oracle.read_csv(data)
        ctx = {"rows": rows}
        mutant = copy.deepcopy(doc)
        for _ in range(rng.randint(0 if mutants < len(built) else 1, 3)):
            rng.choice(MUTATIONS)(mutant, rng, ctx)
        mpath = os.path.join(args.work, "mutant.json")
        with open(mpath, "w") as f:
            json.dump(mutant, f)
        try:
            total += check_mutant(args.mnemo, mpath, mutant, data, rows, labels)
        except AssertionError as e:
            keep = os.path.join(args.work, f"disagreement-{mutants}.json")
            os.replace(mpath, keep)
            print(f"DISAGREEMENT on {keep} (from {path}, data {data}): {e}")
            print(f"{mutants} passed, 1 failed")
            return 1
        mutants += 1
    print(f"{total} row comparisons on {mutants} mutants of {len(built)} networks: all agree")
    print(f"{mutants} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
