#!/bin/sh
# A real Slurm (issue 15): a one-node cluster from Debian's packages (munged with a key made here,
# slurmctld, slurmd on loopback ports found free; config, state, spool and logs in the test's
# temporary folder). scripts/slurm/titans-eval.sbatch, run as a user would (it makes logs/ and
# submits itself with -N1 -n2), runs the smoke suite through srun --mpi=pmix and ends with
# mpirun's records. Then the USR1 that --signal=B:USR1@300 sends before the time limit: the
# script requeues the job, the ranks finish their unit and stop (143), and the requeued job
# resumes from its journal and ends with the tables of an uninterrupted mpirun run. And a requeue
# inside one 1M-byte unit: the ranks save its state at once, and the requeued job goes on from
# that state to the uninterrupted run's record. Everything
# started is stopped and removed at the end. Needs root and the packages munge, slurmctld,
# slurmd and slurm-client (scripts/install-deps.sh); without them the tests skip and say why.
set -u
. "$(dirname "$0")/lib.sh"
echo "1..5"
skip_all() { for i in 1 2 3 4 5; do echo "ok $i # SKIP $1"; done; exit 0; }
for p in munged mungekey slurmctld slurmd sbatch srun scontrol ss; do
  command -v $p > /dev/null || skip_all "no $p (Debian: munge slurmctld slurmd slurm-client iproute2)"
done
[ "$(id -u)" -eq 0 ] || skip_all "slurmd and munged run as root here"
sbatch_script=$(cd "$(dirname "$0")/../scripts/slurm" && pwd)/titans-eval.sbatch
d=$work/slurm
export SLURM_CONF="$d/slurm.conf"
alive() { kill -0 "$(cat "$d/$1.pid" 2> /dev/null)" 2> /dev/null; }
# the jobs cancelled (their ranks get KillWait), the daemons stopped, then whatever still runs in
# the test's folder (a job step that outlived them), then the folder
cleanup() {
  if alive slurmctld; then
    scancel --quiet --full $(squeue -h -o %i) 2> /dev/null
    for i in $(seq 1 150); do [ -z "$(squeue -h)" ] && break; sleep 0.5; done
  fi
  for p in slurmd slurmctld munged; do alive $p && kill "$(cat "$d/$p.pid")"; done
  for i in $(seq 1 50); do alive slurmd || alive slurmctld || alive munged || break; sleep 0.1; done
  for p in /proc/[0-9]*; do case $(readlink "$p/cwd") in "$work"*) kill -KILL "${p#/proc/}" ;; esac; done 2> /dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap "exit 1" INT TERM HUP
chmod 711 "$work" && mkdir -m 755 "$work/slurm" && mkdir "$work/slurm/state" "$work/slurm/spool" "$work/job" || exit 1
# two free loopback ports for slurmctld and slurmd
port=$((20000 + $$ % 20000))
while ss -Htan | awk '{ print $4 }' | grep -Eq ":($port|$((port + 1)))\$"; do port=$((port + 2)); done
cat > "$SLURM_CONF" <<EOF
ClusterName=titanstest
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
# cred_expire: also how long a requeued job waits before it may start again (default 120 s)
AuthInfo=socket=$d/munge.socket,cred_expire=10
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/slurmctld.log
SlurmdLogFile=$d/slurmd.log
# no cgroups in a container: processes tracked through /proc, binding by sched_setaffinity
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
# the grace between SIGTERM and SIGKILL: a rank finishes its unit in it, even on a loaded machine
KillWait=60
MpiDefault=none
ReturnToService=2
NodeName=localhost NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
mungekey --create --keyfile="$d/munge.key" > "$d/mungekey.log" 2>&1 &&
  munged --key-file="$d/munge.key" --socket="$d/munge.socket" --pid-file="$d/munged.pid" \
    --log-file="$d/munged.log" --seed-file="$d/munged.seed" 2>> "$d/munged.log" &&
  slurmctld -f "$SLURM_CONF" 2>> "$d/slurmctld.log" && slurmd -f "$SLURM_CONF" -N localhost 2>> "$d/slurmd.log"
up=$?
for i in $(seq 1 60); do [ "$(sinfo -h -o '%T %c' 2> /dev/null)" = "idle 2" ] && break; sleep 0.5; done
[ $up -eq 0 ] && [ "$(sinfo -h -o '%T %c')" = "idle 2" ] && srun --mpi=list 2>&1 | grep -qx '[[:space:]]*pmix'
check $? "munged, slurmctld and slurmd up: one idle node with 2 CPUs, srun offers mpi/pmix" "$d/slurmctld.log"

state() { scontrol show job "$1" 2> /dev/null | grep -Eo "(^| )$2=[^ ]*" | cut -d= -f2; }
# finished JOB [SECONDS]: waits for the job to end (after RESTARTS requeues); false after SECONDS
finished() {
  for i in $(seq 1 $((${3:-300} * 2))); do
    [ "$(state "$1" Restarts)" -ge "$2" ] 2> /dev/null && case $(state "$1" JobState) in
      COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY) return 0 ;; esac
    sleep 0.5
  done
  return 1
}
# submit SUITE OUT: the batch script as a user runs it, from a folder holding titans-eval; the job id
submit() { (cd "$work/job" && "$sbatch_script" -N1 -n2 "$@") | awk '/^Submitted batch job/ { print $4 }'; }
tables() { grep '^|' "$1/tables.md"; }
ln -s "$PWD/$EVAL" "$work/job/titans-eval"

MPI_NP=2 $LAUNCH $EVAL --suite "$fixtures/../smoke.ini" --progress none --out "$work/smoke-mpirun" > "$work/smoke.log" 2>&1
job=$(submit "$fixtures/../smoke.ini" smoke)
log=$work/job/logs/titans-eval_$job.out
finished "$job" 0 && [ "$(state "$job" JobState) $(state "$job" ExitCode)" = "COMPLETED 0:0" ] &&
  same "$work/smoke-mpirun/units.csv" "$work/job/smoke/units.csv" &&
  [ "$(tables "$work/smoke-mpirun")" = "$(tables "$work/job/smoke")" ] &&
  [ "$(cut -d, -f13 "$work/job/smoke/units.csv" | sort -u | tr '\n' ' ')" = "0 1 rank " ]
check $? "sbatch -N1 -n2: srun --mpi=pmix, both ranks worked, units.csv and tables as mpirun's" "${log:-$work/smoke.log}"

printf '[suite]\nname = long\n[model.m]\ncheckpoint = %s\n[task.n]\nfamily = sniah\nvariants = s-niah-1\nlengths = 256k\nsamples = 8\nmodels = m\n' \
  "$fixtures/mag.h5" > "$work/long.ini"
MPI_NP=2 $LAUNCH $EVAL --suite "$work/long.ini" --progress none --out "$work/long-mpirun" > "$work/long.log" 2>&1
job=$(submit "$work/long.ini" long)
log=$work/job/logs/titans-eval_$job.out
for i in $(seq 1 1200); do [ -n "$(find "$work/job/long/journal" -name '*.bin' -size +0 2> /dev/null)" ] && break; sleep 0.1; done
scancel --batch --signal=USR1 "$job" # what --signal=B:USR1@300 sends 300 s before the limit
for i in $(seq 1 240); do [ "$(state "$job" Restarts)" = 1 ] && break; sleep 0.5; done
[ "$(state "$job" Restarts)" = 1 ] && finished "$job" 1 &&
  grep -q "stopped by a signal; finished units are in long/journal" "$log" && grep -q "exit code 143" "$log"
check $? "USR1 to the batch script: it requeues the job, the ranks finish their unit and exit 143" "$log"
[ "$(state "$job" JobState) $(state "$job" ExitCode)" = "COMPLETED 0:0" ] &&
  grep -Eq "resuming attempt 2: [1-7] of 8 units already done" "$log" &&
  same "$work/long-mpirun/units.csv" "$work/job/long/units.csv" &&
  [ "$(tables "$work/long-mpirun")" = "$(tables "$work/job/long")" ]
check $? "the requeued job resumes from its journal: units.csv and tables as an uninterrupted run's" "$log"

# one 1M-byte unit (a few seconds), requeued while rank 0 is inside it: its state is saved at once
# (not at --save-interval), and the requeued job goes on from there to the same record
printf '[suite]\nname = one\n[model.m]\ncheckpoint = %s\n[task.n]\nfamily = sniah\nvariants = s-niah-1\nlengths = 1m\nsamples = 1\nmodels = m\n' \
  "$fixtures/mag.h5" > "$work/one.ini"
MPI_NP=1 $LAUNCH $EVAL --suite "$work/one.ini" --progress none --out "$work/one-mpirun" > "$work/one.log" 2>&1
job=$(submit "$work/one.ini" one --save-interval 3600 --progress none)
log=$work/job/logs/titans-eval_$job.out
for i in $(seq 1 600); do grep -q "estimate:" "$log" 2> /dev/null && break; sleep 0.1; done
sleep 1.5
scancel --batch --signal=USR1 "$job"
for i in $(seq 1 240); do [ "$(state "$job" Restarts)" = 1 ] && break; sleep 0.5; done
finished "$job" 1 && [ "$(state "$job" JobState) $(state "$job" ExitCode)" = "COMPLETED 0:0" ] &&
  grep -q "stopped inside unit 0; its state is saved" "$log" &&
  grep -q "unit 0 went on from token [1-9][0-9]* of its saved state" "$log" &&
  [ "$(cut -d, -f1-11,14- "$work/one-mpirun/units.csv")" = "$(cut -d, -f1-11,14- "$work/job/one/units.csv")" ]
check $? "a requeue inside a 1M-byte unit: its state saved at once, the requeued job goes on from it, the same record" "$log"
