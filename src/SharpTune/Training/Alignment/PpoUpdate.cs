namespace SharpTune.Training.Alignment;

/// <summary>The means over one batch's PPO updates.</summary>
/// <param name="Loss">Policy loss + vf_coef · value loss.</param>
/// <param name="PolicyLoss">The clipped surrogate loss.</param>
/// <param name="ValueLoss">The clipped value loss.</param>
/// <param name="Entropy">The policy's mean per-token entropy on the responses.</param>
/// <param name="ClipFraction">The share of response tokens whose ratio was clipped.</param>
/// <param name="GradNorm">The gradient norm before clipping.</param>
internal sealed record PpoUpdate(double Loss, double PolicyLoss, double ValueLoss, double Entropy, double ClipFraction, double GradNorm);
