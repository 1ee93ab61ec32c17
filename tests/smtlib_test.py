#!/usr/bin/python3
"""SMT-LIB certificates (mnemo export --format smtlib) checked by z3 and cvc5 (Debian): unsat
for a small network of every construction (both solvers must answer); sat for a mutated network, where the model's wrong points are exactly the rows mnemo verify
finds wrong.

Usage: smtlib_test.py --binary build/mnemo. Exits 77 (ctest: skipped) when neither solver is
installed."""
import argparse, json, os, re, shutil, subprocess, sys, tempfile

DATA = "synthetic:gaussian-clusters?n=12&d=2&classes=3&sigma=0.3&seed=11"
CONSTRUCTIONS = ["zhang", "bitextract", "vershynin", "baum", "bubeck", "yun"]
# vershynin's default widths (n1 = 400, code width >= 300) are sized for large N: on 12 points
# they give 122,710 weights and a 35 MB certificate. A small architecture keeps it small.
OPTIONS = {"vershynin": ["--n1", "48", "--code-width", "32"]}
SOLVERS = {"z3": ["z3", "-smt2", "-in"], "cvc5": ["cvc5", "--lang", "smt2", "--produce-models"]}


def run(*cmd, code=0, stdin=None):
    r = subprocess.run(cmd, text=True, capture_output=True, input=stdin, timeout=300)
    assert r.returncode == code, f"{' '.join(cmd)}: exit {r.returncode}\n{r.stdout}{r.stderr}"
    return r.stdout


# A generous guard against a hung solver (each small certificate takes seconds), not a timing test.
LIMIT = 240


def solve(solver, text, query=""):
    try:
        return subprocess.run(SOLVERS[solver], text=True, capture_output=True,
                              input=text + query, timeout=LIMIT).stdout
    except subprocess.TimeoutExpired:
        raise AssertionError(f"{solver} gave no answer within {LIMIT} s")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--binary", required=True)
    mnemo = p.parse_args().binary
    solvers = [s for s in SOLVERS if shutil.which(s)]
    if not solvers:
        print("SKIPPED: neither z3 nor cvc5 is installed (scripts/install-deps.sh)")
        return 77
    passed = 0
    with tempfile.TemporaryDirectory(prefix="mnemo_smt_") as tmp:
        for c in CONSTRUCTIONS:
            net, cert = os.path.join(tmp, c + ".json"), os.path.join(tmp, c + ".smt2")
            run(mnemo, "build", DATA, "-c", c, "-o", net, *OPTIONS.get(c, []))
            run(mnemo, "export", net, "-o", cert)
            text = open(cert).read()
            for s in solvers:
                answer = solve(s, text).split()
                assert answer[:1] == ["unsat"], f"{c}: {s} says {answer[:5]}"
                print(f"{c}: {s} proves the certificate (unsat)")
                passed += 1
        # A mutated network: one weight of zhang's output layer moved (the points past that
        # neuron's breakpoint get wrong answers, the others stay right).
        j = json.load(open(os.path.join(tmp, "zhang.json")))
        last = j["layers"][-1]
        k = len(last["weight"]) // 2
        last["weight"][k] = str(int(last["weight"][k]) + int(last["denominator"]))
        bad = os.path.join(tmp, "bad.json")
        json.dump(j, open(bad, "w"))
        r = subprocess.run([mnemo, "verify", bad, DATA, "--json", "--max-reported", "1000"],
                           text=True, capture_output=True)
        wrong = {m["index"] for m in json.loads(r.stdout)["first_mismatches"]}
        assert r.returncode == 1 and wrong, "the mutation changed no answer"
        cert = os.path.join(tmp, "bad.smt2")
        run(mnemo, "export", bad, "--check", DATA, "-o", cert)
        text = open(cert).read()
        n = len(re.findall(r"declare-const wrong_\d+ Bool", text))
        query = "(get-value (" + " ".join(f"wrong_{p}" for p in range(n)) + "))\n"
        for s in solvers:
            out = solve(s, text, query)
            assert out.split()[:1] == ["sat"], f"mutated: {s} says {out[:200]}"
            found = {int(p) for p, val in re.findall(r"\(wrong_(\d+) (true|false)\)", out)
                     if val == "true"}
            assert found == wrong, f"{s} finds rows {sorted(found)}, mnemo {sorted(wrong)}"
            print(f"mutated zhang: {s} finds the {len(found)} wrong rows mnemo verify finds")
            passed += 1
    print(f"{passed} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
