#!/usr/bin/python3
"""Runs every shell snippet of README.md as pasted, with the built mnemo first on PATH.

Snippets are the fenced blocks whose info string starts with sh, bash, shell or console:
  * sh/bash/shell: every line is a command (a trailing backslash continues it);
  * console: lines starting with "$ " are commands (a trailing backslash continues one on the
    next line), the lines after one (up to the next "$ " or the end of the block) are its
    expected output (stdout and stderr together);
  * python: the whole block is one program, run by /usr/bin/python3 (it must exit 0), with
    --pythonpath (the built mnemo package) as PYTHONPATH.
All commands of the README run in order in one temporary directory (a file written by one
snippet is there for the next). A command must exit 0, or the code its line ends with as
`# exit N`. A console command's output must match the README line by line after normalizing:
runs of spaces collapse to one, decimal numbers (times and other measured values) match any
decimal number, and a line "..." (or "…") in the README matches any number of lines.

The marker: a block whose info string contains `notest` (e.g. ```sh notest) is not run — for
commands that take minutes (scripts/demo.sh, scripts/test.sh, builds on all of Fashion-MNIST).
Its output, if shown, was produced by the same binary by hand.

Usage: readme_test.py --binary build/mnemo --readme README.md [--list]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

SHELLS = ("sh", "bash", "shell", "console", "python")
DECIMAL = re.compile(r"[-+]?\d+\.\d+(?:e[-+]?\d+)?|[-+]?\d+e[-+]?\d+")


def snippets(readme):
    """Yields (line number, info string, block lines) for each fenced block."""
    lines = readme.split("\n")
    k = 0
    while k < len(lines):
        m = re.match(r"^```(.*)$", lines[k])
        if not m:
            k += 1
            continue
        info, start, body = m.group(1).strip(), k + 1, []
        k += 1
        while k < len(lines) and not lines[k].startswith("```"):
            body.append(lines[k])
            k += 1
        k += 1
        yield start, info, body


def commands(start, info, body):
    """(line number, command, expected output lines or None) of one block."""
    if info.split()[0] == "python":  # one program: a quoted heredoc keeps it as pasted
        return [[start, "/usr/bin/python3 - <<'MNEMO_README_PY'\n" + "\n".join(body) +
                 "\nMNEMO_README_PY", None]]
    console = info.split()[0] == "console"
    out, pending = [], ""
    for offset, line in enumerate(body):
        number = start + offset + 1
        if console:
            if pending:  # a command continued with a trailing backslash
                pending += " " + line.strip()
                out[-1][1] = pending
            elif line.startswith("$ "):
                pending = line[2:]
                out.append([number, pending, []])
            elif out:
                out[-1][2].append(line)
            if pending.endswith("\\"):
                pending = pending[:-1].rstrip()
                out[-1][1] = pending
            else:
                pending = ""
            continue
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        pending += line
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        out.append([number, pending, None])
        pending = ""
    for c in out:
        if c[2] is not None:
            while c[2] and not c[2][-1].strip():
                c[2].pop()
    return out


def normalize(line):
    return " ".join(DECIMAL.sub("<decimal>", line).split())


def matches(expected, actual):
    """Line-by-line match with "..." wildcards (backtracking, small inputs)."""
    exp = [normalize(e) for e in expected]
    act = [normalize(a) for a in actual]

    def go(i, j):
        if i == len(exp):
            return j == len(act)
        if exp[i] in ("...", "…"):
            return any(go(i + 1, k) for k in range(j, len(act) + 1))
        return j < len(act) and exp[i] == act[j] and go(i + 1, j + 1)

    return go(0, 0)


def expected_code(command):
    m = re.search(r"#\s*exit\s+(\d+)\s*$", command)
    return int(m.group(1)) if m else 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--readme", required=True)
    parser.add_argument("--list", action="store_true", help="print the commands, run nothing")
    parser.add_argument("--pythonpath", default="", help="where the built mnemo package is")
    args = parser.parse_args()
    readme = open(args.readme, encoding="utf-8").read()
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(os.path.abspath(args.binary)) + os.pathsep + env["PATH"]
    if args.pythonpath:  # python blocks import the built module
        env["PYTHONPATH"] = os.path.abspath(args.pythonpath)
    failures, ran, skipped = [], 0, 0
    with tempfile.TemporaryDirectory(prefix="mnemo_readme_") as tmp:
        for start, info, body in snippets(readme):
            if not info or info.split()[0] not in SHELLS:
                continue
            for number, command, expected in commands(start, info, body):
                if "notest" in info.split():
                    skipped += 1
                    print(f"README.md:{number}: skipped (notest): {command}")
                    continue
                if args.list:
                    print(f"README.md:{number}: {command}")
                    continue
                ran += 1
                r = subprocess.run(["bash", "-c", command], cwd=tmp, env=env, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, timeout=600)
                actual = r.stdout.rstrip("\n").split("\n") if r.stdout else []
                want = expected_code(command)
                if r.returncode != want:
                    failures.append(f"README.md:{number}: `{command}` exited {r.returncode}, "
                                    f"expected {want}:\n{r.stdout}")
                elif expected is not None and not matches(expected, actual):
                    failures.append(f"README.md:{number}: `{command}` printed\n{r.stdout}\n"
                                    f"which does not match the README:\n" + "\n".join(expected))
    for f in failures:
        print(f, file=sys.stderr)
    print(f"{ran} commands run, {skipped} skipped (notest), {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
