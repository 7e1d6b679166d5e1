using System.Text.Json.Nodes;
using SharpTune.Reporting;

namespace SharpTune.Tests.Reporting;

public sealed class ReportingTests
{
    private static List<LossPoint> Curve(int steps, Func<int, double> loss, int every = 1) =>
        Enumerable.Range(1, steps).Where(s => s % every == 0).Select(s => new LossPoint(s, loss(s))).ToList();

    [Fact]
    public void Validation_turning_up_while_training_falls_is_overfit()
    {
        var train = Curve(100, s => 3.0 * Math.Exp(-s / 20.0) + 0.1);
        var val = Curve(100, s => 1.0 + Math.Pow((s - 40) / 40.0, 2), every: 10);
        var d = FitDiagnosis.From(train, val);
        Assert.Equal("overfit", d.Verdict);
        Assert.Contains("step 40", d.Reason);
    }

    [Fact]
    public void Training_loss_still_falling_is_underfit()
    {
        var train = Curve(100, s => 4.0 - 0.02 * s);
        var val = Curve(100, s => 4.1 - 0.02 * s, every: 10);
        Assert.Equal("underfit", FitDiagnosis.From(train, val).Verdict);
        Assert.Contains("still falling", FitDiagnosis.From(train, val).Reason);
    }

    [Fact]
    public void Flat_training_loss_is_underfit()
    {
        var train = Curve(100, s => 5.0 + 0.01 * Math.Sin(s));
        Assert.Contains("barely moved", FitDiagnosis.From(train, []).Reason);
    }

    [Fact]
    public void Both_curves_settling_is_a_good_fit()
    {
        var train = Curve(200, s => 2.0 * Math.Exp(-s / 15.0) + 1.0);
        var val = Curve(200, s => 2.0 * Math.Exp(-s / 15.0) + 1.1, every: 20);
        var d = FitDiagnosis.From(train, val);
        Assert.Equal("good fit", d.Verdict);
        Assert.Contains("gap of +0.1", d.Reason);
    }

    [Fact]
    public void Too_short_a_run_is_not_diagnosed()
    {
        Assert.Equal("unknown", FitDiagnosis.From(Curve(3, s => 1.0), []).Verdict);
    }

    [Fact]
    public void Metrics_log_drops_lines_after_the_resumed_step_and_a_torn_line()
    {
        using var tmp = new TempFolder();
        var path = tmp.File("metrics.jsonl");
        using (var log = new MetricsLog(path, null))
            for (int s = 1; s <= 6; s++) log.Write(new JsonObject { ["step"] = s, ["loss"] = 1.0 / s });
        File.AppendAllText(path, "{\"step\": 7, \"lo");
        using (var log = new MetricsLog(path, keepThroughStep: 4))
            log.Write(new JsonObject { ["step"] = 5, ["loss"] = 0.5 });
        var steps = MetricsLog.Read(path).Select(r => r["step"]!.GetValue<long>()).ToList();
        Assert.Equal([1L, 2, 3, 4, 5], steps);
    }

    [Fact]
    public void Learning_curve_is_a_png()
    {
        using var tmp = new TempFolder();
        var path = tmp.File("learning_curve.png");
        LearningCurvePlot.Save(path, Curve(50, s => 3.0 / s), Curve(50, s => 3.2 / s, every: 10), "test run");
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 5000);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
    }
}
