#!/usr/bin/env bash
# A single-node SLURM "cluster" for the cluster test, started by hand (no systemd) as root on
# Debian/Ubuntu: munged + slurmctld + slurmd, no accounting database (Snakemake is told to check
# job status with squeue). Usage:
#   local_slurm.sh start STATE_DIR   installs slurm-wlm + munge if missing, starts the daemons
#   local_slurm.sh stop  STATE_DIR   stops every daemon it started, by the PID in its pid file, and removes /etc/slurm/slurm.conf
# Every daemon writes its pid file under STATE_DIR (munged: STATE_DIR/munged.pid), logs under
# STATE_DIR/log. Exits non-zero with a message if anything does not come up within 60 s.
set -euo pipefail
action=${1:?usage: local_slurm.sh start|stop STATE_DIR}
state=${2:?usage: local_slurm.sh start|stop STATE_DIR}

stop_by_pid_file() {
  local file=$1 pid
  [ -s "$file" ] || return 0
  pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  fi
  rm -f "$file"
}

wait_for() {  # wait_for DESCRIPTION COMMAND...
  local what=$1; shift
  for _ in $(seq 120); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "local_slurm: $what did not come up within 60 s; logs in $state/log" >&2
  return 1
}

if [ "$action" = stop ]; then
  stop_by_pid_file "$state/slurmd.pid"
  stop_by_pid_file "$state/slurmctld.pid"
  stop_by_pid_file "$state/munged.pid"
  # the cluster's config goes with it: with a slurm.conf whose controller is gone, every
  # `scontrol show config` (which the SLURM executor plugin runs whenever Snakemake starts,
  # local runs too) waits ~9 s for the controller
  rm -f /etc/slurm/slurm.conf
  exit 0
fi
[ "$action" = start ] || { echo "local_slurm: unknown action $action" >&2; exit 2; }

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurm-wlm munge >"$state.apt.log" 2>&1 || {
    DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$state.apt.log" 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurm-wlm munge >>"$state.apt.log" 2>&1
  }
fi

mkdir -p "$state"/{state,spool,log,munge}
chown -R slurm:slurm "$state"/state "$state"/spool "$state"/log
chown munge:munge "$state"/munge
[ -s /etc/munge/munge.key ] || /usr/sbin/mungekey --create --force
chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
mkdir -p /run/munge && chown munge:munge /run/munge && chmod 755 /run/munge
runuser -u munge -- /usr/sbin/munged --pid-file="$state/munge/munged.pid"
ln -sf "$state/munge/munged.pid" "$state/munged.pid"
wait_for munged sh -c 'munge -n | unmunge'

host=$(hostname -s)
memory=$(( $(free -m | awk '/^Mem:/{print $2}') - 1024 ))
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=hfetest
SlurmctldHost=${host}(127.0.0.1)
SlurmUser=slurm
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1024
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$state/log/jobcomp.log
MinJobAge=300
ReturnToService=2
StateSaveLocation=$state/state
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
NodeName=${host} NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=${memory} State=UNKNOWN
PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP
CONF

nohup /usr/sbin/slurmctld -D -i >"$state/log/slurmctld.out" 2>&1 &
wait_for slurmctld sh -c 'scontrol ping | grep -q UP'
nohup /usr/sbin/slurmd -D >"$state/log/slurmd.out" 2>&1 &
wait_for slurmd sh -c 'sinfo -h -o %T | grep -q "^idle"'
[ "$(srun -t 1 hostname)" = "$host" ] || { echo "local_slurm: srun did not run on $host" >&2; exit 1; }
echo "local_slurm: single-node SLURM up on $host ($(nproc) CPUs, ${memory} MB)"
