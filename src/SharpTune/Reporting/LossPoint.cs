namespace SharpTune.Reporting;

/// <summary>A loss measured at an optimizer step.</summary>
/// <param name="Step">The optimizer step (1-based; 0 for a measurement before training).</param>
/// <param name="Loss">The loss.</param>
public readonly record struct LossPoint(long Step, double Loss);
