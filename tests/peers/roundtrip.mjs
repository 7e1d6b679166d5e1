// Loads a tokenizer folder (tokenizer.json + tokenizer_config.json) with @lenml/tokenizers (a port of
// transformers.js' tokenizers) and, for each text read from stdin ({"texts": [...]}), prints what that library
// makes of it: ids with and without special tokens, the token strings, the byte-level pre-tokenizer pieces, and
// the decoded ids. Usage: node roundtrip.mjs FOLDER < input.json > output.json
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TokenizerLoader } from "@lenml/tokenizers";

const folder = process.argv[2];
if (!folder) {
  console.error("usage: node roundtrip.mjs FOLDER < {\"texts\": [...]}");
  process.exit(2);
}
const readJson = (name) => JSON.parse(readFileSync(join(folder, name), "utf8"));
const tokenizer = TokenizerLoader.fromPreTrained({
  tokenizerJSON: readJson("tokenizer.json"),
  tokenizerConfig: readJson("tokenizer_config.json"),
});
const { texts } = JSON.parse(readFileSync(0, "utf8"));
const decode = (ids, skip) => (ids.length === 0 ? "" : tokenizer.decode(ids, { skip_special_tokens: skip }));
const results = texts.map((text) => {
  const ids = tokenizer.encode(text);
  const plain = tokenizer.encode(text, { add_special_tokens: false });
  return {
    ids,
    plain_ids: plain,
    tokens: tokenizer.tokenize(text),
    pieces: tokenizer.pre_tokenizer ? tokenizer.pre_tokenizer(text) : [text],
    decoded: decode(ids, false),
    decoded_skip_special: decode(ids, true),
  };
});
process.stdout.write(JSON.stringify({ vocab_size: tokenizer.model.vocab.length, results }));
