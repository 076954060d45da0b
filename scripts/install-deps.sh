#!/bin/sh
# Installs every Debian 12 package titans-eval needs to build, test and run (as root, or via sudo).
# clang and libclang-rt-14-dev (libFuzzer and clang's sanitizer runtimes, not pulled in by clang
# itself) are for make fuzz; gcc's sanitizer runtimes come with build-essential.
set -e
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
PACKAGES="build-essential autoconf automake pkg-config gawk \
  libopenmpi-dev openmpi-bin libhdf5-openmpi-dev hdf5-tools libopenblas-dev \
  libxxhash-dev librandom123-dev libinih-dev libjansson-dev zlib1g-dev libcmocka-dev libunistring-dev \
  python3 python3-torch python3-h5py python3-numpy python3-pandas gnuplot-nox \
  tmux iproute2 munge slurmctld slurmd slurm-client libpmix-dev \
  clang libclang-rt-14-dev"
# Slurm: tests/slurm_cluster.sh starts its own munged, slurmctld and slurmd (Slurm's services stay
# off without /etc/slurm/slurm.conf); srun --mpi=pmix loads libpmix.so, which is in libpmix-dev.
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $PACKAGES
