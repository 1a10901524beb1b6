#!/bin/sh
# Installs the Debian packages rollsim needs to build, test and plot (Debian 12 or later; run as root).
set -eu
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  build-essential cmake pkg-config git ca-certificates \
  libgsl-dev liblua5.4-dev libjansson-dev libcmocka-dev \
  gnuplot-nox >/dev/null
echo "setup.sh: build dependencies installed"
