using SharpTune.Inference;
using SharpTune.Tests.Models;
using static TorchSharp.torch;

namespace SharpTune.Tests.Inference;

public sealed class TextGeneratorTests
{
    [Fact]
    public void Greedy_generation_is_deterministic_and_follows_the_argmax_of_full_recomputation()
    {
        using var model = TinyModels.Create("qwen2", seed: 4);
        var generator = new TextGenerator(model);
        long[] prompt = [1, 50, 60];
        var options = new GenerationOptions { MaxNewTokens = 8 };
        var first = generator.Generate(prompt, options).ToList();
        var second = generator.Generate(prompt, options).ToList();
        Assert.Equal(8, first.Count);
        Assert.Equal(first, second);

        // Without a cache: feed the whole sequence each time and take the argmax.
        var sequence = prompt.ToList();
        for (int i = 0; i < 8; i++)
        {
            using var logits = model.Forward(tensor(sequence.ToArray()).unsqueeze(0));
            sequence.Add(logits[0, -1].argmax().item<long>());
        }
        Assert.Equal(sequence.Skip(3), first);
    }

    [Fact]
    public void Generation_stops_at_a_stop_id()
    {
        using var model = TinyModels.Create("llama", seed: 2);
        var generator = new TextGenerator(model);
        var free = generator.Generate([1, 2, 3], new GenerationOptions { MaxNewTokens = 6 }).ToList();
        var stopped = generator.Generate([1, 2, 3], new GenerationOptions { MaxNewTokens = 6, StopIds = [free[2]] }).ToList();
        Assert.Equal(free.Take(free.IndexOf(free[2]) + 1), stopped);
    }

    [Fact]
    public void Sampling_is_seeded_and_top_k_one_is_greedy()
    {
        using var model = TinyModels.Create("mistral", seed: 8);
        var generator = new TextGenerator(model);
        long[] prompt = [1, 7];
        var sample = new GenerationOptions { MaxNewTokens = 10, Temperature = 1.5, TopP = 0.95, Seed = 123 };
        Assert.Equal(generator.Generate(prompt, sample).ToList(), generator.Generate(prompt, sample).ToList());
        Assert.NotEqual(generator.Generate(prompt, sample).ToList(), generator.Generate(prompt, sample with { Seed = 124 }).ToList());

        var greedy = generator.Generate(prompt, new GenerationOptions { MaxNewTokens = 10 }).ToList();
        Assert.Equal(greedy, generator.Generate(prompt, sample with { TopK = 1 }).ToList());
    }

    [Fact]
    public void Top_p_keeps_the_smallest_prefix_reaching_the_mass()
    {
        // Probabilities 0.5, 0.3, 0.2: with p = 0.6 only the first two can be drawn.
        using var logits = tensor(new[] { Math.Log(0.5), Math.Log(0.3), Math.Log(0.2) }).to(ScalarType.Float32);
        var options = new GenerationOptions { Temperature = 1.0, TopP = 0.6 };
        var generator = new Generator(5);
        var drawn = Enumerable.Range(0, 300).Select(_ => TextGenerator.NextToken(logits, options, generator)).ToHashSet();
        Assert.Equal(new HashSet<long> { 0, 1 }, drawn);
    }

    [Fact]
    public void Bad_options_are_rejected()
    {
        using var model = TinyModels.Create("llama");
        var generator = new TextGenerator(model);
        Assert.Throws<SharpTuneException>(() => generator.Generate([1], new GenerationOptions { TopP = 0 }).ToList());
        Assert.Throws<SharpTuneException>(() => generator.Generate([500], new GenerationOptions()).ToList());
        Assert.Throws<SharpTuneException>(() => generator.Generate([], new GenerationOptions()).ToList());
    }
}
