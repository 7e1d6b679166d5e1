using System.Diagnostics;
using System.Globalization;
using SharpTune.Training;
using Spectre.Console;

namespace SharpTune.Cli.Commands;

/// <summary>
/// Shows a training run's progress: on an interactive terminal a live bar (step/total, epoch, loss, learning rate,
/// tokens/s, ETA) redrawn every step with the run's log lines printed above it; otherwise (redirected, CI) plain
/// lines only — the log lines and a progress line at most every <see cref="PlainInterval"/> and at the end.
/// </summary>
internal static class TrainingProgressBar
{
    /// <summary>How often a plain progress line is printed when there is no live bar.</summary>
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(10);

    /// <summary>Runs <paramref name="train"/>, giving it where to send log lines and progress.</summary>
    public static void Run(Action<Action<string>, IProgress<TrainingProgress>> train)
    {
        if (!IsInteractive())
        {
            var clock = Stopwatch.StartNew();
            TimeSpan next = TimeSpan.Zero;
            train(Console.WriteLine, new Reporter(p =>
            {
                if (clock.Elapsed < next && p.Step != p.TotalSteps) return;
                Console.WriteLine(Describe(p));
                next = clock.Elapsed + PlainInterval;
            }));
            return;
        }
        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            // The bar takes what the stats (about 64 characters) leave of the terminal's width.
            .Columns(new ProgressBarColumn { Width = Math.Clamp(AnsiConsole.Profile.Width - 66, 10, 40) }, new TaskDescriptionColumn { Alignment = Justify.Left })
            .Start(context =>
            {
                var task = context.AddTask("preparing", autoStart: true, maxValue: 1);
                task.IsIndeterminate = true;
                // Lines written through AnsiConsole while the bar is live are drawn above it.
                train(line => AnsiConsole.WriteLine(line), new Reporter(p =>
                {
                    task.IsIndeterminate = false;
                    task.MaxValue = Math.Max(1, p.TotalSteps);
                    task.Value = p.Step;
                    task.Description = Markup.Escape(Compact(p));
                }));
                task.StopTask();
            });
    }

    /// <summary>One line of progress, e.g. <c>step 12/100 | epoch 0.48 | loss 2.3456 | lr 1.00e-03 | 1234 tokens/s | ETA 0:01:23</c>.</summary>
    public static string Describe(TrainingProgress p) => string.Create(CultureInfo.InvariantCulture,
        $"step {p.Step}/{p.TotalSteps} | epoch {p.Epoch:F2} | loss {p.Loss:F4} | lr {p.LearningRate:0.00e+00} | {p.TokensPerSecond:F0} tokens/s | ETA {Eta(p.Remaining)}");

    /// <summary>The bar's text, e.g. <c>12/100 ep 0.48 loss 2.3456 lr 1.00e-03 1234 tok/s ETA 0:01:23</c>.</summary>
    private static string Compact(TrainingProgress p) => string.Create(CultureInfo.InvariantCulture,
        $"{p.Step}/{p.TotalSteps} ep {p.Epoch:F2} loss {p.Loss:F4} lr {p.LearningRate:0.00e+00} {p.TokensPerSecond:F0} tok/s ETA {Eta(p.Remaining)}");

    private static string Eta(TimeSpan remaining) =>
        remaining < TimeSpan.Zero || remaining.TotalDays > 99 ? "?" : $"{(int)remaining.TotalHours}:{remaining:mm\\:ss}";

    /// <summary>A live bar needs a terminal on stdout that takes ANSI codes, outside CI.</summary>
    /// <summary>Whether stdout is a terminal that can redraw (not redirected, not TERM=dumb).</summary>
    internal static bool IsInteractive() =>
        !Console.IsOutputRedirected
        && Environment.GetEnvironmentVariable("TERM") != "dumb"
        && AnsiConsole.Profile.Capabilities.Interactive
        && AnsiConsole.Profile.Capabilities.Ansi;

    /// <summary>Reports on the training thread, as each step ends (<see cref="Progress{T}"/> would post to the thread pool).</summary>
    private sealed class Reporter(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
