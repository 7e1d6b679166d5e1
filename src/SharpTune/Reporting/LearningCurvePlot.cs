namespace SharpTune.Reporting;

/// <summary>Draws training and validation loss by step into a PNG (ScottPlot).</summary>
public static class LearningCurvePlot
{
    /// <summary>Writes the plot of <paramref name="train"/> and <paramref name="validation"/> to <paramref name="path"/> (atomically).</summary>
    public static void Save(string path, IReadOnlyList<LossPoint> train, IReadOnlyList<LossPoint> validation, string title)
    {
        var plot = new ScottPlot.Plot();
        if (train.Count > 0)
        {
            var line = plot.Add.ScatterLine(train.Select(p => (double)p.Step).ToArray(), train.Select(p => p.Loss).ToArray());
            line.LegendText = "training loss";
            line.LineWidth = 1;
        }
        if (validation.Count > 0)
        {
            var line = plot.Add.Scatter(validation.Select(p => (double)p.Step).ToArray(), validation.Select(p => p.Loss).ToArray());
            line.LegendText = "validation loss";
            line.LineWidth = 2;
            line.MarkerSize = 6;
        }
        plot.Title(title);
        plot.XLabel("step");
        plot.YLabel("loss");
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        var bytes = plot.GetImageBytes(900, 540, ScottPlot.ImageFormat.Png);
        IO.AtomicFile.Write(path, stream => stream.Write(bytes));
    }
}
