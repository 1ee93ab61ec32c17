#!/usr/bin/env bash
# Runs one small sweep three ways and checks that they agree, timings aside:
#   1. unsharded, on this machine (mnemo sweep --jobs 2);
#   2. as 4 shards through GNU parallel, merged with `mnemo sweep merge`;
#   3. as a SLURM array job of 4 shards (scripts/slurm-sweep.sbatch) on a single-node SLURM
#      cluster this script starts on localhost (munged, slurmctld, slurmd with a private config
#      and private ports) and stops again.
# If SLURM cannot start here, it says exactly why (the daemon's own log lines) and exits 1.
#
#   scripts/scaleout-test.sh [MNEMO_BINARY]      (default: build-test/mnemo, else build/mnemo)
#
# Needs root to install the Debian packages (slurm-wlm, munge, parallel) and to run the daemons.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
mnemo=${1:-}
for candidate in build-test/mnemo build/mnemo; do
  [ -z "$mnemo" ] && [ -x "$candidate" ] && mnemo=$repo/$candidate
done
[ -x "${mnemo:-}" ] || { echo "scaleout-test: no mnemo binary (build it first)" >&2; exit 2; }
mnemo=$(readlink -f "$mnemo")

need=()
for p in slurm-wlm munge parallel; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "scaleout-test: SLURM cannot start: ${need[*]} not installed and not root to install" >&2
    exit 1
  fi
  echo "scaleout-test: installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" \
    >/dev/null
fi

work=$(mktemp -d /tmp/mnemo-scaleout.XXXXXX)
chmod 755 "$work"  # munged runs as the munge user and must reach its socket directory
pids=()
cleanup() {
  for f in "$work"/slurmd.pid "$work"/slurmctld.pid "$work"/munge/munged.pid; do
    [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
  done
  sleep 1
  rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/sweep.toml" <<'EOF'
constructions = ["bitextract", "zhang"]
data = "synthetic:grid?d=8&classes=4"
n = [200, 400]
delta = [1e-2, 1e-6]
depth = [8, 16]
seeds = [1, 2]
EOF
cd "$work"

echo "== 1. unsharded: mnemo sweep sweep.toml --jobs 2"
"$mnemo" sweep sweep.toml --jobs 2 -q -o whole.jsonl

echo "== 2. GNU parallel: 4 shards on local cores"
parallel -q -j2 "$mnemo" sweep sweep.toml --shard {}/4 -q -o par.{}.jsonl ::: 0 1 2 3 >/dev/null
"$mnemo" sweep merge par.0.jsonl par.1.jsonl par.2.jsonl par.3.jsonl -o parallel.jsonl
"$mnemo" sweep diff whole.jsonl parallel.jsonl

echo "== 3. SLURM: a single-node cluster on localhost, 4 array tasks"
free_port() {
  local p=$1
  while ss -ltn 2>/dev/null | awk '{print $4}' | grep -q ":$p\$"; do p=$((p + 1)); done
  echo "$p"
}
host=$(hostname -s)
ctld_port=$(free_port 16817)
slurmd_port=$(free_port $((ctld_port + 1)))
mkdir -p munge state spool out
chown munge:munge munge
runuser -u munge -- /usr/sbin/munged --socket="$work/munge/munge.socket" \
  --pid-file="$work/munge/munged.pid" --log-file="$work/munge/munged.log" \
  --seed-file="$work/munge/munged.seed" ||
  { echo "SLURM cannot start: munged failed:"; tail -5 munge/munged.log; exit 1; }
cat >slurm.conf <<EOF
ClusterName=mnemotest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
AuthInfo=socket=$work/munge/munge.socket
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
SlurmUser=root
SlurmdUser=root
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$work/slurm.conf
why() {
  echo "SLURM cannot start here: $1. The daemons' last log lines:"
  tail -n 8 "$work"/slurmctld.log "$work"/slurmd.log 2>/dev/null | sed 's/^/  /'
  exit 1
}
/usr/sbin/slurmctld -f slurm.conf -i || why "slurmctld exited at once"
/usr/sbin/slurmd -f slurm.conf || why "slurmd exited at once"
for _ in $(seq 30); do
  sinfo -h -o %T 2>/dev/null | grep -q idle && break
  sleep 1
done
sinfo -h -o %T 2>/dev/null | grep -q idle || why "the node did not become idle within 30 s"
sinfo
MNEMO=$mnemo sbatch --wait --array=0-3 --output="$work/out/task-%a.log" \
  "$repo/scripts/slurm-sweep.sbatch" "$work/slurm" sweep.toml ||
  { tail -n 5 out/task-*.log; why "the array job failed"; }
"$mnemo" sweep merge slurm/rows.0.jsonl slurm/rows.1.jsonl slurm/rows.2.jsonl \
  slurm/rows.3.jsonl -o slurm.jsonl
"$mnemo" sweep diff whole.jsonl slurm.jsonl
echo "scaleout-test: the unsharded run, GNU parallel and the SLURM array job agree"
