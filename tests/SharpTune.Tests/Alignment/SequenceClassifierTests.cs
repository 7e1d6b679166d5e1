using System.Text.Json.Nodes;
using SharpTune.Adapters;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Tests.Models;
using static TorchSharp.torch;

namespace SharpTune.Tests.Alignment;

/// <summary>The reward model's shape and files: transformers' *ForSequenceClassification names, last non-pad token, save/load.</summary>
public sealed class SequenceClassifierTests
{
    [Fact]
    public void The_score_is_read_at_the_rightmost_token_that_is_not_padding()
    {
        // pad id 0: right padding, left padding, and none.
        var ids = tensor(new long[] { 5, 6, 7, 0, 0, 0, 5, 6, 5, 6, 7, 8 }, [3, 4]);
        Assert.Equal([2L, 3L, 3L], LlamaForSequenceClassification.LastTokenIndex(ids, 0).data<long>().ToArray());
        Assert.Equal([3L, 3L, 3L], LlamaForSequenceClassification.LastTokenIndex(ids, null).data<long>().ToArray());
    }

    [Fact]
    public void Padding_does_not_change_a_rows_score()
    {
        using var model = new LlamaForSequenceClassification(TinyModels.Config("llama"));
        model.InitializeScore(3);
        using var causal = TinyModels.Create("llama");
        using (no_grad())
            foreach (var (name, p) in model.named_parameters())
                if (name != "score.weight") p.copy_(causal.named_parameters().First(q => q.name == name).parameter);
        model.eval();
        using var _ = no_grad();
        var alone = model.Forward(tensor(new long[] { 1, 17, 42, 5 }, [1, 4]));
        var padded = model.Forward(tensor(new long[] { 1, 17, 42, 5, 0, 0 }, [1, 6]), tensor(new long[] { 1, 1, 1, 1, 0, 0 }, [1, 6]));
        Assert.Equal(alone.item<float>(), padded.item<float>(), 4);
    }

    [Fact]
    public void A_saved_reward_model_has_transformers_names_and_loads_back_the_same()
    {
        using var dir = new TempFolder();
        using var causal = TinyModels.Create("qwen2");
        HfModelFolder.Save(causal, dir.File("sft"));
        using var model = HfModelFolder.LoadSequenceClassifier(dir.File("sft"), CPU, ScalarType.Float32, 1, seed: 7);
        Assert.Equal("Qwen2ForSequenceClassification", model.ArchitectureName);
        HfModelFolder.Save(model, dir.File("rm"));

        var json = JsonNode.Parse(File.ReadAllText(dir.File("rm/config.json")))!;
        Assert.Equal("Qwen2ForSequenceClassification", json["architectures"]![0]!.GetValue<string>());
        Assert.Equal("LABEL_0", json["id2label"]!["0"]!.GetValue<string>());
        Assert.Single(json["id2label"]!.AsObject());
        Assert.Equal(0, json["pad_token_id"]!.GetValue<long>());
        using (var reader = CheckpointReader.Open(dir.File("rm")))
        {
            Assert.Equal([1L, 32L], reader.Info("score.weight").Shape);
            Assert.Contains("model.embed_tokens.weight", reader.Names);
            Assert.DoesNotContain("lm_head.weight", reader.Names);
        }

        using var reloaded = HfModelFolder.LoadSequenceClassifier(dir.File("rm"), CPU, ScalarType.Float32);
        model.eval();
        reloaded.eval();
        using var _ = no_grad();
        var ids = tensor(new long[] { 1, 17, 42, 5, 88, 23, 61, 9 }, [2, 4]);
        Assert.True(model.Forward(ids).allclose(reloaded.Forward(ids), 0, 0));
    }

    [Fact]
    public void A_lora_reward_adapter_is_a_seq_cls_adapter_that_saves_the_score_head()
    {
        using var dir = new TempFolder();
        using var model = new LlamaForSequenceClassification(TinyModels.Config("llama"));
        model.InitializeScore(1);
        var lora = LoraModel.Inject(model, new LoraConfig { R = 2, Alpha = 4, TaskType = "SEQ_CLS", ModulesToSave = ["score"] });
        Assert.True(((TorchSharp.Modules.Linear)model.GetLinear("score")).weight!.requires_grad);
        lora.Save(dir.Path);
        var json = JsonNode.Parse(File.ReadAllText(dir.File(LoraModel.ConfigFileName)))!;
        Assert.Equal("SEQ_CLS", json["task_type"]!.GetValue<string>());
        using var file = SafetensorsFile.Open(dir.File(LoraModel.WeightsFileName));
        Assert.Contains("base_model.model.score.weight", file.Tensors.Select(t => t.Name));
        Assert.Equal("SEQ_CLS", PeftAdapterConfig.Read(dir.File(LoraModel.ConfigFileName)).TaskType);
    }
}
