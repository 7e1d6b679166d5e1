#!/usr/bin/env bash
# Compares tuning methods on one task: trains each config (full, freeze, LoRA, QLoRA when examples/qlora.yaml exists,
# prompt / prefix / P-tuning — all on examples/pretrain.yaml's base and the generated "which number is larger?" task),
# then prints a markdown table from each run's summary.json: trainable parameters (and their share), peak process
# memory, training tokens/s, initial → final eval loss and their ratio, and the wall and CPU time of the run.
#   bench/compare_methods.sh                      # the default list below
#   bench/compare_methods.sh examples/lora.yaml examples/p_tuning.yaml
#   NO_TRAIN=1 bench/compare_methods.sh           # only tabulate the summaries already in the runs' output_dir
# Tokens/s and times are wall-clock on whatever else the machine is doing: compare ratios on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
configs=("$@")
if [ ${#configs[@]} -eq 0 ]; then
  configs=(examples/full.yaml examples/freeze.yaml examples/lora.yaml examples/qlora.yaml
           examples/prompt_tuning.yaml examples/prefix_tuning.yaml examples/p_tuning.yaml)
fi

# The base every example shares, trained once up front so that no run's time includes it.
[ -n "${NO_TRAIN:-}" ] || [ -f runs/pretrain/summary.json ] || ./sharptune train examples/pretrain.yaml >/dev/null

mkdir -p .build/bench
times=.build/bench/compare_methods.times
: > "$times.new"
notes=()
for config in "${configs[@]}"; do
  if [ ! -f "$config" ]; then
    notes+=("$config: not here (skipped)")
    continue
  fi
  if [ -z "${NO_TRAIN:-}" ]; then
    echo "training $config ..." >&2
    /usr/bin/time -f "%e %U %S" -o .build/bench/one.time ./sharptune train "$config" >/dev/null
    echo "$config $(cat .build/bench/one.time)" >> "$times.new"
  fi
done
[ -n "${NO_TRAIN:-}" ] || mv "$times.new" "$times"

python3 - "$times" "${configs[@]}" <<'PY'
import json, os, re, sys
times = {}
if os.path.exists(sys.argv[1]):
    for line in open(sys.argv[1]):
        parts = line.split()
        if len(parts) == 4:
            times[parts[0]] = (float(parts[1]), float(parts[2]) + float(parts[3]))
print("| config | method | trainable params | share | peak memory MB | tokens/s | steps × rows | eval loss initial → final | final / initial | wall s | CPU s |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for config in sys.argv[2:]:
    if not os.path.exists(config):
        continue
    text = open(config).read()
    out = re.search(r"^output_dir:\s*(\S+)", text, re.M).group(1)
    rows = re.search(r"^micro_batch_size:\s*(\d+)", text, re.M)
    accumulate = re.search(r"^gradient_accumulation_steps:\s*(\d+)", text, re.M)
    summary_path = os.path.normpath(os.path.join(os.path.dirname(config), out, "summary.json"))
    if not os.path.exists(summary_path):
        print(f"| {config} | (no summary.json at {summary_path}) | | | | | | | | | |")
        continue
    s = json.load(open(summary_path))
    batch = int(rows.group(1)) * (int(accumulate.group(1)) if accumulate else 1) if rows else 0
    ratio = s["final_eval_loss"] / s["initial_eval_loss"]
    wall, cpu = times.get(config, (float("nan"), float("nan")))
    print(f"| {os.path.basename(config)} | {s['method']} | {s['trainable_parameters']:,} | {100.0 * s['trainable_parameters'] / s['total_parameters']:.2f} % "
          f"| {s['peak_memory_bytes'] / 2**20:.0f} | {s['tokens_per_second']:.0f} | {s['steps']} × {batch} "
          f"| {s['initial_eval_loss']:.3f} → {s['final_eval_loss']:.3f} | {ratio:.3f} | {wall:.0f} | {cpu:.0f} |")
PY
for note in "${notes[@]+"${notes[@]}"}"; do echo "- $note"; done
