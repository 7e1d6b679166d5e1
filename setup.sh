#!/usr/bin/env bash
# SharpTune set-up: system prerequisites and NuGet restore.
# Idempotent: each step checks first and says what it does; a second run changes nothing.
set -euo pipefail
cd "$(dirname "$0")"

say() { printf 'setup: %s\n' "$*"; }
stamp() { { sha256sum setup.sh; cat Directory.Build.props src/*/*.csproj tests/*/*.csproj | sha256sum; } 2>/dev/null; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root for: $* (run as root or install sudo)"; fi
}

libstdcxx() { ldconfig -p | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}'; }
has_glibcxx() { local lib; lib=$(libstdcxx); [ -n "$lib" ] && grep -aq 'GLIBCXX_3\.4\.32' "$lib"; }
# Open MPI: the launcher (mpirun) and the library SharpTune binds for multi-process training.
has_mpi() { command -v mpirun >/dev/null 2>&1 && ldconfig -p | grep -q 'libmpi\.so'; }

# --if-needed: the launchers' fast path. Nothing to do when the last set-up ran with these
# same inputs and the machine still has what it installed.
if [ "${1:-}" = "--if-needed" ] && [ -f .build/setup.stamp ] && [ "$(stamp)" = "$(cat .build/setup.stamp)" ] && has_glibcxx && has_mpi; then
  exit 0
fi

# 1. The .NET SDK.
command -v dotnet >/dev/null 2>&1 || die "the .NET SDK (10.0 or newer) is not on PATH; install it and run ./setup.sh again"
sdk_major=$(dotnet --version | cut -d. -f1)
[ "$sdk_major" -ge 10 ] || die "the .NET SDK is $(dotnet --version); SharpTune needs 10.0 or newer"
say ".NET SDK $(dotnet --version) found"

# 2. libstdc++ with GLIBCXX_3.4.32 (TorchSharp 0.107's native library needs GCC 13's runtime).
if has_glibcxx; then
  say "libstdc++ provides GLIBCXX_3.4.32"
else
  [ -f /etc/debian_version ] || die "$(libstdcxx) lacks GLIBCXX_3.4.32; install libstdc++ from GCC 13 or newer"
  src_dir=/etc/apt/sources.list.d
  uri=""
  if [ -f "$src_dir/debian.sources" ]; then
    uri=$(awk '/^URIs:/ {print $2; exit}' "$src_dir/debian.sources")
  elif [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1 == "deb" && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' /etc/apt/sources.list)
  fi
  [ -n "$uri" ] || die "could not read a Debian mirror URI from $src_dir/debian.sources or /etc/apt/sources.list"
  say "libstdc++ lacks GLIBCXX_3.4.32: adding Debian 13 (trixie) from $uri with a low pin, then installing its libstdc++6"
  as_root tee "$src_dir/sharptune-trixie.sources" >/dev/null <<EOF
Types: deb
URIs: $uri
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  as_root tee /etc/apt/preferences.d/sharptune-trixie >/dev/null <<'EOF'
Package: *
Pin: release n=trixie
Pin-Priority: 100
EOF
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q -t trixie libstdc++6
  has_glibcxx || die "installed trixie's libstdc++6 but $(libstdcxx) still lacks GLIBCXX_3.4.32"
  say "libstdc++ now provides GLIBCXX_3.4.32"
fi

# 3. Open MPI, for `train --nproc N` (data-parallel training over several processes or machines).
if has_mpi; then
  say "Open MPI found ($(command -v mpirun))"
else
  [ -f /etc/debian_version ] || die "Open MPI (mpirun and libmpi.so) is missing; install your system's Open MPI package"
  say "Open MPI is missing: installing openmpi-bin and libopenmpi-dev"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q openmpi-bin libopenmpi-dev
  has_mpi || die "installed Open MPI but mpirun or libmpi.so is still missing"
fi

# 4. NuGet packages (TorchSharp, libtorch-cpu, ...). dotnet restore is itself incremental.
say "restoring NuGet packages"
dotnet restore SharpTune.sln --verbosity quiet --nologo

mkdir -p .build
stamp > .build/setup.stamp
say "done"
