using System.CommandLine;
using SharpTune;
using SharpTune.Adapters;
using SharpTune.Inference;
using SharpTune.Models;
using SharpTune.Tokenization;

namespace SharpTune.Cli.Commands;

/// <summary><c>sharptune generate</c>: continues a prompt with a model folder, streaming the output.</summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var adapter = new Option<string?>("--adapter") { Description = "a peft LoRA adapter folder to apply (merged into the weights after loading)" };
        var prompt = new Option<string?>("--prompt") { Description = "text to continue" };
        var promptIds = new Option<string?>("--prompt-ids") { Description = "token ids to continue, e.g. 1,2,3 (prints ids)" };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "tokens to generate at most", DefaultValueFactory = _ => 64 };
        var temperature = new Option<double>("--temperature") { Description = "0 = greedy", DefaultValueFactory = _ => 0.0 };
        var topK = new Option<int>("--top-k") { Description = "sample among the k most likely (0 = all)", DefaultValueFactory = _ => 0 };
        var topP = new Option<double>("--top-p") { Description = "nucleus sampling mass", DefaultValueFactory = _ => 1.0 };
        var seed = new Option<long>("--seed") { Description = "sampling seed", DefaultValueFactory = _ => 0 };
        var device = CommonOptions.Device();
        var dtype = CommonOptions.Dtype();

        var command = new Command("generate", "Generate a continuation of a prompt (KV cache; greedy when --temperature is 0).")
        {
            model, adapter, prompt, promptIds, maxNew, temperature, topK, topP, seed, device, dtype,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            string? text = result.GetValue(prompt), ids = result.GetValue(promptIds);
            if ((text is null) == (ids is null)) throw new SharpTuneException("generate: give exactly one of --prompt and --prompt-ids");
            var (dev, type) = CommonOptions.Resolve(result.GetValue(device)!, result.GetValue(dtype)!);
            string folder = result.GetValue(model)!;
            using var lm = HfModelFolder.Load(folder, dev, type);
            if (result.GetValue(adapter) is { } adapterDir) LoraModel.Load(lm, adapterDir).MergeAndUnload();
            var options = new GenerationOptions
            {
                MaxNewTokens = result.GetValue(maxNew),
                Temperature = result.GetValue(temperature),
                TopK = result.GetValue(topK),
                TopP = result.GetValue(topP),
                Seed = result.GetValue(seed),
                StopIds = lm.Config.EosTokenIds.ToHashSet(),
            };
            var generator = new TextGenerator(lm);
            if (ids is not null)
            {
                var generated = generator.Generate(ParseIds(ids), options);
                Console.WriteLine(string.Join(",", generated));
                return;
            }
            var tokenizer = TokenizerLoader.ForModel(folder, lm.Config.VocabSize);
            Stream(tokenizer, generator.Generate(tokenizer.Encode(text!), options));
        }));
        return command;
    }

    /// <summary>Prints text as it is generated, holding back an incomplete UTF-8 character until it completes.</summary>
    private static void Stream(ITokenizer tokenizer, IEnumerable<long> tokens)
    {
        var generated = new List<long>();
        int printed = 0;
        foreach (var id in tokens)
        {
            generated.Add(id);
            string decoded = tokenizer.Decode(generated);
            if (decoded.EndsWith('\uFFFD') || decoded.Length <= printed) continue;
            Console.Write(decoded[printed..]);
            printed = decoded.Length;
        }
        string final = tokenizer.Decode(generated);
        if (final.Length > printed) Console.Write(final[printed..]);
        Console.WriteLine();
    }

    private static long[] ParseIds(string text)
    {
        try
        {
            return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(long.Parse).ToArray();
        }
        catch (FormatException)
        {
            throw new SharpTuneException($"--prompt-ids: expected comma-separated integers, got '{text}'");
        }
    }
}
