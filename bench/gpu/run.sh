#!/usr/bin/env bash
# On the GPU machine (CUDA, PyTorch, transformers, peft; no .NET): SharpTune on CUDA beside transformers + peft.
#   bench/gpu/run.sh [--quick]     (after bench/gpu/pack.sh here; .build/gpu-kit.tar.xz must travel along)
# Writes machine.txt, smoke.txt, numerics.json and side_by_side.{json,md} to $OUT (or .build/gpu-results).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
out="${OUT:-$root/.build/gpu-results}"
mkdir -p "$out"
[ -f .build/gpu-kit.tar.xz ] || { echo "run: .build/gpu-kit.tar.xz is missing: run bench/gpu/pack.sh first and carry it" >&2; exit 1; }
kit=$(mktemp -d)
tar -C "$kit" -xJf .build/gpu-kit.tar.xz
cli="$kit/gpu-kit/cli/SharpTune.Cli"
torchlib=$(python3 -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
export LD_LIBRARY_PATH="$torchlib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
{
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
  python3 -c 'import torch, transformers, peft; print("torch", torch.__version__, "cuda", torch.version.cuda, "transformers", transformers.__version__, "peft", peft.__version__)'
  nproc; date -u
} > "$out/machine.txt" 2>&1
cat "$out/machine.txt"

# 1. Does TorchSharp 0.107 (built against libtorch 2.10) run on this machine's libtorch, on CUDA?
echo "== smoke"
"$cli" bench --preset tiny --device cuda --steps 2 --no-data --json > "$out/smoke.txt" 2>&1
rc=$?; tail -3 "$out/smoke.txt"
[ $rc -eq 0 ] || { echo "run: the CUDA smoke run failed (exit $rc); see smoke.txt" >&2; exit 1; }

# 2. Numerics: our fp32 logits and LoRA gradients against transformers + peft on the same weights.
echo "== numerics"
python3 bench/gpu/numerics.py --cli "$cli" --out "$out"

# 3. Speed and memory side by side.
echo "== side by side"
python3 bench/gpu/side_by_side.py --cli "$cli" --out "$out" "$@"
