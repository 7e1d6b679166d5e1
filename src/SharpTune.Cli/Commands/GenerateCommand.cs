using SharpTune.Adapters;
using System.CommandLine;
using SharpTune;
using SharpTune.Inference;
using SharpTune.Tokenization;

namespace SharpTune.Cli.Commands;

/// <summary><c>sharptune generate</c>: continues a prompt with a model folder, streaming the output.</summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var model = CommonOptions.ModelOrAdapter();
        var adapter = CommonOptions.Adapter();
        var prompt = new Option<string?>("--prompt") { Description = "text to continue" };
        var promptIds = new Option<string?>("--prompt-ids") { Description = "token ids to continue, e.g. 1,2,3 (prints ids)" };
        var sampling = new SamplingOptions(maxNewTokens: 64);
        var device = CommonOptions.Device();
        var dtype = CommonOptions.Dtype();

        var command = new Command("generate", "Generate a continuation of a prompt (KV cache; greedy when --temperature is 0).")
        {
            model, adapter, prompt, promptIds, device, dtype,
        };
        sampling.AddTo(command);
        command.SetAction(result => CommandRunner.Run(() =>
        {
            string? text = result.GetValue(prompt), ids = result.GetValue(promptIds);
            if ((text is null) == (ids is null)) throw new SharpTuneException("generate: give exactly one of --prompt and --prompt-ids");
            var (dev, type) = CommonOptions.Resolve(result.GetValue(device)!, result.GetValue(dtype)!);
            var location = ModelLocation.Resolve(result.GetValue(model)!, result.GetValue(adapter));
            using var lm = location.Load(dev, type);
            var options = sampling.Read(result, lm.Config.EosTokenIds.ToHashSet());
            var generator = new TextGenerator(lm);
            if (ids is not null)
            {
                var generated = generator.Generate(ParseIds(ids), options);
                Console.WriteLine(string.Join(",", generated));
                return;
            }
            var tokenizer = TokenizerLoader.ForModel(location.TokenizerFolder, lm.Config.VocabSize);
            var decoder = new StreamingDecoder(tokenizer);
            foreach (var id in generator.Generate(tokenizer.Encode(text!), options)) Console.Write(decoder.Push(id));
            Console.WriteLine(decoder.Flush());
        }));
        return command;
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
