using System.CommandLine;
using System.Text;
using System.Text.Json;
using SharpTune.IO;
using SharpTune.Tokenization;

namespace SharpTune.Cli.Commands;

/// <summary>
/// <c>sharptune tokenizer</c>: work with a tokenizer folder (tokenizer.json + tokenizer_config.json). Each subcommand
/// is a small factory (<c>train</c> lives in <see cref="TokenizerTrainCommand"/>); <see cref="Create"/> lists them.
/// </summary>
internal static class TokenizerCommand
{
    public static Command Create() => new("tokenizer", "Train a tokenizer, encode text to token ids and decode ids to text (Hugging Face tokenizer.json).")
    {
        TokenizerTrainCommand.Create(),
        Encode(),
        Decode(),
    };

    /// <summary><c>tokenizer encode</c>: JSONL lines <c>{"text": ...}</c> in, <c>{"ids": [...]}</c> out.</summary>
    internal static Command Encode()
    {
        var tokenizer = TokenizerOption();
        var input = InputOption("JSONL file of {\"text\": \"...\"} lines (- for stdin)");
        var output = OutputOption();
        var addSpecial = new Option<bool>("--add-special-tokens") { Description = "add what the tokenizer adds around a sequence (e.g. bos)" };
        var command = new Command("encode", "Encode {\"text\": ...} lines to {\"ids\": [...]} lines, one per input line.")
        {
            tokenizer, input, output, addSpecial,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            var tok = HfTokenizer.Load(result.GetValue(tokenizer)!);
            bool special = result.GetValue(addSpecial);
            Transform(result.GetValue(input)!, result.GetValue(output), (line, where) =>
            {
                var text = ReadField(line, where, "text", JsonValueKind.String).GetString()!;
                return "{\"ids\":[" + string.Join(",", tok.Encode(text, special)) + "]}";
            });
        }));
        return command;
    }

    /// <summary><c>tokenizer decode</c>: JSONL lines <c>{"ids": [...]}</c> in, <c>{"text": ...}</c> out.</summary>
    internal static Command Decode()
    {
        var tokenizer = TokenizerOption();
        var input = InputOption("JSONL file of {\"ids\": [...]} lines (- for stdin)");
        var output = OutputOption();
        var skipSpecial = new Option<bool>("--skip-special-tokens") { Description = "leave special tokens (bos, eos, chat markers) out of the text" };
        var command = new Command("decode", "Decode {\"ids\": [...]} lines to {\"text\": ...} lines, one per input line.")
        {
            tokenizer, input, output, skipSpecial,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            var tok = HfTokenizer.Load(result.GetValue(tokenizer)!);
            bool skip = result.GetValue(skipSpecial);
            Transform(result.GetValue(input)!, result.GetValue(output), (line, where) =>
            {
                var array = ReadField(line, where, "ids", JsonValueKind.Array);
                var ids = new List<long>(array.GetArrayLength());
                int i = 0;
                foreach (var item in array.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long id))
                        throw new SharpTuneException($"{where}: field 'ids'[{i}] must be an integer, got {item.GetRawText()}");
                    if (id < 0 || id >= tok.VocabSize)
                        throw new SharpTuneException($"{where}: field 'ids'[{i}] = {id} is outside the vocabulary (0 to {tok.VocabSize - 1})");
                    ids.Add(id);
                    i++;
                }
                return "{\"text\":" + JsonString(tok.Decode(ids, skip)) + "}";
            });
        }));
        return command;
    }

    private static Option<string> TokenizerOption() => new("--tokenizer")
    {
        Description = "a folder with tokenizer.json (and tokenizer_config.json), e.g. a model folder",
        Required = true,
    };

    private static Option<string> InputOption(string description) => new("--input") { Description = description, Required = true };

    private static Option<string?> OutputOption() => new("--output") { Description = "file to write (default: stdout); written whole or not at all" };

    /// <summary>Maps each non-blank line of <paramref name="input"/> through <paramref name="map"/> (given "file:line" for errors) to one output line.</summary>
    private static void Transform(string input, string? output, Func<string, string, string> map)
    {
        if (input != "-" && !File.Exists(input)) throw new SharpTuneException($"{input}: file not found");
        void Run(TextWriter writer)
        {
            using var reader = input == "-" ? new StreamReader(Console.OpenStandardInput(), Encoding.UTF8) : new StreamReader(input, Encoding.UTF8);
            string name = input == "-" ? "stdin" : input;
            int number = 0;
            while (reader.ReadLine() is { } line)
            {
                number++;
                if (string.IsNullOrWhiteSpace(line)) continue;
                writer.Write(map(line, $"{name}:{number}"));
                writer.Write('\n');
            }
        }
        if (output == null)
        {
            using var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 1 << 16);
            Run(stdout);
            return;
        }
        AtomicFile.Write(output, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
            Run(writer);
        });
    }

    private static JsonElement ReadField(string line, string where, string field, JsonValueKind kind)
    {
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(line);
            root = doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new SharpTuneException($"{where}: not valid JSON: {e.Message}");
        }
        if (root.ValueKind != JsonValueKind.Object) throw new SharpTuneException($"{where}: must be a JSON object with field '{field}'");
        if (!root.TryGetProperty(field, out var value)) throw new SharpTuneException($"{where}: field '{field}' is missing");
        if (value.ValueKind != kind)
            throw new SharpTuneException($"{where}: field '{field}' must be {(kind == JsonValueKind.String ? "a string" : "a list of ids")}, got {value.ValueKind.ToString().ToLowerInvariant()}");
        return value;
    }

    /// <summary>A JSON string literal that keeps text readable: only quotes, backslashes, control characters and unpaired surrogates are escaped.</summary>
    internal static string JsonString(string text)
    {
        var sb = new StringBuilder(text.Length + 2).Append('"');
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    bool pair = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
                    if (pair) sb.Append(c).Append(text[++i]);
                    else if (c < 0x20 || char.IsSurrogate(c) || c is '\u2028' or '\u2029') sb.Append($"\\u{(int)c:x4}");
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }
}
