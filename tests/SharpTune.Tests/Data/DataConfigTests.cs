using SharpTune.Config;
using SharpTune.Data;

namespace SharpTune.Tests.Data;

public sealed class DataConfigTests
{
    [Fact]
    public void Axolotl_keys_are_read_with_paths_resolved_against_the_config_folder()
    {
        using var dir = new TempFolder();
        var config = DataTestSetup.Config(dir, """
            base_model: preset:tiny
            datasets:
              - path: data/chats.jsonl
                type: sharegpt
                name: chats
                roles: {user: [captain]}
              - path: /abs/faq.csv
                type: alpaca
                columns: {instruction: question, output: answer}
                split: train
            sequence_len: 1024
            sample_packing: true
            val_set_size: 0.05
            seed: 3
            train_on_inputs: true
            chat_template: chatml
            skip_bad_records: true
            excess_length_strategy: truncate
            output_dir: out
            cleaning:
              phrases: [one, two]
              dedupe: near
              near_dup_threshold: 0.9
              min_chars: 5
              max_tokens: 900
            learning_rate: 0.001
            """);
        Assert.Equal(Path.Combine(dir.Path, "data", "chats.jsonl"), config.Datasets[0].Path);
        Assert.Equal(DatasetFormat.ShareGpt, config.Datasets[0].Format);
        Assert.Equal(["captain"], config.Datasets[0].Roles["user"]);
        Assert.Equal("/abs/faq.csv", config.Datasets[1].Path);
        Assert.Equal("answer", config.Datasets[1].Columns["output"]);
        Assert.Equal((1024, true, 0.05, 3L, true, "chatml", true), (config.SequenceLen, config.SamplePacking, config.ValSetSize, config.Seed, config.TrainOnInputs, config.ChatTemplate, config.SkipBadRecords));
        Assert.Equal(ExcessLengthStrategy.Truncate, config.ExcessLength);
        Assert.Equal(Path.Combine(dir.Path, "out", "prepared"), config.PreparedPath);
        Assert.Equal("preset:tiny", config.BaseModel);
        Assert.Equal(DedupeMode.Near, config.Cleaning.Dedupe);
        Assert.Equal((0.9, 5, 900), (config.Cleaning.NearDupThreshold, config.Cleaning.MinChars, config.Cleaning.MaxTokens));
        Assert.Equal(PhraseFilter.DefaultPhrases.Count + 2, config.Cleaning.EffectivePhrases.Count);
    }

    [Fact]
    public void A_trainer_can_read_its_own_keys_and_reject_the_rest()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("run.yaml"), "datasets:\n  - {path: d.jsonl, type: text}\nlearning_rate: 0.1\nlerning_rate: 0.2\n");
        var yaml = YamlConfigFile.Load(dir.File("run.yaml"));
        var data = DataConfig.Read(yaml);
        Assert.Equal(0.1, yaml.Double("learning_rate", 0));
        var e = Assert.Throws<SharpTuneException>(yaml.RejectUnknownKeys);
        Assert.Contains("run.yaml:4: unknown key 'lerning_rate'", e.Message);
        Assert.Equal(Path.Combine(dir.Path, ".sharptune", "prepared"), data.PreparedPath);
        Assert.Contains("datasets", DataConfig.Keys);
        Assert.Contains("cleaning", DataConfig.Keys);
    }

    [Theory]
    [InlineData("datasets:\n  - {path: d.jsonl, type: alpaca, feild: x}\n", "run.yaml:2: datasets[0]: unknown key 'feild'")]
    [InlineData("datasets:\n  - {path: d.jsonl, type: dpo}\n", "run.yaml:2: datasets[0].type: unknown dataset type 'dpo'")]
    [InlineData("datasets:\n  - {path: d.jsonl}\n", "datasets[0].type: required key 'type' is missing")]
    [InlineData("datasets:\n  - {type: text}\n", "run.yaml:2: datasets[0]: required key 'path' is missing")]
    [InlineData("datasets:\n  - {path: d.jsonl, type: text, split: test}\n", "datasets[0].split: local files have one split")]
    [InlineData("datasets: []\n", "'datasets' must list at least one dataset")]
    [InlineData("datasets:\n  - {path: d.jsonl, type: text}\nsample_packing: yes please\n", "run.yaml:3: sample_packing: expected true or false")]
    [InlineData("datasets:\n  - {path: d.jsonl, type: text}\nval_set_size: 2.5\n", "val_set_size: must be a fraction in [0, 1) or a whole count")]
    [InlineData("datasets:\n  - {path: d.jsonl, type: text}\ncleaning:\n  dedupe: fuzzy\n", "run.yaml:4: cleaning.dedupe: expected none, exact or near")]
    [InlineData("datasets:\n  - {path: d.jsonl, type: text}\ncleaning:\n  min_char: 3\n", "run.yaml:4: cleaning: unknown key 'min_char'")]
    [InlineData("datasets:\n  - {path: d.jsonl, type: text}\nexcess_length_strategy: wrap\n", "excess_length_strategy: expected drop or truncate")]
    public void Config_errors_name_the_file_line_and_key(string yaml, string message)
    {
        using var dir = new TempFolder();
        var e = Assert.Throws<SharpTuneException>(() => DataTestSetup.Config(dir, yaml));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void A_missing_dataset_path_is_named()
    {
        using var dir = new TempFolder();
        var e = Assert.Throws<SharpTuneException>(() => DataTestSetup.Records(dir, "  - {path: nowhere.jsonl, type: text}"));
        Assert.Contains("run.yaml:2: datasets[0]: path not found", e.Message);
    }
}
