using SharpTune.Config;

namespace SharpTune.Training;

/// <summary>
/// Settings of a causal-LM pretraining run, under axolotl's key names. <c>base_model</c> is an HF model folder,
/// or <c>preset:NAME</c> for a freshly initialised model of an init-model preset (training from scratch).
/// </summary>
public sealed record PretrainConfig
{
    /// <summary><c>base_model</c>.</summary>
    public required string BaseModel { get; init; }
    /// <summary><c>datasets</c>: text files (.txt, or .jsonl with a "text" field) with <c>type: text</c>.</summary>
    public required IReadOnlyList<string> TextFiles { get; init; }
    /// <summary><c>output_dir</c>: where the trained model folder and summary.json go.</summary>
    public required string OutputDir { get; init; }
    /// <summary><c>sequence_len</c>.</summary>
    public int SequenceLen { get; init; } = 128;
    /// <summary><c>micro_batch_size</c>.</summary>
    public int MicroBatchSize { get; init; } = 8;
    /// <summary><c>max_steps</c>.</summary>
    public int MaxSteps { get; init; } = 200;
    /// <summary><c>learning_rate</c> (constant; AdamW).</summary>
    public double LearningRate { get; init; } = 3e-3;
    /// <summary><c>weight_decay</c>.</summary>
    public double WeightDecay { get; init; }
    /// <summary><c>max_grad_norm</c>: gradients are clipped to this global norm.</summary>
    public double MaxGradNorm { get; init; } = 1.0;
    /// <summary><c>val_set_size</c>: fraction of the tokens held out for validation.</summary>
    public double ValSetSize { get; init; } = 0.1;
    /// <summary><c>eval_steps</c>: validation loss every this many steps.</summary>
    public int EvalSteps { get; init; } = 50;
    /// <summary><c>seed</c>.</summary>
    public long Seed { get; init; } = 42;
    /// <summary><c>device</c>: auto, cpu, cuda.</summary>
    public string Device { get; init; } = "auto";
    /// <summary><c>sample_prompt</c>: text to continue greedily after training, shown to the user.</summary>
    public string? SamplePrompt { get; init; }

    /// <summary>Reads and checks the config at <paramref name="path"/>; errors name the file, line and key.</summary>
    public static PretrainConfig Load(string path)
    {
        var yaml = YamlConfigFile.Load(path);
        string folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        string Resolve(string p) => p.StartsWith("preset:", StringComparison.Ordinal) || System.IO.Path.IsPathRooted(p)
            ? p
            : System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, p));

        var files = new List<string>();
        foreach (var (line, fields) in yaml.MappingList("datasets"))
        {
            string where = $"{path}:{line}: datasets";
            if (!fields.TryGetValue("path", out var file)) throw new SharpTuneException($"{where}: each dataset needs a 'path'");
            string type = fields.GetValueOrDefault("type", "text");
            if (type != "text") throw new SharpTuneException($"{where}: type '{type}' is not supported by this trainer yet (only text)");
            foreach (var key in fields.Keys.Where(k => k is not ("path" or "type")))
                throw new SharpTuneException($"{where}: unknown dataset key '{key}'");
            string full = Resolve(file);
            if (!File.Exists(full)) throw new SharpTuneException($"{where}: file not found: {full}");
            files.Add(full);
        }
        var config = new PretrainConfig
        {
            BaseModel = Resolve(yaml.RequiredString("base_model")),
            TextFiles = files,
            OutputDir = Resolve(yaml.RequiredString("output_dir")),
            SequenceLen = (int)yaml.Long("sequence_len", 128),
            MicroBatchSize = (int)yaml.Long("micro_batch_size", 8),
            MaxSteps = (int)yaml.Long("max_steps", 200),
            LearningRate = yaml.Double("learning_rate", 3e-3),
            WeightDecay = yaml.Double("weight_decay", 0.0),
            MaxGradNorm = yaml.Double("max_grad_norm", 1.0),
            ValSetSize = yaml.Double("val_set_size", 0.1),
            EvalSteps = (int)yaml.Long("eval_steps", 50),
            Seed = yaml.Long("seed", 42),
            Device = yaml.String("device", "auto")!,
            SamplePrompt = yaml.String("sample_prompt"),
        };
        yaml.RejectUnknownKeys();
        if (config.TextFiles.Count == 0) throw new SharpTuneException($"{path}: 'datasets' must list at least one text file");
        if (config.SequenceLen < 2 || config.MicroBatchSize < 1 || config.MaxSteps < 1 || config.EvalSteps < 1)
            throw new SharpTuneException($"{path}: sequence_len ≥ 2, micro_batch_size ≥ 1, max_steps ≥ 1 and eval_steps ≥ 1 are required");
        if (!(config.ValSetSize > 0 && config.ValSetSize < 1)) throw new SharpTuneException($"{path}: val_set_size must be in (0, 1)");
        if (!(config.LearningRate > 0)) throw new SharpTuneException($"{path}: learning_rate must be positive");
        return config;
    }
}
