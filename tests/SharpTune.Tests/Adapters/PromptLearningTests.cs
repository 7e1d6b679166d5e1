using System.Text.Json.Nodes;
using SharpTune.Adapters;
using SharpTune.Adapters.PromptLearning;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Tests.Models;
using SharpTune.Training;
using SharpTune.Training.Optimization;
using static TorchSharp.torch;

namespace SharpTune.Tests.Adapters;

/// <summary>Prompt tuning, prefix tuning and P-tuning: parameter counts, peft's format, positions, masks, the KV cache and training.</summary>
public sealed class PromptLearningTests
{
    // TinyModels' llama: hidden 32, 4 heads of 8, 2 key/value heads (GQA), 2 layers, vocab 97.
    private const long Hidden = 32, Layers = 2, KvWidth = 2 * 8;
    private const int Tokens = 5;

    public static TheoryData<string> Variants => ["prompt", "prompt-text", "prefix", "prefix-projection", "p-mlp", "p-lstm"];

    private static PromptLearningConfig Settings(string variant) => variant switch
    {
        "prompt" => new() { Method = AdapterKind.PromptTuning, NumVirtualTokens = Tokens },
        "prompt-text" => new() { Method = AdapterKind.PromptTuning, NumVirtualTokens = Tokens, PromptTuningInit = "TEXT", PromptTuningInitText = "ab" },
        "prefix" => new() { Method = AdapterKind.PrefixTuning, NumVirtualTokens = Tokens },
        "prefix-projection" => new() { Method = AdapterKind.PrefixTuning, NumVirtualTokens = Tokens, PrefixProjection = true, EncoderHiddenSize = 12 },
        "p-mlp" => new() { Method = AdapterKind.PTuning, NumVirtualTokens = Tokens, EncoderHiddenSize = 12 },
        "p-lstm" => new() { Method = AdapterKind.PTuning, NumVirtualTokens = Tokens, EncoderHiddenSize = 12, EncoderReparameterizationType = "LSTM", EncoderNumLayers = 2 },
        _ => throw new ArgumentException(variant),
    };

    /// <summary>A stand-in tokenizer for TEXT initialisation: each character's code point modulo 97, after a bos id 1.</summary>
    private static IReadOnlyList<long> Encode(string text) => [1, .. text.Select(c => (long)c % 97)];

    private static (LlamaForCausalLM Model, PromptLearningModel Adapter) Make(string variant, long seed = 3)
    {
        var model = TinyModels.Create("llama", seed: 1);
        manual_seed(seed);
        var adapter = PromptLearningModel.Inject(model, Settings(variant), Encode);
        model.eval();
        return (model, adapter);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Trainable_parameters_equal_peft_formulas(string variant)
    {
        // The formulas, written out from peft's modules (tuners/prompt_tuning/model.py PromptEmbedding,
        // prefix_tuning/model.py PrefixEncoder, p_tuning/model.py PromptEncoder) with token_dim from
        // utils/other.py _prepare_prompt_learning_config (for prefix tuning on a GQA model: hidden / heads · kv_heads).
        long n = Tokens, d = Hidden, h = 12, L = Layers, kd = KvWidth;
        long expected = variant switch
        {
            "prompt" or "prompt-text" => n * d,                                                   // Embedding(n, token_dim)
            "prefix" => n * L * 2 * kd,                                                            // Embedding(n, L·2·token_dim)
            "prefix-projection" => n * kd + (kd * h + h) + (h * L * 2 * kd + L * 2 * kd),          // Embedding(n, td) + Linear(td, h) + Linear(h, L·2·td)
            "p-mlp" => n * d + (d * h + h) + (h * h + h) + (h * d + d),                            // Embedding + Linear(d,h) + Linear(h,h) + Linear(h,d)
            "p-lstm" => n * d
                        + 2 * (4 * h * d + 4 * h * h + 8 * h)                                      // LSTM layer 0, both directions
                        + 2 * (4 * h * 2 * h + 4 * h * h + 8 * h)                                  // layer 1 reads both directions (2h)
                        + (2 * h * 2 * h + 2 * h) + (2 * h * d + d),                               // Linear(2h, 2h) + Linear(2h, d)
            _ => throw new ArgumentException(variant),
        };
        using var baseModel = TinyModels.Create("llama", seed: 1);
        long baseCount = baseModel.ParameterCount();
        var (model, _) = Make(variant);
        using (model)
        {
            var count = TrainableParameterCount.Of(model);
            Assert.Equal(expected, count.Trainable);
            Assert.Equal(baseCount + expected, count.Total);
        }
    }

    [Fact]
    public void Text_initialisation_repeats_and_cuts_the_texts_ids_as_peft()
    {
        Assert.Equal([1L, 2, 3, 1, 2], PromptEmbedding.InitTokenIds([1, 2, 3], 5));
        Assert.Equal([1L, 2], PromptEmbedding.InitTokenIds([1, 2, 3], 2));
        var (model, adapter) = Make("prompt-text");
        using (model)
        {
            var ids = PromptEmbedding.InitTokenIds(Encode("ab"), Tokens);
            using var expected = model.Model.EmbedTokens.weight!.index_select(0, tensor(ids));
            Assert.True(Tensors.Identical(expected, adapter.Encoder.Embedding.weight!));
        }
    }

    [Fact]
    public void Prompt_tuning_equals_the_base_model_reading_the_prompt_as_tokens()
    {
        // Virtual tokens that are the embeddings of ids X must act exactly like X typed before the input: this pins the
        // real tokens' positions (after the prompt) and the mask (they see the prompt; it does not see them).
        var (model, _) = Make("prompt-text");
        using (model)
        using (var baseModel = TinyModels.Create("llama", seed: 1))
        {
            long[] prompt = PromptEmbedding.InitTokenIds(Encode("ab"), Tokens), input = [17, 42, 5, 88, 23];
            using var withAdapter = model.Forward(tensor(input).unsqueeze(0));
            using var typed = baseModel.Forward(tensor(prompt.Concat(input).ToArray()).unsqueeze(0));
            AssertClose(typed.narrow(1, Tokens, input.Length), withAdapter, 1e-4);
        }
    }

    [Fact]
    public void Prefix_tuning_equals_the_base_model_with_the_prefix_as_its_cache()
    {
        // A prefix holding the keys/values the base model cached for ids X acts exactly like X typed before the input:
        // this pins peft's row layout ([tokens, layers·2, kv_heads, head_dim], keys then values per layer), the GQA
        // width, and the real tokens' positions after the prefix.
        using var baseModel = TinyModels.Create("llama", seed: 1);
        long[] prefixIds = [3, 14, 15, 92, 65], input = [17, 42, 5, 88, 23];
        using var cache = new KvCache(baseModel.Config, 1, 16, ScalarType.Float32, CPU);
        using (no_grad()) baseModel.Forward(tensor(prefixIds).unsqueeze(0), cache: cache).Dispose();
        var rows = new List<Tensor>();
        for (int l = 0; l < Layers; l++)
        {
            var (k, v) = cache.Append(l, zeros(1, 2, 0, 8), zeros(1, 2, 0, 8));   // views of what is stored
            rows.Add(k[0]);
            rows.Add(v[0]);
        }
        using var table = stack(rows, 0).permute(2, 0, 1, 3).reshape(Tokens, -1);   // [tokens, L·2·kv_heads·head_dim]

        var (model, adapter) = Make("prefix");
        using (model)
        {
            using (no_grad()) adapter.Encoder.Embedding.weight!.copy_(table);
            using var withAdapter = model.Forward(tensor(input).unsqueeze(0));
            using var typed = baseModel.Forward(tensor(prefixIds.Concat(input).ToArray()).unsqueeze(0));
            AssertClose(typed.narrow(1, Tokens, input.Length), withAdapter, 1e-4);
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Saved_adapter_is_peft_format_and_loads_to_identical_logits(string variant)
    {
        using var dir = new TempFolder();
        var (model, adapter) = Make(variant);
        using (model)
        {
            adapter.Save(dir.Path);
            using var expected = LoraTestKit.Logits(model);

            using var file = SafetensorsFile.Open(dir.File("adapter_model.safetensors"));
            Assert.Equal(["prompt_embeddings"], file.Tensors.Select(t => t.Name));
            long width = variant.StartsWith("prefix", StringComparison.Ordinal) ? Layers * 2 * KvWidth : Hidden;
            Assert.Equal([Tokens, width], file.Info("prompt_embeddings").Shape);
            Assert.Equal("pt", file.Metadata["format"]);
            var json = JsonNode.Parse(File.ReadAllText(dir.File("adapter_config.json")))!.AsObject();
            Assert.Equal(PromptLearningConfig.PeftTypeOf(Settings(variant).Method), (string)json["peft_type"]!);
            Assert.Equal("CAUSAL_LM", (string)json["task_type"]!);
            Assert.True((bool)json["inference_mode"]!);
            Assert.Equal(Tokens, (int)json["num_virtual_tokens"]!);
            Assert.Equal(1, (int)json["num_transformer_submodules"]!);
            Assert.Equal(Layers, (long)json["num_layers"]!);
            Assert.Equal(variant.StartsWith("prefix", StringComparison.Ordinal) ? KvWidth : Hidden, (long)json["token_dim"]!);
            Assert.Equal(variant.StartsWith("prefix", StringComparison.Ordinal) ? 2 : 4, (long)json["num_attention_heads"]!);
            Assert.Equal(json.Select(p => p.Key).OrderBy(k => k, StringComparer.Ordinal), json.Select(p => p.Key));   // sorted, as peft writes
            // The encoder's output is saved, not its weights (peft's get_prompt_embedding_to_save).
            using (var saved = file.ReadTensor("prompt_embeddings"))
            using (no_grad())
            using (var output = adapter.Encoder.PromptEmbeddings())
                Assert.True(Tensors.Identical(output, saved));

            using var reloaded = TinyModels.Create("llama", seed: 1);
            var loaded = PromptLearningModel.Load(reloaded, dir.Path);
            Assert.False(loaded.Encoder.HasEncoder);
            Assert.Equal(0, TrainableParameterCount.Of(reloaded).Trainable);
            using var actual = LoraTestKit.Logits(reloaded);
            Assert.True(Tensors.Identical(expected, actual), $"{variant}: logits differ after save and load");
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Kv_cache_decoding_with_virtual_tokens_matches_full_recomputation(string variant)
    {
        var (model, _) = Make(variant);
        using (model)
        using (no_grad())
        {
            long[] sequence = [1, 17, 42, 5, 88, 23, 61, 9, 70, 33];
            using var full = model.Forward(tensor(sequence).unsqueeze(0));
            using var cache = new KvCache(model.Config, 1, Tokens + sequence.Length, ScalarType.Float32, CPU);
            var steps = new List<Tensor> { model.Forward(tensor(sequence[..4]).unsqueeze(0), cache: cache) };
            Assert.Equal(Tokens + 4, cache.Length);
            for (int i = 4; i < sequence.Length; i++) steps.Add(model.Forward(tensor(new[] { sequence[i] }).unsqueeze(0), cache: cache));
            using var incremental = cat(steps, 1);
            AssertClose(full, incremental, 1e-4);
            foreach (var t in steps) t.Dispose();

            // Generation runs on the same path and stays deterministic.
            var generated = new SharpTune.Inference.TextGenerator(model).Generate([1, 17, 42], new SharpTune.Inference.GenerationOptions { MaxNewTokens = 6 }).ToList();
            Assert.Equal(6, generated.Count);
            long[] greedy = [1, 17, 42];
            foreach (long next in generated)
            {
                using var logits = model.Forward(tensor(greedy).unsqueeze(0));
                Assert.Equal(logits[0, -1].argmax().item<long>(), next);
                greedy = [.. greedy, next];
            }
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Padding_and_packing_leave_each_samples_logits_unchanged(string variant)
    {
        var (model, _) = Make(variant);
        using (model)
        using (no_grad())
        {
            long[] a = [1, 17, 42, 5], b = [1, 88, 23, 61, 9, 70];
            using var alone = model.Forward(tensor(a).unsqueeze(0));
            using var aloneB = model.Forward(tensor(b).unsqueeze(0));

            // Right padding: a's row is padded to b's length.
            using var ids = tensor(new long[] { 1, 17, 42, 5, 0, 0, 1, 88, 23, 61, 9, 70 }).view(2, 6);
            using var mask = tensor(new long[] { 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1 }).view(2, 6);
            using var padded = model.Forward(ids, mask);
            AssertClose(alone, padded[0].narrow(0, 0, 4).unsqueeze(0), 1e-4);
            AssertClose(aloneB, padded[1].unsqueeze(0), 1e-4);

            // Packing (axolotl's segments 1, 2 and positions restarting per sample): every sample sees the virtual
            // tokens and itself only, so each equals its own unpacked run.
            using var packedIds = tensor(a.Concat(b).ToArray()).unsqueeze(0);
            using var segments = tensor(new long[] { 1, 1, 1, 1, 2, 2, 2, 2, 2, 2 }).unsqueeze(0);
            using var positions = tensor(new long[] { 0, 1, 2, 3, 0, 1, 2, 3, 4, 5 }).unsqueeze(0);
            using var packed = model.Forward(packedIds, segments, positions);
            AssertClose(alone, packed.narrow(1, 0, 4), 1e-4);
            AssertClose(aloneB, packed.narrow(1, 4, 6), 1e-4);
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void A_few_dozen_steps_of_training_clearly_lower_the_loss(string variant)
    {
        // Teach the frozen model one fixed continuation through the adapter alone.
        var (model, adapter) = Make(variant);
        using (model)
        {
            using var ids = tensor(new long[] { 1, 17, 42, 5, 88, 23, 61, 9, 1, 30, 31, 32, 33, 34, 35, 36 }).view(2, 8);
            using var labels = ids.clone();
            var trainable = TrainableParameter.Of(model);
            Assert.All(trainable, p => Assert.StartsWith("model.prompt_encoder.", p.Name));
            var optimizer = new AdamW(trainable);
            model.train();
            double first = 0, last = 0;
            for (int step = 0; step < 30; step++)
            {
                using var scope = NewDisposeScope();
                var loss = CausalLmLoss.Sum(model.Forward(ids), labels) / 14.0;
                loss.backward();
                optimizer.Step(variant.StartsWith("prompt", StringComparison.Ordinal) || variant == "prefix" ? 0.1 : 0.03);
                optimizer.ZeroGrad();
                if (step == 0) first = loss.item<float>();
                last = loss.item<float>();
            }
            Assert.True(last < 0.7 * first, $"{variant}: loss {first:F3} -> {last:F3}");
            Assert.True(TrainableParameterCount.Of(model).Trainable > 0 && adapter.Encoder.parameters().All(p => p.requires_grad));
        }
    }

    [Fact]
    public void Adapter_folder_dispatches_on_peft_type_and_rejects_a_mismatched_model()
    {
        using var dir = new TempFolder();
        var (model, adapter) = Make("prefix-projection");
        using (model)
        {
            adapter.Save(dir.Path);
            Assert.True(File.Exists(dir.File(PromptLearningModel.EncoderFileName)));
            Assert.Equal("PREFIX_TUNING", AdapterFolder.PeftType(dir.Path));
            using var again = TinyModels.Create("llama", seed: 1);
            Assert.Contains("PREFIX_TUNING adapter, 5 virtual tokens", AdapterFolder.Apply(again, dir.Path));
            Assert.NotNull(again.Model.VirtualTokens);

            using var wider = TinyModels.Create("llama", seed: 1, edit: j => j["num_hidden_layers"] = 3);
            var e = Assert.Throws<SharpTuneException>(() => AdapterFolder.Apply(wider, dir.Path));
            Assert.Contains("adapter_config.json", e.Message);
            Assert.Contains("num_layers", e.Message);
        }
    }

    private static void AssertClose(Tensor expected, Tensor actual, double tolerance)
    {
        Assert.Equal(expected.shape, actual.shape);
        double diff = (expected - actual).abs().max().item<float>();
        Assert.True(diff <= tolerance, $"max |difference| = {diff}");
        Assert.True(expected.abs().max().item<float>() > 1.0, "values too small for the comparison to mean anything");
    }
}
