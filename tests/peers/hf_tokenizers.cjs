// Hugging Face's own tokenizers library (Rust, through its Node bindings), the one transformers'
// PreTrainedTokenizerFast runs on.
//   node hf_tokenizers.cjs encode FOLDER < {"texts": [...]}
//     loads FOLDER/tokenizer.json and prints [{ids, plain_ids, decoded, decoded_skip_special}] per text.
//   node hf_tokenizers.cjs train TOKENIZER_JSON CORPUS.txt
//     loads TOKENIZER_JSON, trains its BPE model on CORPUS.txt with the library's default BpeTrainer (one text
//     per line, min frequency 0, until no pair is left or 30000 tokens), and prints {"vocab": {...}, "merges": [...]}.
const { readFileSync, mkdtempSync, rmSync } = require("node:fs");
const { join } = require("node:path");
const { tmpdir } = require("node:os");
const { Tokenizer } = require("tokenizers");

async function encode(folder) {
  const tokenizer = Tokenizer.fromFile(join(folder, "tokenizer.json"));
  const { texts } = JSON.parse(readFileSync(0, "utf8"));
  const results = [];
  for (const text of texts) {
    const ids = (await tokenizer.encode(text, null, { addSpecialTokens: true })).getIds();
    const plain = (await tokenizer.encode(text, null, { addSpecialTokens: false })).getIds();
    results.push({
      ids,
      plain_ids: plain,
      decoded: await tokenizer.decode(ids, false),
      decoded_skip_special: await tokenizer.decode(ids, true),
    });
  }
  process.stdout.write(JSON.stringify({ vocab_size: tokenizer.getVocabSize(true), results }));
}

function train(tokenizerJson, corpus) {
  const tokenizer = Tokenizer.fromFile(tokenizerJson);
  tokenizer.train([corpus]);
  const dir = mkdtempSync(join(tmpdir(), "hf-train-"));
  try {
    tokenizer.save(join(dir, "tokenizer.json"));
    const model = JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8")).model;
    const merges = model.merges.map((m) => (Array.isArray(m) ? m.join(" ") : m));
    process.stdout.write(JSON.stringify({ vocab: model.vocab, merges }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const [mode, ...args] = process.argv.slice(2);
if (mode === "encode" && args.length === 1) {
  encode(args[0]).catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else if (mode === "train" && args.length === 2) {
  train(args[0], args[1]);
} else {
  console.error("usage: node hf_tokenizers.cjs encode FOLDER < texts.json | train TOKENIZER_JSON CORPUS.txt");
  process.exit(2);
}
