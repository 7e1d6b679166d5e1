using System.Text.Json.Nodes;
using SharpTune.IO;
using SharpTune.Models.Bert;
using static TorchSharp.torch;

namespace SharpTune.Tests.Models;

public sealed class BertForMaskedLMTests
{
    private static BertConfig Tiny(long vocab = 97) => BertConfig.FromJson(new JsonObject
    {
        ["model_type"] = "bert", ["vocab_size"] = vocab, ["hidden_size"] = 32, ["num_hidden_layers"] = 2, ["num_attention_heads"] = 4,
        ["intermediate_size"] = 64, ["max_position_embeddings"] = 40, ["hidden_dropout_prob"] = 0.0, ["attention_probs_dropout_prob"] = 0.0,
    }, "test");

    [Fact]
    public void Parameter_names_and_shapes_are_transformers_bert_for_masked_lm()
    {
        using var model = new BertForMaskedLM(Tiny());
        var shapes = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        var expected = new Dictionary<string, long[]>
        {
            ["bert.embeddings.word_embeddings.weight"] = [97, 32],
            ["bert.embeddings.position_embeddings.weight"] = [40, 32],
            ["bert.embeddings.token_type_embeddings.weight"] = [2, 32],
            ["bert.embeddings.LayerNorm.weight"] = [32],
            ["bert.embeddings.LayerNorm.bias"] = [32],
            ["bert.encoder.layer.1.attention.self.query.weight"] = [32, 32],
            ["bert.encoder.layer.1.attention.self.key.bias"] = [32],
            ["bert.encoder.layer.1.attention.self.value.weight"] = [32, 32],
            ["bert.encoder.layer.1.attention.output.dense.weight"] = [32, 32],
            ["bert.encoder.layer.1.attention.output.LayerNorm.weight"] = [32],
            ["bert.encoder.layer.1.intermediate.dense.weight"] = [64, 32],
            ["bert.encoder.layer.1.output.dense.weight"] = [32, 64],
            ["bert.encoder.layer.1.output.LayerNorm.bias"] = [32],
            ["cls.predictions.bias"] = [97],
            ["cls.predictions.transform.dense.weight"] = [32, 32],
            ["cls.predictions.transform.LayerNorm.weight"] = [32],
        };
        foreach (var (name, shape) in expected)
        {
            Assert.True(shapes.ContainsKey(name), $"missing {name}; have {string.Join(", ", shapes.Keys)}");
            Assert.Equal(shape, shapes[name]);
        }
        // 5 embedding tensors, 16 per layer, 5 in the head (decoder tied: not a parameter of its own).
        Assert.Equal(5 + 2 * 16 + 5, shapes.Count);
        Assert.DoesNotContain("cls.predictions.decoder.weight", shapes.Keys);
    }

    [Fact]
    public void Save_and_load_round_trip_gives_identical_logits_and_the_hf_config()
    {
        using var dir = new TempFolder();
        using var model = new BertForMaskedLM(Tiny());
        model.InitializeWeights(5);
        BertModelFolder.Save(model, dir.Path);
        var config = JsonNode.Parse(File.ReadAllText(dir.File("config.json")))!;
        Assert.Equal("bert", (string)config["model_type"]!);
        Assert.Equal("BertForMaskedLM", (string)config["architectures"]![0]!);
        using (var file = SafetensorsFile.Open(dir.File("model.safetensors")))
            Assert.Equal(model.named_parameters().Select(p => p.name).Order(), file.Tensors.Select(t => t.Name).Order());

        using var loaded = BertModelFolder.Load(dir.Path, CPU, ScalarType.Float32);
        using var scope = NewDisposeScope();
        var ids = tensor(new long[] { 2, 10, 11, 12, 3, 0, 2, 50, 60, 70, 80, 3 }, [2, 6]);
        var mask = tensor(new long[] { 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1 }, [2, 6]);
        model.eval();
        loaded.eval();
        var a = model.Forward(ids, mask);
        var b = loaded.Forward(ids, mask);
        Assert.Equal(new long[] { 2, 6, 97 }, a.shape);
        Assert.Equal(0.0, (a - b).abs().max().item<float>());
    }

    [Fact]
    public void Padding_does_not_change_the_real_tokens_outputs_and_the_decoder_is_tied()
    {
        using var model = new BertForMaskedLM(Tiny());
        model.InitializeWeights(1);
        model.eval();
        using var scope = NewDisposeScope();
        var alone = model.Forward(tensor(new long[] { 2, 20, 21, 3 }, [1, 4]));
        var padded = model.Forward(tensor(new long[] { 2, 20, 21, 3, 0, 0 }, [1, 6]), tensor(new long[] { 1, 1, 1, 1, 0, 0 }, [1, 6]));
        Assert.True((alone - padded.narrow(1, 0, 4)).abs().max().item<float>() < 1e-5);
        // A change to the word embeddings moves the output logits of that token (the decoder reads the same matrix).
        var before = model.Forward(tensor(new long[] { 2, 20, 3 }, [1, 3]))[0, 1, 33].item<float>();
        using (no_grad())
            model.named_parameters().Single(p => p.name == "bert.embeddings.word_embeddings.weight").parameter[33].add_(1.0);
        Assert.NotEqual(before, model.Forward(tensor(new long[] { 2, 20, 3 }, [1, 3]))[0, 1, 33].item<float>());
    }

    [Fact]
    public void A_checkpoint_with_the_tied_decoder_and_a_pooler_still_loads()
    {
        using var dir = new TempFolder();
        using var model = new BertForMaskedLM(Tiny());
        model.InitializeWeights(2);
        using var scope = NewDisposeScope();
        var tensors = model.named_parameters().Select(p => new KeyValuePair<string, Tensor>(p.name, p.parameter.detach())).ToList();
        tensors.Add(new("cls.predictions.decoder.weight", model.named_parameters().First().parameter.detach()));
        tensors.Add(new("bert.pooler.dense.weight", zeros(32, 32)));
        SafetensorsWriter.Write(dir.File("model.safetensors"), tensors);
        model.Config.Save(dir.File("config.json"));
        using var loaded = BertModelFolder.Load(dir.Path, CPU, ScalarType.Float32);
        Assert.Equal(model.named_parameters().Count(), loaded.named_parameters().Count());
    }
}
