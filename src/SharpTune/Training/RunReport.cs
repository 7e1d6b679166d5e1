using SharpTune.IO;
using SharpTune.Reporting;

namespace SharpTune.Training;

/// <summary>
/// The end-of-run reports every recipe writes from its metrics.jsonl: learning_curve.png and diagnosis.json (the
/// fit verdict), with the training and validation loss curves they were drawn from.
/// </summary>
/// <param name="Train">Training loss by step.</param>
/// <param name="Validation">Validation loss by step.</param>
/// <param name="Diagnosis">Underfit, overfit or good fit, and why.</param>
public sealed record RunReport(IReadOnlyList<LossPoint> Train, IReadOnlyList<LossPoint> Validation, FitDiagnosis Diagnosis)
{
    /// <summary>
    /// Reads output_dir/metrics.jsonl, draws <paramref name="lossKey"/> (training) and <paramref name="evalKey"/>
    /// (validation) in a curve titled <paramref name="title"/>, writes the diagnosis and logs its verdict.
    /// </summary>
    public static RunReport Write(string outputDir, string title, Action<string> log, string lossKey = "loss", string evalKey = "eval_loss")
    {
        var records = MetricsLog.Read(Path.Combine(outputDir, "metrics.jsonl"));
        var train = records.Where(r => r[lossKey] is not null).Select(r => new LossPoint(r["step"]!.GetValue<long>(), r[lossKey]!.GetValue<double>())).ToList();
        var validation = records.Where(r => r[evalKey] is not null).Select(r => new LossPoint(r["step"]!.GetValue<long>(), r[evalKey]!.GetValue<double>())).ToList();
        LearningCurvePlot.Save(Path.Combine(outputDir, "learning_curve.png"), train, validation, title);
        var diagnosis = FitDiagnosis.From(train, validation);
        log($"fit: {diagnosis.Verdict} — {diagnosis.Reason}. {diagnosis.Advice}");
        AtomicFile.WriteJson(Path.Combine(outputDir, "diagnosis.json"), diagnosis.ToJson());
        return new RunReport(train, validation, diagnosis);
    }
}
