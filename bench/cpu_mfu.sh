#!/usr/bin/env bash
# CPU training efficiency: runs `sharptune bench --json` RUNS times per method (default 3; methods default: lora) and
# prints a markdown table of the median run by MFU — tokens/s, MFU against the same run's measured matmul peak,
# the peak, peak RSS, the time split and the data pipeline's speed as a multiple of what training consumes.
#   bench/cpu_mfu.sh                 # LoRA r=16 on the 23M `small` preset, 4×512 tokens per step
#   RUNS=5 bench/cpu_mfu.sh lora full qlora
# Extra `sharptune bench` options go in BENCH_ARGS, e.g. BENCH_ARGS="--seq-len 256 --batch 8".
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
methods=("$@"); [ ${#methods[@]} -gt 0 ] || methods=(lora)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for method in "${methods[@]}"; do
  for i in $(seq 1 "$runs"); do
    # shellcheck disable=SC2086
    ./sharptune bench --method "$method" --device cpu --json ${BENCH_ARGS:-} 2>/dev/null | tail -1 > "$out/$method-$i.json"
    echo "$method run $i: $(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["tokens_per_second"], "tokens/s, MFU", r["mfu"])' "$out/$method-$i.json")" >&2
  done
done
python3 - "$out" "$runs" "${methods[@]}" <<'PY'
import json, os, statistics, sys
folder, runs, methods = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
print("| method | runs | tokens/s (median) | MFU (median; min–max) | matmul peak | peak RSS | forward | backward | optimizer | data | data pipeline |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for m in methods:
    rs = [json.load(open(os.path.join(folder, f"{m}-{i}.json"))) for i in range(1, runs + 1)]
    rs.sort(key=lambda r: r["mfu"])
    med = rs[len(rs) // 2]
    split = med["time_split"]
    ratio = med.get("data_to_training_ratio")
    print(f"| {m} | {runs} | {med['tokens_per_second']:.0f} | {med['mfu']:.2f} ({rs[0]['mfu']:.2f}–{rs[-1]['mfu']:.2f}) | "
          f"{med['matmul_peak_flops'] / 1e9:.0f} GFLOP/s | {med['peak_memory_bytes'] / 2**30:.2f} GiB | "
          + " | ".join(f"{100 * split[k]:.1f} %" for k in ("forward", "backward", "optimizer", "data"))
          + (f" | {ratio:.0f}× training |" if ratio else " | — |"))
PY
