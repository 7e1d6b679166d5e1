using System.Text.Json.Nodes;
using SharpTune.Models.Bert;
using SharpTune.Tokenization;
using SharpTune.Training;
using static TorchSharp.torch;

namespace SharpTune.Tests.Training;

[Collection(SeededRuns.Name)]
public sealed class MaskedLmRecipeTests
{
    private const string Text = "the boat came home before dark. the sea was calm and the keeper lit the lamp. the gulls slept on the pier.";

    private static string Config(TempFolder dir)
    {
        File.WriteAllText(dir.File("text.txt"), string.Join("\n\n", Enumerable.Repeat(Text, 40)));
        File.WriteAllText(dir.File("mlm.yaml"), """
            base_model: preset:bert-tiny
            overrides_of_model_config: {hidden_size: 64, intermediate_size: 128, hidden_dropout_prob: 0.0, attention_probs_dropout_prob: 0.0}
            stage: pretrain
            objective: mlm
            train_tokenizer: {type: wordpiece, vocab_size: 300}
            datasets:
              - path: text.txt
                type: text
            sequence_len: 32
            val_set_size: 0.1
            micro_batch_size: 8
            max_steps: 40
            eval_steps: 20
            learning_rate: 0.003
            output_dir: out
            """);
        return dir.File("mlm.yaml");
    }

    [Fact]
    public void Masked_lm_pretraining_raises_the_masked_accuracy_and_saves_an_hf_bert_folder()
    {
        using var dir = new TempFolder();
        var summary = TrainingRuns.Train(Config(dir), [], false, _ => { });
        Assert.Equal("mlm", (string)summary["objective"]!);
        Assert.True((double)summary["final_eval_loss"]! < (double)summary["initial_eval_loss"]! - 1.0, summary.ToJsonString());
        Assert.True((double)summary["masked_accuracy_after"]! > (double)summary["masked_accuracy_before"]! + 0.1, summary.ToJsonString());
        foreach (var file in new[] { "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "learning_curve.png", "diagnosis.json", "metrics.jsonl" })
            Assert.True(File.Exists(dir.File("out/" + file)), file);
        Assert.Equal("bert", (string)JsonNode.Parse(File.ReadAllText(dir.File("out/config.json")))!["model_type"]!);
        using var model = BertModelFolder.Load(dir.File("out"), CPU, ScalarType.Float32);
        var tokenizer = HfTokenizer.Load(dir.File("out"));
        Assert.Equal(tokenizer.VocabSize, model.Config.VocabSize);
        Assert.Equal(tokenizer.TokenToId("[CLS]"), tokenizer.Encode("the boat")[0]);
    }

    [Fact]
    public void A_file_without_extension_is_read_as_text_with_ds_type_and_a_second_run_into_the_folder_starts_over()
    {
        using var dir = new TempFolder();
        string path = Config(dir);
        File.Move(dir.File("text.txt"), dir.File("corpus"));   // as /usr/share/common-licenses/* are named
        string[] sets = ["datasets=[{path: corpus, type: text, ds_type: text}]", "max_steps=2"];
        var first = TrainingRuns.Train(path, sets, false, _ => { });
        Assert.Equal(2L, (long)first["steps"]!);
        // The folder now holds the first run's BERT config.json beside the learned tokenizer; a changed run reads past it.
        var second = TrainingRuns.Train(path, [.. sets[..1], "max_steps=3"], false, _ => { });
        Assert.Equal(3L, (long)second["steps"]!);
    }

    [Fact]
    public void Mlm_keys_are_checked()
    {
        using var dir = new TempFolder();
        string path = Config(dir);
        Assert.Contains("objective", Assert.Throws<SharpTuneException>(() => TrainConfig.Load(path, ["objective=xlm"])).Message);
        Assert.Contains("mlm_probability", Assert.Throws<SharpTuneException>(() => TrainConfig.Load(path, ["mlm_probability=1.5"])).Message);
        Assert.Contains("adapter", Assert.Throws<SharpTuneException>(() => TrainConfig.Load(path, ["adapter=lora"])).Message);
        Assert.Contains("wordpiece", Assert.Throws<SharpTuneException>(() => TrainConfig.Load(path, ["objective=clm"])).Message);
        Assert.Contains("mlm_probability", Assert.Throws<SharpTuneException>(() => TrainConfig.Load(path, ["objective=clm", "train_tokenizer={vocab_size: 300}", "mlm_probability=0.2"])).Message);
    }
}
