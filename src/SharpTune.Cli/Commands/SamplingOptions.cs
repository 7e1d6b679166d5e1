using System.CommandLine;
using SharpTune.Inference;

namespace SharpTune.Cli.Commands;

/// <summary>The generation options generate and chat share: --max-new-tokens, --temperature, --top-k, --top-p, --seed.</summary>
internal sealed class SamplingOptions
{
    private readonly Option<int> maxNew;
    private readonly Option<double> temperature = new("--temperature") { Description = "0 = greedy", DefaultValueFactory = _ => 0.0 };
    private readonly Option<int> topK = new("--top-k") { Description = "sample among the k most likely (0 = all)", DefaultValueFactory = _ => 0 };
    private readonly Option<double> topP = new("--top-p") { Description = "nucleus sampling mass", DefaultValueFactory = _ => 1.0 };
    private readonly Option<long> seed = new("--seed") { Description = "sampling seed", DefaultValueFactory = _ => 0 };

    /// <summary>The options, with <paramref name="maxNewTokens"/> as --max-new-tokens' default.</summary>
    public SamplingOptions(int maxNewTokens) =>
        maxNew = new Option<int>("--max-new-tokens") { Description = "tokens to generate at most", DefaultValueFactory = _ => maxNewTokens };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { maxNew, temperature, topK, topP, seed }) command.Options.Add(option);
    }

    /// <summary>The parsed values, stopping at <paramref name="stopIds"/>.</summary>
    public GenerationOptions Read(ParseResult result, IReadOnlyCollection<long> stopIds) => new()
    {
        MaxNewTokens = result.GetValue(maxNew),
        Temperature = result.GetValue(temperature),
        TopK = result.GetValue(topK),
        TopP = result.GetValue(topP),
        Seed = result.GetValue(seed),
        StopIds = stopIds,
    };
}
