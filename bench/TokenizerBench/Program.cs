// Tokenizer encode benchmark (see bench/tokenizer_encode.sh).
//   TokenizerBench corpus OUT.jsonl
//     writes the benchmark corpus: the test corpus, English prose (english.txt, as paragraphs and as long
//     documents) and JavaScript/TypeScript source from tests/peers/node_modules, repeated and shuffled with a fixed seed
//   TokenizerBench encode TOKENIZER_FOLDER CORPUS.jsonl [SECONDS]
//     one JSON line, as tests/peers/encode.mjs bench prints it: encode throughput on one thread, warm, without
//     special tokens, after one warm-up pass, over at least SECONDS (default 3), per wall-clock and per CPU second
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.Tokenization;

if (args.Length >= 2 && args[0] == "corpus") return WriteCorpus(args[1]);
if (args.Length >= 3 && args[0] == "encode") return Encode(args[1], args[2], args.Length > 3 ? double.Parse(args[3]) : 3);
Console.Error.WriteLine("usage: TokenizerBench corpus OUT.jsonl | encode TOKENIZER_FOLDER CORPUS.jsonl [SECONDS]");
return 2;

static int Encode(string folder, string corpusPath, double minSeconds)
{
    var load = Stopwatch.StartNew();
    var tokenizer = HfTokenizer.Load(folder);
    double loadSeconds = load.Elapsed.TotalSeconds;
    var texts = File.ReadLines(corpusPath).Where(l => l.Length > 0).Select(l => (string)JsonNode.Parse(l)!["text"]!).ToList();
    long bytesPerPass = texts.Sum(t => (long)Encoding.UTF8.GetByteCount(t));
    long tokens = 0;
    foreach (var t in texts) tokens += tokenizer.Encode(t, addSpecialTokens: false).Count; // warm-up pass
    int passes = 0;
    var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    do
    {
        foreach (var t in texts) tokenizer.Encode(t, addSpecialTokens: false);
        passes++;
    } while (clock.Elapsed.TotalSeconds < minSeconds);
    double seconds = clock.Elapsed.TotalSeconds;
    double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalSeconds;
    long bytes = bytesPerPass * passes;
    Console.WriteLine(JsonSerializer.Serialize(new
    {
        bytes, seconds, mb_per_s = bytes / 1e6 / seconds, cpu_seconds = cpuSeconds, mb_per_cpu_s = bytes / 1e6 / cpuSeconds,
        load_seconds = loadSeconds, tokens_per_pass = tokens,
    }));
    return 0;
}

static int WriteCorpus(string output)
{
    string root = AppContext.BaseDirectory;
    while (!File.Exists(Path.Combine(root, "SharpTune.sln"))) root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("no SharpTune.sln above the benchmark");
    var lines = new List<string>();
    var test = File.ReadLines(Path.Combine(root, "tests", "SharpTune.Tests", "Tokenization", "Data", "corpus.jsonl"))
        .Where(l => l.Length > 0).Select(l => (string)JsonNode.Parse(l)!["text"]!).ToList();
    for (int i = 0; i < 60; i++) lines.AddRange(test);

    var english = File.ReadAllText(Path.Combine(root, "bench", "TokenizerBench", "english.txt"));
    var paragraphs = english.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(p => p.Trim()).ToList();
    for (int i = 0; i < 120; i++) lines.AddRange(paragraphs);
    for (int i = 0; i < 20; i++) lines.Add(string.Join("\n\n", Enumerable.Repeat(english.Trim(), 5)));

    var lenml = Path.Combine(root, "tests", "peers", "node_modules", "@lenml", "tokenizers");
    string[] sources = ["src/tokenizers/tokenizers.js", "src/tokenizers/utils/data-structures.js", "src/tokenizers/utils/maths.js", "dist/main.d.ts"];
    foreach (var source in sources)
    {
        var path = Path.Combine(lenml, source);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} is missing: run tests/peers/ensure.sh");
        var code = File.ReadAllLines(path);
        for (int repeat = 0; repeat < 5; repeat++)
            for (int i = 0; i < code.Length; i += 50)
                lines.Add(string.Join("\n", code.Skip(i).Take(50)) + "\n");
    }

    var random = new Random(1234);
    var shuffled = lines.OrderBy(_ => random.Next()).ToList();
    using var writer = new StreamWriter(output, false, new UTF8Encoding(false));
    foreach (var text in shuffled) writer.WriteLine(JsonSerializer.Serialize(new { text }, new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
    Console.Error.WriteLine($"{output}: {shuffled.Count} lines, {shuffled.Sum(t => (long)Encoding.UTF8.GetByteCount(t)):N0} bytes");
    return 0;
}
