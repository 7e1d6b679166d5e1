#!/usr/bin/env bash
# Builds what the GPU machine needs (it has PyTorch but no .NET and no network): a self-contained linux-x64 publish
# of the sharptune CLI without the CPU libtorch package — the machine's own PyTorch supplies libtorch — packed as
# .build/gpu-kit.tar.xz, small enough to travel with the working tree. Then, there: bench/gpu/run.sh.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
./setup.sh --if-needed
rm -rf .build/gpu-kit .build/gpu-kit.tar.xz
dotnet publish src/SharpTune.Cli/SharpTune.Cli.csproj -c Release -r linux-x64 --self-contained \
  -p:SharpTuneNoLibTorchPackage=true -o .build/gpu-kit/cli --nologo -v quiet
tar -C .build -cJf .build/gpu-kit.tar.xz gpu-kit
echo "pack: .build/gpu-kit.tar.xz ($(du -m .build/gpu-kit.tar.xz | cut -f1) MB)"
