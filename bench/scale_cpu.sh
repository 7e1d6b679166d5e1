#!/usr/bin/env bash
# Data-parallel scaling on the CPU: the same training (same global batch, same seed) as one process and as two
# (`train --nproc 2`, through mpirun), for full fine-tuning and LoRA of the `small` preset (about 20 M parameters with a 1024-token vocabulary
# learned first) on examples/data/harbour.txt. One process accumulates 2 micro-batches per step; two processes take one each, so both
# compute the same steps. Prints wall seconds, tokens/s (summary.json: trained tokens per second over all ranks) and
# the ratio. Libtorch uses all cores in one process; two processes on one machine divide them (cores / 2 threads each).
#   bench/scale_cpu.sh [STEPS]   (default 8)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
steps="${1:-8}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$root/examples/data/harbour.txt" "$work/"
for method in full lora; do
  {
    echo "base_model: preset:small"
    echo "train_tokenizer: {vocab_size: 1024}"
    echo "datasets: [{path: harbour.txt, type: text}]"
    echo "sequence_len: 256"
    echo "micro_batch_size: 4"
    echo "gradient_accumulation_steps: 1"
    echo "max_steps: $steps"
    echo "learning_rate: 0.0003"
    echo "lr_scheduler: constant"
    echo "device: cpu"
    echo "seed: 1"
    if [ "$method" = lora ]; then echo "adapter: lora"; echo "lora_r: 16"; echo "lora_alpha: 32"; echo "lora_target_linear: true"; fi
  } > "$work/$method.yaml"
done
"$root/sharptune" info >/dev/null 2>&1 || true   # build once, outside the timings
printf '| method | processes | threads each | wall s | tokens/s | tokens/s ratio |\n|---|---:|---:|---:|---:|---:|\n'
for method in full lora; do
  base=""
  for n in 1 2; do
    out="$work/$method-$n"
    start=$(date +%s.%N)
    if [ "$n" = 1 ]; then
      "$root/sharptune" train "$work/$method.yaml" --set output_dir="$out" --set gradient_accumulation_steps=2 >"$out.log" 2>&1
    else
      "$root/sharptune" train "$work/$method.yaml" --nproc 2 --set output_dir="$out" >"$out.log" 2>&1
    fi
    wall=$(python3 -c "import sys; print(float(sys.argv[1]) - float(sys.argv[2]))" "$(date +%s.%N)" "$start")
    tps=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['tokens_per_second'])" "$out/summary.json")
    threads=$(( $(nproc) / n )); [ "$threads" -ge 1 ] || threads=1
    [ -n "$base" ] || base="$tps"
    printf '| %s | %d | %d | %.1f | %.0f | %.2f |\n' "$method" "$n" "$threads" "$wall" "$tps" "$(python3 -c "import sys; print(float(sys.argv[1]) / float(sys.argv[2]))" "$tps" "$base")"
  done
done
