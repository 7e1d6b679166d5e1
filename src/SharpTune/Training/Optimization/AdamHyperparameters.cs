namespace SharpTune.Training.Optimization;

/// <summary>The constants of an Adam-family update.</summary>
/// <param name="Beta1">Decay of the first moment.</param>
/// <param name="Beta2">Decay of the second moment.</param>
/// <param name="Epsilon">Added to the denominator.</param>
/// <param name="WeightDecay">Decoupled weight decay λ (the weight is multiplied by 1 − lr·λ).</param>
internal readonly record struct AdamHyperparameters(double Beta1, double Beta2, double Epsilon, double WeightDecay);
