#!/usr/bin/env bash
# 4-bit (NF4 + double quantization) dequantize + matmul, as QuantizedLinear runs it, against the plain matmul of the
# same shape (fp32 on CPU, bf16 on CUDA), forward and forward + backward; then NF4/FP4/int4 MSE on N(0, 1) data.
# Prints a markdown table (copy it into bench/BENCHMARKS.md).
#   bench/quant_matmul.sh                 # CPU, shapes [2048, 2048] × 512 and [1024, 1024] × 256
#   bench/quant_matmul.sh cpu OUT IN TOKENS [OUT IN TOKENS]...
#
# GPU (the lent machine has CUDA PyTorch but no .NET): publish here, carry the archive, run it there against
# that machine's own torch/lib (whether TorchSharp 0.107's LibTorchSharp, built for libtorch 2.10, runs against
# PyTorch 2.11's libtorch is unverified; see DESIGN.md):
#   bench/quant_matmul.sh pack-gpu        # here: writes .build/quantbench-gpu.tar.xz (≈30 MB)
#   bench/quant_matmul.sh run-gpu         # there (carry .build/quantbench-gpu.tar.xz): unpacks and runs on cuda, [4096, 4096] × 512
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-cpu}"
case "$mode" in
  pack-gpu)
    ./setup.sh --if-needed >/dev/null
    rm -rf .build/quantbench-gpu
    dotnet publish bench/QuantBench/QuantBench.csproj -c Release -r linux-x64 --self-contained \
      -p:SharpTuneNoLibTorchPackage=true -o .build/quantbench-gpu --nologo -v q
    tar -C .build -cJf .build/quantbench-gpu.tar.xz quantbench-gpu
    ls -l .build/quantbench-gpu.tar.xz
    ;;
  run-gpu)
    [ -d .build/quantbench-gpu ] || tar -C .build -xJf .build/quantbench-gpu.tar.xz
    torch_lib="$(python3 -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')"
    shift || true
    LD_LIBRARY_PATH="$torch_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" .build/quantbench-gpu/QuantBench cuda "$@"
    nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
    ;;
  *)
    ./setup.sh --if-needed >/dev/null
    dotnet build bench/QuantBench/QuantBench.csproj -c Release --nologo -v q >/dev/null
    shift || true
    if [ $# -eq 0 ]; then set -- 2048 2048 512 1024 1024 256; fi
    dotnet bench/QuantBench/bin/Release/net10.0/QuantBench.dll "$mode" "$@"
    lscpu | grep -E 'Model name|^CPU\(s\)' || true
    uptime
    ;;
esac
