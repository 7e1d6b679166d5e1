namespace SharpTune.Training;

/// <summary>Where a run is, reported after each optimizer step so a front end can draw a progress bar.</summary>
/// <param name="Step">Optimizer steps done.</param>
/// <param name="TotalSteps">Optimizer steps in the whole run.</param>
/// <param name="Epoch">Passes over the training data, fractional.</param>
/// <param name="Loss">The last step's training loss.</param>
/// <param name="LearningRate">The learning rate the last step used.</param>
/// <param name="TokensPerSecond">Training tokens per second since the run (or resume) started.</param>
/// <param name="Remaining">Estimated time to the end.</param>
public sealed record TrainingProgress(long Step, long TotalSteps, double Epoch, double Loss, double LearningRate, double TokensPerSecond, TimeSpan Remaining);
