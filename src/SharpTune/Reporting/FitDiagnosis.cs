using System.Globalization;
using System.Text.Json.Nodes;

namespace SharpTune.Reporting;

/// <summary>
/// How a run fitted, read off its learning curves by the usual rules: <b>overfit</b> when validation loss
/// turned up while training loss kept falling; <b>underfit</b> when training loss was still falling at the end
/// (more steps would help) or barely moved (too little capacity or learning rate); <b>good fit</b> when both
/// settled with a small gap.
/// </summary>
/// <param name="Verdict">"overfit", "underfit" or "good fit"; "unknown" when the curves are too short to read.</param>
/// <param name="Reason">The numbers behind the verdict, in a sentence.</param>
/// <param name="Advice">What to try next.</param>
public sealed record FitDiagnosis(string Verdict, string Reason, string Advice)
{
    /// <summary>A rise of validation loss above its minimum by more than this fraction counts as turning up.</summary>
    public const double TurnUpFraction = 0.02;

    /// <summary>A fall of smoothed training loss over the last fifth of the run by more than this fraction counts as still falling.</summary>
    public const double StillFallingFraction = 0.03;

    /// <summary>A total fall of training loss below this fraction counts as flat.</summary>
    public const double FlatFraction = 0.05;

    /// <summary>Diagnoses a run from its training losses (one per step) and validation losses (one per evaluation).</summary>
    public static FitDiagnosis From(IReadOnlyList<LossPoint> train, IReadOnlyList<LossPoint> validation)
    {
        if (train.Count < 5)
            return new("unknown", $"only {train.Count} training steps were logged", "train for more steps to read the curves");

        // Smooth training loss over windows of a tenth of the run, so that batch noise reads as noise.
        int window = Math.Max(1, train.Count / 10);
        double Smoothed(int end) => train.Skip(Math.Max(0, end - window + 1)).Take(Math.Min(window, end + 1)).Average(p => p.Loss);
        double trainStart = Smoothed(window - 1), trainEnd = Smoothed(train.Count - 1);
        double trainFifthAgo = Smoothed(train.Count - 1 - train.Count / 5);

        if (validation.Count >= 3)
        {
            var best = validation.MinBy(p => p.Loss);
            var last = validation[^1];
            int bestTrainIndex = Math.Max(0, train.ToList().FindLastIndex(p => p.Step <= best.Step));
            if (last.Loss > best.Loss * (1 + TurnUpFraction) && trainEnd < Smoothed(bestTrainIndex))
                return new("overfit",
                    Text($"validation loss reached its minimum {best.Loss:F4} at step {best.Step} and rose to {last.Loss:F4} by step {last.Step}, while training loss fell from {Smoothed(bestTrainIndex):F4} to {trainEnd:F4}"),
                    "stop earlier (early_stopping_patience keeps the best checkpoint), add data, or regularise (weight_decay, lora_dropout, a smaller lora_r)");
        }
        if (trainStart - trainEnd < FlatFraction * trainStart)
            return new("underfit",
                Text($"training loss barely moved ({trainStart:F4} to {trainEnd:F4})"),
                "raise the learning rate, train longer, or give the model more capacity (more layers, a larger lora_r, more target modules)");
        if (trainFifthAgo - trainEnd > StillFallingFraction * trainFifthAgo)
            return new("underfit",
                Text($"training loss was still falling over the last fifth of the run ({trainFifthAgo:F4} to {trainEnd:F4})"),
                "train for more steps or epochs");
        string gap = validation.Count > 0 ? Text($"; the final validation loss is {validation[^1].Loss:F4}, a gap of {validation[^1].Loss - trainEnd:+0.0000;-0.0000}") : "";
        return new("good fit", Text($"training loss settled at {trainEnd:F4}{gap}"), "nothing to change; more data is what would help further");
    }

    /// <summary>The diagnosis as JSON, for summary.json.</summary>
    public JsonObject ToJson() => new() { ["verdict"] = Verdict, ["reason"] = Reason, ["advice"] = Advice };

    private static string Text(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
