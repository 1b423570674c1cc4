#!/usr/bin/env bash
# A single-node Slurm cluster on loopback, for tests: munged + slurmctld + slurmd
# with their configuration, state and logs under one directory. Needs root and
# Debian's slurm-wlm and munge packages (apt-get install slurm-wlm munge).
#   local-cluster.sh start <dir>   # prints the SLURM_CONF path to export
#   local-cluster.sh stop <dir>
set -euo pipefail
cmd=${1:?start or stop}
dir=$(realpath -m "${2:?state directory}")
case "$cmd" in
start)
  for b in munged slurmctld slurmd sbatch; do
    command -v "$b" >/dev/null || { echo "local-cluster: $b not installed (apt-get install slurm-wlm munge)" >&2; exit 3; }
  done
  mkdir -p "$dir"/{munge,spool/ctld,spool/d,log}
  chmod 700 "$dir/munge"
  key="$dir/munge/munge.key"
  [ -f "$key" ] || { dd if=/dev/urandom bs=1 count=1024 of="$key" status=none; chmod 400 "$key"; }
  sock="$dir/munge/munge.socket"
  munged --force --key-file="$key" --socket="$sock" --pid-file="$dir/munge/munged.pid" \
    --log-file="$dir/log/munged.log" --seed-file="$dir/munge/seed"
  cpus=$(nproc)
  mem=$(awk '/MemTotal/ {print int($2/1024) - 512}' /proc/meminfo)
  cat >"$dir/slurm.conf" <<CONF
ClusterName=flatvox-test
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
AuthInfo=socket=$sock
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/spool/ctld
SlurmdSpoolDir=$dir/spool/d
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF="$dir/slurm.conf"
  slurmctld -f "$SLURM_CONF"
  slurmd -f "$SLURM_CONF" -N localhost
  for _ in $(seq 1 60); do
    if sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
      echo "$SLURM_CONF"
      exit 0
    fi
    sleep 0.5
  done
  echo "local-cluster: the node did not become idle; logs in $dir/log" >&2
  exit 4
  ;;
stop)
  for p in slurmd slurmctld munge/munged; do
    # (pid files are written by the daemons themselves)
    f="$dir/$p.pid"
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
  done
  ;;
*) echo "usage: local-cluster.sh start|stop <dir>" >&2; exit 2 ;;
esac
