using SharpTune.Data;
using SharpTune.Inference;
using SharpTune.Tests.Models;
using SharpTune.Training;
using static TorchSharp.torch;

namespace SharpTune.Tests.Training;

public sealed class CausalLmEvaluatorTests
{
    /// <summary>Prompt + answer, with only the answer trained.</summary>
    private static TokenizedSample Sample(long[] prompt, long[] answer) =>
        new(prompt.Concat(answer).Select(i => (int)i).ToArray(),
            Enumerable.Repeat(TokenizedSample.IgnoreLabel, prompt.Length).Concat(answer.Select(i => (int)i)).ToArray());

    [Fact]
    public void Exact_match_counts_the_samples_greedy_decoding_reproduces()
    {
        using var model = TinyModels.Create("llama", seed: 3);
        var generator = new TextGenerator(model);
        var samples = new List<TokenizedSample>();
        int expected = 0;
        for (int i = 0; i < 8; i++)
        {
            long[] prompt = [1, 10 + i, 20 + 2 * i, 5];
            long[] greedy = generator.Generate(prompt, new GenerationOptions { MaxNewTokens = 4 }).ToArray();
            bool keep = i % 3 != 0;
            long[] answer = greedy.ToArray();
            if (!keep) answer[^1] = (answer[^1] + 1) % 97; // one wrong token is enough to miss
            else expected++;
            samples.Add(Sample(prompt, answer));
        }

        var result = CausalLmEvaluator.Evaluate(model, samples, new BatchCollator(0), 3, CPU);

        Assert.Equal(8, result.Samples);
        Assert.Equal(expected, result.ExactMatches);
        Assert.Equal(8 * 4, result.Labels);
        Assert.True(double.IsFinite(result.Loss) && result.Loss > 0);
    }

    [Fact]
    public void Packed_rows_score_each_sample_as_if_it_stood_alone()
    {
        using var model = TinyModels.Create("llama", seed: 4);
        var generator = new TextGenerator(model);
        var samples = Enumerable.Range(0, 4).Select(i =>
        {
            long[] prompt = [1, 30 + i, 7];
            long[] answer = generator.Generate(prompt, new GenerationOptions { MaxNewTokens = 3 }).ToArray();
            if (i == 2) answer[0] = (answer[0] + 5) % 97;
            return Sample(prompt, answer);
        }).ToList();
        // Two rows of two samples each: positions restart and sequence ids keep attention inside each sample.
        var packed = new[] { Pack(samples[0], samples[1]), Pack(samples[2], samples[3]) };

        var alone = CausalLmEvaluator.Evaluate(model, samples, new BatchCollator(0), 4, CPU);
        var together = CausalLmEvaluator.Evaluate(model, packed, new BatchCollator(0), 2, CPU);

        Assert.Equal(3, alone.ExactMatches);
        Assert.Equal(alone.Samples, together.Samples);
        Assert.Equal(alone.ExactMatches, together.ExactMatches);
        Assert.Equal(alone.Loss, together.Loss, 4);
    }

    private static TokenizedSample Pack(TokenizedSample a, TokenizedSample b) =>
        new(a.InputIds.Concat(b.InputIds).ToArray(), a.Labels.Concat(b.Labels).ToArray())
        {
            PositionIds = Enumerable.Range(0, a.Length).Concat(Enumerable.Range(0, b.Length)).ToArray(),
            SequenceIds = Enumerable.Repeat(0, a.Length).Concat(Enumerable.Repeat(1, b.Length)).ToArray(),
        };
}
