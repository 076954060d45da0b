#!/bin/sh
# A real multi-host MPI run on one machine (issue 15): two network namespaces joined by a veth
# pair, addresses from 198.18.0.0/15 (benchmarking space) and no route out, each a "host" with 2
# slots; mpirun in the first starts the second's daemon through a launcher agent that enters its
# namespace (what ssh does on a cluster), and the ranks talk over TCP only. The smoke suite at
# np 4 over the two hosts gives records bitwise identical to np 1 (every field but the rank and
# the seconds); then one host's ranks are killed mid-run and the same command resumes and ends
# with the same records. Everything made is removed at the end. Needs root (ip netns); without
# it the tests skip and say why. Emits TAP.
set -u
. "$(dirname "$0")/lib.sh"
echo "1..3"
skip_all() { for i in 1 2 3; do echo "ok $i # SKIP $1"; done; exit 0; }
command -v ip > /dev/null || skip_all "no ip command (iproute2)"
ns0=titans-h0-$$ ns1=titans-h1-$$ veth=tt$$
cleanup() { ip netns del "$ns0" 2> /dev/null; ip netns del "$ns1" 2> /dev/null; rm -rf "$work"; }
trap cleanup EXIT
ip netns add "$ns0" 2> /dev/null && ip netns add "$ns1" 2> /dev/null || skip_all "network namespaces are not permitted here"
ip link add "${veth}a" type veth peer name "${veth}b" && ip link set "${veth}a" netns "$ns0" &&
  ip link set "${veth}b" netns "$ns1" && ip -n "$ns0" addr add 198.18.0.1/24 dev "${veth}a" &&
  ip -n "$ns1" addr add 198.18.0.2/24 dev "${veth}b" && ip -n "$ns0" link set "${veth}a" up &&
  ip -n "$ns1" link set "${veth}b" up && ip -n "$ns0" link set lo up && ip -n "$ns1" link set lo up ||
  skip_all "cannot make a veth pair between namespaces here"
# the launcher agent: "agent [ssh options] HOST COMMAND": COMMAND inside HOST's namespace
cat > "$work/agent" <<AGENT
#!/bin/sh
while [ \$# -gt 0 ]; do case \$1 in -*) shift ;; *) break ;; esac; done
case \$1 in 198.18.0.1) ns=$ns0 ;; 198.18.0.2) ns=$ns1 ;; *) echo "agent: unknown host \$1" >&2; exit 1 ;; esac
shift
exec ip netns exec \$ns sh -c "\$*"
AGENT
chmod +x "$work/agent"
printf '198.18.0.1 slots=2\n198.18.0.2 slots=2\n' > "$work/hosts"
# mpirun as tests/mpi-launch.sh sets it up (root, timeout), across the two hosts, TCP only
two_hosts() {
  OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 MPIEXEC_TIMEOUT=120 OPENBLAS_NUM_THREADS=1 \
    ip netns exec "$ns0" mpirun -np 4 --hostfile "$work/hosts" --map-by node --mca plm_rsh_agent "$work/agent" \
    --mca btl tcp,self --mca btl_tcp_if_include 198.18.0.0/24 --mca oob_tcp_if_include 198.18.0.0/24 \
    "$PWD/$EVAL" --progress none "$@"
}
# every field of the records but the rank (13) and the seconds (12)
same_records() {
  for f in id task model variant length depth sample score mae tokens prediction target; do
    h5dump -d "/units/$f" "$1" | tail -n +3 > "$work/r1"; h5dump -d "/units/$f" "$2" | tail -n +3 > "$work/r2"
    cmp -s "$work/r1" "$work/r2" || { echo "differs: /units/$f"; return 1; }
  done
}

MPI_NP=1 $LAUNCH $EVAL --suite "$fixtures/../smoke.ini" --out "$work/np1" > "$work/np1.log" 2>&1
two_hosts --suite "$fixtures/../smoke.ini" --out "$work/hosts4" > "$work/hosts4.log" 2>&1 &&
  same_records "$work/np1/results.h5" "$work/hosts4/results.h5" >> "$work/hosts4.log" &&
  [ "$(cut -d, -f13 "$work/hosts4/units.csv" | sort -u | grep -c '^[0-3]$')" -eq 4 ]
check $? "np 4 over two namespace hosts (TCP): records bitwise identical to np 1, all 4 ranks worked" "$work/hosts4.log"

# kill the second host's ranks once a unit is journaled; the same command resumes
printf '[suite]\nname = long\n[model.m]\ncheckpoint = %s\n[task.n]\nfamily = sniah\nvariants = s-niah-1\nlengths = 256k\nsamples = 8\nmodels = m\n' \
  "$fixtures/mag.h5" > "$work/long.ini"
MPI_NP=1 $LAUNCH $EVAL --suite "$work/long.ini" --out "$work/long1" > "$work/long1.log" 2>&1
two_hosts --suite "$work/long.ini" --out "$work/long4" > "$work/kill.log" 2>&1 &
pid=$!
for i in $(seq 1 300); do
  [ -n "$(find "$work/long4/journal" -name '*.bin' -size +0 2>/dev/null)" ] && break
  sleep 0.1
done
victims=$(ip netns pids "$ns1" | tr '\n' ' ')
kill -KILL $victims 2> /dev/null
# mpirun should end the job now; it gets 60 s before it is killed too (the resume is what counts)
for i in $(seq 1 600); do kill -0 $pid 2> /dev/null || break; sleep 0.1; done
kill -0 $pid 2> /dev/null && { ip netns pids "$ns0" | xargs -r kill -KILL; }
wait $pid
rc=$?
[ $rc -ne 0 ] && [ -n "$victims" ] && [ ! -e "$work/long4/results.h5" ]
check $? "the second host's processes killed mid-run ($victims): the run fails, no results" "$work/kill.log"
two_hosts --suite "$work/long.ini" --out "$work/long4" > "$work/resume.log" 2>&1 &&
  grep -Eq "resuming attempt 2: [1-7] of 8 units" "$work/resume.log" &&
  same_records "$work/long1/results.h5" "$work/long4/results.h5" >> "$work/resume.log"
check $? "the same command resumes over the two hosts and ends with np 1's records" "$work/resume.log"
