// Encodes and decodes a JSONL corpus ({"text": ...} per line) with @lenml/tokenizers, the reference the
// SharpTune tokenizer is compared against.
//
//   node encode.mjs compare TOKENIZER_FOLDER CORPUS.jsonl
//     one JSON line per input line: {"with": ids, "without": ids, "decoded": text, "decoded_skip": text, "roundtrip": text}
//     ("with"/"without" special tokens; "decoded"/"decoded_skip" decode the "with" ids keeping/skipping special
//     tokens; "roundtrip" decodes the "without" ids keeping them)
//   node encode.mjs bench TOKENIZER_FOLDER CORPUS.jsonl [SECONDS]
//     one JSON line: {"bytes", "seconds", "mb_per_s", "cpu_seconds", "mb_per_cpu_s", "load_seconds"}; encodes the corpus
//     (without special tokens) on one thread, warm, repeating passes for at least SECONDS (default 3)
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TokenizerLoader } from "@lenml/tokenizers";

const [mode, folder, corpusPath, secondsArg] = process.argv.slice(2);
if (!mode || !folder || !corpusPath) {
  console.error("usage: node encode.mjs compare|bench TOKENIZER_FOLDER CORPUS.jsonl [SECONDS]");
  process.exit(2);
}

const loadStart = performance.now();
const tokenizer = TokenizerLoader.fromPreTrained({
  tokenizerJSON: JSON.parse(readFileSync(join(folder, "tokenizer.json"), "utf8")),
  tokenizerConfig: JSON.parse(readFileSync(join(folder, "tokenizer_config.json"), "utf8")),
});
const loadSeconds = (performance.now() - loadStart) / 1000;

const texts = readFileSync(corpusPath, "utf8")
  .split("\n")
  .filter((line) => line.length > 0)
  .map((line) => JSON.parse(line).text);

// The peer throws on an empty id list; an empty list decodes to the empty string.
const decode = (ids, skip) => (ids.length === 0 ? "" : tokenizer.decode(ids, { skip_special_tokens: skip }));

if (mode === "compare") {
  const lines = texts.map((text) => {
    const withIds = tokenizer.encode(text, { add_special_tokens: true });
    const withoutIds = tokenizer.encode(text, { add_special_tokens: false });
    return JSON.stringify({
      with: withIds,
      without: withoutIds,
      decoded: decode(withIds, false),
      decoded_skip: decode(withIds, true),
      roundtrip: decode(withoutIds, false),
    });
  });
  process.stdout.write(lines.join("\n") + "\n");
} else if (mode === "bench") {
  const minSeconds = Number(secondsArg ?? "3");
  const bytesPerPass = texts.reduce((n, t) => n + Buffer.byteLength(t, "utf8"), 0);
  for (const t of texts) tokenizer.encode(t, { add_special_tokens: false }); // warm-up pass
  let passes = 0;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  let elapsed = 0;
  do {
    for (const t of texts) tokenizer.encode(t, { add_special_tokens: false });
    passes++;
    elapsed = (performance.now() - start) / 1000;
  } while (elapsed < minSeconds);
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const bytes = bytesPerPass * passes;
  process.stdout.write(
    JSON.stringify({
      bytes, seconds: elapsed, mb_per_s: bytes / 1e6 / elapsed, cpu_seconds: cpuSeconds, mb_per_cpu_s: bytes / 1e6 / cpuSeconds,
      load_seconds: loadSeconds,
    }) + "\n"
  );
} else {
  console.error(`unknown mode '${mode}'`);
  process.exit(2);
}
