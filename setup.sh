#!/bin/sh
# Installs the Debian packages rollsim needs to build, test and plot, and to build and test the optional MPI
# variant (Debian 12 or later; run as root). python3 runs the docs test (tests/docs_check.py).
set -eu
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  build-essential cmake pkg-config git ca-certificates \
  libgsl-dev liblua5.4-dev libjansson-dev libyaml-dev libcmocka-dev \
  gnuplot-nox python3 \
  libopenmpi-dev openmpi-bin >/dev/null # Open MPI: the optional -DROLLSIM_MPI=ON build (docs/cluster.md)
echo "setup.sh: build dependencies installed"
