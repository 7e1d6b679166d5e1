using SharpTune.Models;
using static TorchSharp.torch;

namespace SharpTune.Inference;

/// <summary>Autoregressive generation with a KV cache: one forward pass over the prompt, then one per new token.</summary>
public sealed class TextGenerator(LlamaForCausalLM model)
{
    /// <summary>
    /// Yields new token ids one at a time after <paramref name="promptIds"/>, stopping at a stop id (which is
    /// yielded) or after <see cref="GenerationOptions.MaxNewTokens"/>.
    /// </summary>
    public IEnumerable<long> Generate(IReadOnlyList<long> promptIds, GenerationOptions options)
    {
        options.Validate();
        if (promptIds.Count == 0) throw new SharpTuneException("generate: the prompt is empty");
        if (promptIds.Any(id => id < 0 || id >= model.Config.VocabSize))
            throw new SharpTuneException($"generate: prompt ids must be in [0, {model.Config.VocabSize})");
        if (options.MaxNewTokens == 0) yield break;

        model.eval();
        var generator = new Generator((ulong)options.Seed);
        // Virtual tokens of a prompt adapter take their places in the cache ahead of the prompt.
        long virtualCount = model.Model.VirtualTokens?.Count ?? 0;
        using var cache = new KvCache(model.Config, 1, virtualCount + promptIds.Count + options.MaxNewTokens, model.Dtype, model.Device);
        using var noGrad = no_grad();
        var input = tensor(promptIds.ToArray(), dtype: ScalarType.Int64, device: model.Device).unsqueeze(0);
        for (int step = 0; step < options.MaxNewTokens; step++)
        {
            long next;
            using (NewDisposeScope())
            {
                var logits = model.Forward(input, cache: cache);
                next = NextToken(logits[0, -1].to(ScalarType.Float32).cpu(), options, generator);
            }
            input.Dispose();
            yield return next;
            if (options.StopIds.Contains(next)) yield break;
            input = tensor(new[] { next }, dtype: ScalarType.Int64, device: model.Device).unsqueeze(0);
        }
        input.Dispose();
    }

    /// <summary>Picks the next id from one position's logits [vocab] (fp32, CPU).</summary>
    public static long NextToken(Tensor logits, GenerationOptions options, Generator generator)
    {
        if (options.Temperature == 0) return logits.argmax().item<long>();
        using var scope = NewDisposeScope();
        var scaled = logits / options.Temperature;
        if (options.TopK > 0 && options.TopK < scaled.shape[0])
        {
            var kth = scaled.topk(options.TopK).values[-1];
            scaled = scaled.masked_fill(scaled < kth, double.NegativeInfinity);
        }
        var (sorted, order) = scaled.sort(descending: true);
        var probs = nn.functional.softmax(sorted, -1);
        if (options.TopP < 1.0)
        {
            // Keep the smallest prefix whose mass reaches top_p: drop a token when the mass before it already does.
            var before = probs.cumsum(-1) - probs;
            probs = probs.masked_fill(before >= options.TopP, 0.0);
        }
        var pick = multinomial(probs, 1, generator: generator);
        return order[pick[0]].item<long>();
    }
}
