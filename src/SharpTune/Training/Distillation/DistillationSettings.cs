using SharpTune.Config;

namespace SharpTune.Training.Distillation;

/// <summary>
/// The <c>stage: distill</c> keys (axolotl's <c>kd_*</c> names): the teacher, the mix of the distillation and label
/// terms, the temperature, and whether the teacher's logits are cached on disk as top-k.
/// </summary>
public sealed record DistillationSettings
{
    /// <summary>The keys this reader owns.</summary>
    public static readonly IReadOnlyList<string> Keys = ["teacher_model", "kd_alpha", "kd_temperature", "kd_top_k", "kd_cache_dir", "kd_sft_baseline"];

    /// <summary><c>teacher_model</c>: a model folder, a peft adapter folder (merged into its base), or <c>run:OTHER.yaml</c> (resolved).</summary>
    public required string TeacherModel { get; init; }

    /// <summary>When <c>teacher_model</c> is <c>run:OTHER.yaml</c>: that config file, trained first when its output is missing or stale.</summary>
    public string? TeacherRun { get; init; }

    /// <summary><c>kd_alpha</c>: α, the weight of the distillation term; 1 − α weighs the cross-entropy on the labels. Default 0.5.</summary>
    public double Alpha { get; init; } = 0.5;

    /// <summary><c>kd_temperature</c>: T, the softmax temperature of both distributions in the KL term (which is scaled by T²). Default 2.</summary>
    public double Temperature { get; init; } = 2.0;

    /// <summary><c>kd_top_k</c>: when set, the teacher's top-k logits per position are computed once, cached on disk and reused; else the teacher runs on the fly.</summary>
    public int? TopK { get; init; }

    /// <summary><c>kd_cache_dir</c>: where top-k caches live (keyed by teacher, data and k, so runs that share them reuse them). Default <c>output_dir/kd_cache</c>.</summary>
    public required string CacheDir { get; init; }

    /// <summary><c>kd_sft_baseline</c>: also train the same student by plain SFT on the same data and steps (in <c>output_dir/sft_baseline</c>) and report its eval loss. Default false.</summary>
    public bool SftBaseline { get; init; }

    /// <summary>Reads the keys from <paramref name="config"/>'s root; null when there is no <c>teacher_model</c>.</summary>
    public static DistillationSettings? Read(YamlConfigFile config, string outputDir)
    {
        var root = config.Root;
        string Resolve(string p) => Path.IsPathRooted(p) ? p : Path.GetFullPath(Path.Combine(config.Folder, p));
        string? teacher = root.String("teacher_model");
        if (teacher is null)
        {
            var stray = Keys.Skip(1).FirstOrDefault(root.Has);
            return stray is null ? null : throw root.Error(stray, "is a distillation key: set stage: distill and teacher_model");
        }
        string? run = RunReference.ConfigOf(config, "teacher_model", teacher);
        double alpha = root.Double("kd_alpha", 0.5);
        if (alpha is < 0 or > 1 || double.IsNaN(alpha)) throw root.Error("kd_alpha", $"must be in [0, 1], got {alpha}");
        double temperature = root.Double("kd_temperature", 2.0);
        if (!(temperature > 0) || double.IsInfinity(temperature)) throw root.Error("kd_temperature", $"must be above 0, got {temperature}");
        long? topK = root.OptionalLong("kd_top_k");
        if (topK is < 1 or > 1 << 20) throw root.Error("kd_top_k", $"must be between 1 and {1 << 20}, got {topK}");
        return new DistillationSettings
        {
            TeacherModel = run is null ? Resolve(teacher) : RunReference.OutputDirOf(config, "teacher_model", run),
            TeacherRun = run,
            Alpha = alpha,
            Temperature = temperature,
            TopK = (int?)topK,
            CacheDir = root.String("kd_cache_dir") is { } dir ? Resolve(dir) : Path.Combine(outputDir, "kd_cache"),
            SftBaseline = root.Bool("kd_sft_baseline", false),
        };
    }
}
