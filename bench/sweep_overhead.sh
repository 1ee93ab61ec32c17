#!/usr/bin/env bash
# What the sweep machinery costs: the issue's grid (bitextract, N ∈ {10³, 10⁴, 10⁵} ×
# δ ∈ {10⁻², 10⁻⁴, 10⁻⁸} × depths {8, 16, 32}, 27 runs, built without verification so the
# builds are short and any overhead shows) run three ways:
#   loop     the rows' own commands (`mnemo build ... --json`) one after another in a shell loop
#   sweep-1  mnemo sweep --jobs 1
#   sweep-2  mnemo sweep --jobs 2
# and the per-row overhead of a sweep: its wall time against the work inside the child
# processes (load + the pipeline's total), per row and in per cent.
#
#   bench/sweep_overhead.sh [MNEMO_BINARY] [N-LIST]     (default N-LIST: 1000,10000,100000)
set -euo pipefail
cd "$(dirname "$0")/.."
mnemo=$(readlink -f "${1:-build-test/mnemo}")
ns=${2:-1000,10000,100000}
work=$(mktemp -d /tmp/mnemo-sweep-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
grid=(-c bitextract --data 'synthetic:grid?d=16&classes=10' --n "$ns" --delta 1e-2,1e-4,1e-8
      --depth 8,16,32 --no-verify)
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

"$mnemo" sweep "${grid[@]}" --dry-run | awk 'NR > 1 { sub(/^ *[0-9]+ [0-9a-f]+ /, ""); print }' \
  > commands.txt
runs=$(wc -l < commands.txt)
start=$(date +%s.%N)
while read -r cmd; do
  eval "\"$mnemo\"${cmd#mnemo}" > /dev/null
done < commands.txt
loop=$(echo "$(date +%s.%N) - $start" | bc)

start=$(date +%s.%N)
"$mnemo" sweep "${grid[@]}" --jobs 1 -q -o one.jsonl > /dev/null
sweep1=$(echo "$(date +%s.%N) - $start" | bc)
start=$(date +%s.%N)
"$mnemo" sweep "${grid[@]}" --jobs 2 -q -o two.jsonl > /dev/null
sweep2=$(echo "$(date +%s.%N) - $start" | bc)
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

/usr/bin/python3 - "$runs" "$loop" "$sweep1" "$sweep2" <<'EOF'
import json, sys
runs, loop, s1, s2 = int(sys.argv[1]), *map(float, sys.argv[2:])
rows = [json.loads(l) for l in open("one.jsonl")]
inside = sum(r["timings_s"]["load"] + r["timings_s"]["total"] for r in rows)
process = sum(r["timings_s"]["process"] for r in rows)
print(f"{runs} runs (bitextract, --no-verify)")
print(f"{'way':<28}{'wall s':>10}{'vs loop':>10}")
for name, t in [("loop of mnemo build", loop), ("mnemo sweep --jobs 1", s1),
                ("mnemo sweep --jobs 2", s2)]:
    print(f"{name:<28}{t:>10.2f}{t / loop:>10.3f}")
print(f"work inside the children (load + pipeline): {inside:.2f} s")
print(f"child processes, fork to reap:              {process:.2f} s")
over = s1 - inside
print(f"sweep --jobs 1 overhead: {over:.2f} s = {1000 * over / runs:.1f} ms per row = "
      f"{100 * over / inside:.2f}% of the work (process start, exit, row I/O, scheduling)")
print(f"of which outside the children: {1000 * (s1 - process) / runs:.1f} ms per row")
EOF
