using System.Text.Json.Nodes;
using SharpTune.Adapters;
using SharpTune.Backend;
using SharpTune.Data;
using SharpTune.IO;
using SharpTune.Models;
using static TorchSharp.torch;

namespace SharpTune.Training.Distillation;

/// <summary>
/// <c>stage: distill</c>: a student (full, freeze or LoRA, as the adapter keys say) learns from a teacher that shares
/// its tokenizer, minimising α·T²·KL(teacher ‖ student at temperature T) + (1 − α)·CE on the labels. The loop,
/// evaluation (plain cross-entropy on the validation labels, so the numbers compare with SFT), checkpoints and
/// reports are <see cref="CausalLmRecipe"/>'s; this recipe brings the teacher — on the fly, or as top-k logits
/// cached on disk — and, with <c>kd_sft_baseline</c>, first trains the same student by plain SFT for comparison.
/// </summary>
public sealed class DistillRecipe(TrainConfig config, Action<string> log, IProgress<TrainingProgress>? progress = null)
{
    /// <summary>Tokenizer files that must be byte-identical between teacher and student.</summary>
    private static readonly string[] VocabularyFiles = ["tokenizer.json", "vocab.json", "merges.txt", "tokenizer.model", "vocab.txt"];

    /// <summary>Runs the distillation (after the SFT baseline, when asked); returns summary.json's content.</summary>
    public JsonObject Run(bool resume = false)
    {
        var kd = config.Distillation ?? throw new InvalidOperationException("not a distillation config");
        ModelLocation teacherAt;
        try
        {
            teacherAt = ModelLocation.Resolve(kd.TeacherModel, null);
        }
        catch (SharpTuneException e)
        {
            throw new SharpTuneException($"{config.ConfigFile}: teacher_model: {e.Message}", e);
        }
        CheckSharedVocabulary(teacherAt);

        JsonObject? baseline = null;
        if (kd.SftBaseline)
        {
            var sft = config with { Stage = "sft", Distillation = null, OutputDir = Path.Combine(config.OutputDir, "sft_baseline") };
            if (TrainingRuns.IsFinished(sft))
            {
                baseline = JsonNode.Parse(File.ReadAllText(Path.Combine(sft.OutputDir, "summary.json"))) as JsonObject;
                log($"SFT baseline: already trained in {sft.OutputDir}");
            }
            else
            {
                log($"SFT baseline: the same student by plain SFT on the same data and steps, in {sft.OutputDir}");
                baseline = new CausalLmRecipe(sft, log, progress).Run(resume);
            }
        }

        var device = ComputeDevice.Resolve(config.Device, "device");
        var dtype = config.Bf16 == "true" || (config.Bf16 == "auto" && device.type == TorchSharp.DeviceType.CUDA) ? ScalarType.BFloat16 : ScalarType.Float32;
        var data = new DataPipeline(config.Data, TrainingData.LoadTokenizer(config.Data), log).Prepare();
        string[] teacherFolders = teacherAt.AdapterFolder is { } a ? [teacherAt.ModelFolder, a] : [teacherAt.ModelFolder];

        LlamaForCausalLM? teacher = null;
        LlamaForCausalLM Teacher()
        {
            if (teacher is not null) return teacher;
            teacher = teacherAt.Load(device, dtype);
            log($"teacher: {kd.TeacherModel} ({teacher.ParameterCount():N0} parameters)");
            return teacher;
        }
        try
        {
            double? teacherLoss = data.Validation.Count > 0
                ? CausalLmEvaluator.Evaluate(Teacher(), data.Validation, data.Collator, config.MicroBatchSize, device).Loss
                : null;
            if (teacherLoss is { } tl) log($"teacher eval loss {tl:F4}");
            ICausalLmObjective objective;
            if (kd.TopK is { } k)
            {
                string path = TeacherLogitCache.PathFor(kd.CacheDir, teacherFolders, data.Train, k);
                TeacherLogitCache cache;
                if (File.Exists(path))
                {
                    cache = TeacherLogitCache.Load(path);
                    log($"teacher logits: reusing the top-{k} cache {path}");
                }
                else
                {
                    cache = TeacherLogitCache.Build(Teacher(), data.Train, data.Collator, k, config.MicroBatchSize, path);
                    log($"teacher logits: top-{k} of {cache.Count} samples cached in {path}");
                }
                teacher?.Dispose();
                teacher = null;
                objective = new CachedDistillationObjective(cache, kd.Alpha, kd.Temperature);
            }
            else objective = new DistillationObjective(Teacher(), kd.Alpha, kd.Temperature);

            var summary = new CausalLmRecipe(config, log, progress, objective).Run(resume);
            summary["teacher_model"] = kd.TeacherModel;
            summary["teacher_eval_loss"] = teacherLoss;
            summary["kd_alpha"] = kd.Alpha;
            summary["kd_temperature"] = kd.Temperature;
            summary["kd_top_k"] = kd.TopK;
            if (baseline is not null)
            {
                summary["student_sft_eval_loss"] = baseline["final_eval_loss"]?.DeepClone();
                summary["student_sft_accuracy_after"] = baseline["accuracy_after"]?.DeepClone();
                if (summary["final_eval_loss"]?.GetValue<double>() is { } d && baseline["final_eval_loss"]?.GetValue<double>() is { } s)
                    log($"distilled student eval loss {d:F4} vs {s:F4} by plain SFT");
            }
            AtomicFile.WriteJson(Path.Combine(config.OutputDir, "summary.json"), summary);
            return summary;
        }
        finally
        {
            teacher?.Dispose();
        }
    }

    /// <summary>The teacher's distribution is over the student's vocabulary only when both use the very same tokenizer: compare its files and vocabulary sizes.</summary>
    private void CheckSharedVocabulary(ModelLocation teacher)
    {
        string student = config.Data.Tokenizer ?? config.BaseModel;
        if (student.StartsWith("preset:", StringComparison.Ordinal))
            throw new SharpTuneException($"{config.ConfigFile}: base_model: a distilled student needs the teacher's tokenizer; set tokenizer: to the teacher's folder or start from a model folder");
        foreach (var name in VocabularyFiles)
        {
            string s = Path.Combine(student, name), t = Path.Combine(teacher.TokenizerFolder, name);
            bool hasS = File.Exists(s), hasT = File.Exists(t);
            if (!hasS && !hasT) continue;
            if (hasS != hasT || !File.ReadAllBytes(s).AsSpan().SequenceEqual(File.ReadAllBytes(t)))
                throw new SharpTuneException($"{config.ConfigFile}: teacher_model: the teacher and the student do not share a tokenizer ({name} of {teacher.TokenizerFolder} and {student} "
                    + (hasS && hasT ? "differ" : "is missing in one of them") + "); distillation compares their distributions token by token");
        }
        if (File.Exists(Path.Combine(config.BaseModel, "config.json")))
        {
            long sv = HfModelFolder.LoadConfig(config.BaseModel).VocabSize, tv = HfModelFolder.LoadConfig(teacher.ModelFolder).VocabSize;
            if (sv != tv)
                throw new SharpTuneException($"{config.ConfigFile}: teacher_model: the teacher's vocab_size ({tv}) differs from the student's ({sv}); they must share one vocabulary");
        }
    }
}
