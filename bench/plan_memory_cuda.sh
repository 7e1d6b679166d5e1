#!/usr/bin/env bash
# `sharptune plan` against measured CUDA memory. Run on a machine with a GPU, .NET and a CUDA PyTorch
# (SHARPTUNE_LIBTORCH pointing at its torch/lib, see README "GPU"):
#   SHARPTUNE_LIBTORCH=.../torch/lib bench/plan_memory_cuda.sh [CONFIG] [STEPS]
# For three variants of CONFIG (default examples/lora.yaml) — as is, with gradient_checkpointing, and with
# micro_batch_size 1 — it prints plan's predicted device total and the training process's peak GPU memory, polled
# from nvidia-smi every 50 ms over a STEPS-step run (default 3). nvidia-smi's figure includes the CUDA context and
# the caching allocator's spare blocks, so the absolute numbers differ by that constant; the DIFFERENCES between
# variants (activations only: the other rows do not change) are the check of plan's activation formula.
# Status: written for the GPU machine; not yet run (no GPU was lent when it was written).
set -euo pipefail
cd "$(dirname "$0")/.."
config="${1:-examples/lora.yaml}"
steps="${2:-3}"
command -v nvidia-smi >/dev/null || { echo "plan_memory_cuda: needs nvidia-smi (a CUDA machine)" >&2; exit 1; }
[ -n "${SHARPTUNE_LIBTORCH:-}" ] || { echo "plan_memory_cuda: set SHARPTUNE_LIBTORCH to a CUDA PyTorch's torch/lib" >&2; exit 1; }
out=.build/bench/plan_memory
mkdir -p "$out"
# Train the base first if the config builds on another run, so the measured runs train only CONFIG.
./sharptune train "$config" --set max_steps=1 --set device=cuda --set output_dir="$PWD/$out/warmup" >/dev/null

measure() {  # name, then --set overrides
  local name="$1"; shift
  local sets=(--set device=cuda --set max_steps="$steps" --set eval_steps=1000 --set save_steps=1000 --set val_set_size=0 --set output_dir="$PWD/$out/$name")
  local predicted
  predicted=$(./sharptune plan "$config" "${sets[@]}" "$@" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["device_total_bytes"])')
  ./sharptune train "$config" "${sets[@]}" "$@" >"$out/$name.log" 2>&1 &
  local pid=$! peak=0
  while kill -0 "$pid" 2>/dev/null; do
    local used
    used=$(nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader,nounits | awk -F', ' '{s+=$2} END {print s+0}')
    [ "$used" -gt "$peak" ] && peak=$used
    sleep 0.05
  done
  wait "$pid"
  echo "$name $predicted $((peak * 1024 * 1024))"
}

{
  measure base
  measure checkpointed --set gradient_checkpointing=true
  measure batch1 --set micro_batch_size=1
} | python3 -c '
import sys
rows = {n: (int(p), int(m)) for n, p, m in (line.split() for line in sys.stdin)}
mib = lambda b: f"{b / 2**20:.1f}"
print("| variant | predicted MiB | measured MiB (nvidia-smi) |")
print("|---|---:|---:|")
for n, (p, m) in rows.items(): print(f"| {n} | {mib(p)} | {mib(m)} |")
bp, bm = rows["base"]
for n in ("checkpointed", "batch1"):
    p, m = rows[n]
    dp, dm = bp - p, bm - m
    ratio = f"{dm / dp:.2f}" if dp else "n/a"
    print(f"| base − {n} (activations) | {mib(dp)} | {mib(dm)} (measured/predicted {ratio}) |")
'
