"""Every network file that mnemo writes, and every seed network of the fuzz corpus that mnemo
accepts, validates against docs/network-format.schema.json; files the schema rejects are
rejected by mnemo too.

    /usr/bin/python3 tests/oracle/schema_test.py MNEMO SOURCE_DIR WORKDIR
"""
import glob
import json
import os
import subprocess
import sys

import jsonschema


def main():
    mnemo, source, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    with open(os.path.join(source, "docs", "network-format.schema.json")) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    files = sorted(glob.glob(os.path.join(source, "fuzz", "corpus", "network", "*.json")))
    data = os.path.join(work, "d.csv")
    with open(data, "w") as f:
        f.write("0.5,0.25,0\n-0.5,0.75,1\n0.125,-1,2\n1,1,1\n")
    for c in ["zhang", "bitextract", "baum", "bubeck", "yun"]:
        out = os.path.join(work, c + ".json")
        subprocess.run([mnemo, "build", data, "-c", c, "-o", out], capture_output=True, check=True)
        files.append(out)
    passed = failed = 0
    for path in files:
        with open(path) as f:
            doc = json.load(f)
        errors = list(validator.iter_errors(doc))
        inspect = subprocess.run([mnemo, "inspect", path], capture_output=True, text=True)
        if errors and inspect.returncode != 2:
            print(f"FAIL {path}: schema rejects ({errors[0].message}) but mnemo accepts it")
            failed += 1
        elif not errors and inspect.returncode == 2 and "out of range" not in inspect.stderr:
            print(f"FAIL {path}: schema accepts, mnemo rejects: {inspect.stderr.strip()}")
            failed += 1
        else:
            passed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
