using SharpTune.Training.Optimization;

namespace SharpTune.Training;

/// <summary>
/// How long a run is and when it evaluates and saves, from the config and the number of training rows: micro-batches
/// and optimizer steps per epoch, total steps (<c>max_steps</c>, else <c>num_epochs</c>), warmup, and the schedule.
/// </summary>
public sealed record StepPlan
{
    /// <summary>Micro-batches in one pass over the training rows.</summary>
    public required long MicroPerEpoch { get; init; }
    /// <summary>Optimizer steps in one pass.</summary>
    public required long StepsPerEpoch { get; init; }
    /// <summary>Optimizer steps of the whole run.</summary>
    public required long TotalSteps { get; init; }
    /// <summary>Evaluate every this many steps (and at the end).</summary>
    public required long EvalEvery { get; init; }
    /// <summary>Save a checkpoint every this many steps (and at the end).</summary>
    public required long SaveEvery { get; init; }
    /// <summary>The learning rate at each step.</summary>
    public required LearningRateSchedule Schedule { get; init; }

    /// <summary>The plan of <paramref name="config"/> over <paramref name="trainRows"/> rows, trained by <paramref name="processes"/> data-parallel processes (each step takes gradient_accumulation_steps micro-batches on each).</summary>
    public static StepPlan For(TrainConfig config, int trainRows, int processes = 1)
    {
        long microPerEpoch = (trainRows + config.MicroBatchSize - 1) / config.MicroBatchSize;
        long microPerStep = (long)config.GradientAccumulationSteps * processes;
        long stepsPerEpoch = (microPerEpoch + microPerStep - 1) / microPerStep;
        long totalSteps = config.MaxSteps ?? Math.Max(1, (long)Math.Ceiling(config.NumEpochs * stepsPerEpoch));
        long warmup = config.WarmupSteps ?? (long)Math.Ceiling((config.WarmupRatio ?? 0) * totalSteps);
        long evalEvery = config.EvalSteps ?? Math.Max(1, totalSteps / 10);
        return new StepPlan
        {
            MicroPerEpoch = microPerEpoch,
            StepsPerEpoch = stepsPerEpoch,
            TotalSteps = totalSteps,
            EvalEvery = evalEvery,
            SaveEvery = config.SaveSteps ?? evalEvery,
            Schedule = new LearningRateSchedule(config.LrScheduler, config.LearningRate, totalSteps, Math.Min(warmup, totalSteps)),
        };
    }

    /// <summary>The order of the training rows in epoch <paramref name="epoch"/>: a shuffle seeded by the run's seed and the epoch, so a resumed run sees the same order.</summary>
    public static int[] EpochOrder(int count, long seed, long epoch)
    {
        var order = Enumerable.Range(0, count).ToArray();
        new Random((int)((seed * 1_000_003 + epoch) & int.MaxValue)).Shuffle(order);
        return order;
    }

    /// <summary>The rows of micro-batch <paramref name="index"/> of an epoch in <paramref name="order"/>.</summary>
    public static IEnumerable<int> MicroBatch(int[] order, long index, int microBatchSize) =>
        order.Skip((int)(index * microBatchSize)).Take(microBatchSize);
}
