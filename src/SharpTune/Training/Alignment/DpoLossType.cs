namespace SharpTune.Training.Alignment;

/// <summary><c>rl_loss_type</c> (TRL's <c>loss_type</c>): the preference loss DPO-style training minimises.</summary>
public enum DpoLossType
{
    /// <summary>DPO (Rafailov et al., 2023): −log σ(β·h), with conservative label smoothing ε: −(1−ε)·log σ(β·h) − ε·log σ(−β·h).</summary>
    Sigmoid,

    /// <summary>IPO (Azar et al., 2023): (h − 1/(2β))², on length-averaged log-probabilities.</summary>
    Ipo,
}
