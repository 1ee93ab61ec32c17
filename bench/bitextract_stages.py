#!/usr/bin/python3
"""Where a bitextract network's parameters and weight bits go, stage by stage.

    /usr/bin/python3 bench/bitextract_stages.py NETWORK.json [--json]

Reads a network written by `mnemo build DATA -c bitextract -o NETWORK.json` and splits its
layers by the stages of constructions/README.md (bitextract): A the projection layer (only
when it is separate), B the super-block steps, C the point-location rounds, D the decoder
(n > 1), E the output layer. Per stage: layers, neurons, nonzero parameters and the sum of
their fixed-point bits (bitlength of numerator + bitlength of denominator − 1, the measure of
`total weight bits`), so the totals equal the network's statistics. Standard library only.
"""
import argparse
import json
import math
import sys


def fixed_point_bits(numerator, denominator):
    g = math.gcd(numerator, denominator)
    num, den = abs(numerator) // g, denominator // g
    return num.bit_length() + den.bit_length() - 1


def stage_layers(extras, depth):
    """The (name, layer count) of each stage, in order, from the build report's extras."""
    separate = 1 if extras["separate_projection"] else 0
    float_safe = extras["float_safe"]
    lprime = extras["L_prime"]
    if extras["A"] == 1 and lprime == 0 and extras["points_per_group"] == 1:
        return [("E output", depth)]  # a single point: a constant network
    blocks = 2 if float_safe else 1
    # three-stage rounds (ramp, rest, gate): float-safe and the coarse decoder's networks
    three = float_safe or extras.get("decode") == "coarse"
    rounds = (lprime + 2 if lprime > 0 else 1) if three else lprime + 1
    decode = depth - separate - blocks - rounds - 1
    first = "B super-block steps" if separate else "B layer 1 (t, super-block steps)"
    return [("A projection", separate), (first, blocks),
            ("C location rounds", rounds), ("D decode", decode), ("E output", 1)]


def stages(net):
    layers = net["layers"]
    plan = stage_layers(net["report"]["extras"], len(layers))
    out, first = [], 0
    for name, count in plan:
        if count == 0:
            continue
        row = {"stage": name, "layers": count, "neurons": 0, "nonzero": 0, "bits": 0}
        for layer in layers[first:first + count]:
            den = int(layer["denominator"])
            row["neurons"] += int(layer["outputs"])
            for v in layer["weight"] + layer["bias"]:
                if int(v) != 0:
                    row["nonzero"] += 1
                    row["bits"] += fixed_point_bits(int(v), den)
        first += count
        out.append(row)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("network")
    ap.add_argument("--json", action="store_true", help="one JSON object per stage")
    args = ap.parse_args()
    with open(args.network) as f:
        net = json.load(f)
    if net.get("construction") != "bitextract":
        sys.exit(f"bitextract_stages: error: {args.network} is not a bitextract network")
    rows = stages(net)
    if args.json:
        for r in rows:
            print(json.dumps(r))
        return
    total_p = sum(r["nonzero"] for r in rows) or 1
    total_b = sum(r["bits"] for r in rows) or 1
    print(f"{net['report']['extras']['config']}")
    print(f"{'stage':32} {'layers':>6} {'neurons':>8} {'nonzero':>8} {'%':>5} {'weight bits':>12} {'%':>5}")
    for r in rows:
        print(f"{r['stage']:32} {r['layers']:6} {r['neurons']:8} {r['nonzero']:8} "
              f"{100 * r['nonzero'] / total_p:5.1f} {r['bits']:12} {100 * r['bits'] / total_b:5.1f}")
    print(f"{'total':32} {len(net['layers']):6} {'':8} {total_p:8} {'':5} {total_b:12}")


if __name__ == "__main__":
    main()
