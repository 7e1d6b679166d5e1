using SharpTune.Training;

namespace SharpTune.Tests.Training;

/// <summary>Hears a run's progress on the training thread itself (Progress&lt;T&gt; would post it elsewhere), so a test can stop a run at a chosen step by throwing.</summary>
internal sealed class SyncProgress(Action<TrainingProgress> action) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => action(value);
}
