using SharpTune.IO;
using SharpTune.Reporting;

namespace SharpTune.Training;

/// <summary>The end-of-run report every recipe writes from its metrics.jsonl: learning_curve.png and diagnosis.json.</summary>
public static class RunReport
{
    /// <summary>
    /// Plots <paramref name="lossKey"/> (training) and <paramref name="evalKey"/> (validation) from
    /// <paramref name="outputDir"/>/metrics.jsonl under <paramref name="title"/>, diagnoses the fit, logs and saves it.
    /// </summary>
    public static (FitDiagnosis Diagnosis, IReadOnlyList<LossPoint> Train) Write(string outputDir, string title, Action<string> log, string lossKey = "loss", string evalKey = "eval_loss")
    {
        var records = MetricsLog.Read(Path.Combine(outputDir, "metrics.jsonl"));
        var train = records.Where(r => r[lossKey] is not null).Select(r => new LossPoint(r["step"]!.GetValue<long>(), r[lossKey]!.GetValue<double>())).ToList();
        var validation = records.Where(r => r[evalKey] is not null).Select(r => new LossPoint(r["step"]!.GetValue<long>(), r[evalKey]!.GetValue<double>())).ToList();
        LearningCurvePlot.Save(Path.Combine(outputDir, "learning_curve.png"), train, validation, title);
        var diagnosis = FitDiagnosis.From(train, validation);
        log($"fit: {diagnosis.Verdict} — {diagnosis.Reason}. {diagnosis.Advice}");
        AtomicFile.WriteJson(Path.Combine(outputDir, "diagnosis.json"), diagnosis.ToJson());
        return (diagnosis, train);
    }
}
