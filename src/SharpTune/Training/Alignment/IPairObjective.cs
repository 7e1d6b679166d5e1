using System.Text.Json.Nodes;
using SharpTune.Data;
using static TorchSharp.torch;

namespace SharpTune.Training.Alignment;

/// <summary>What a stage trained on preference pairs (reward modelling, DPO) optimises and measures, for <see cref="PairwiseTrainer"/>.</summary>
public interface IPairObjective
{
    /// <summary>
    /// The mean loss over <paramref name="pairs"/> (training pairs number <paramref name="indices"/>), ready for
    /// backward, and statistics to log (means over the pairs).
    /// </summary>
    (Tensor Loss, IReadOnlyDictionary<string, double> Stats) Loss(IReadOnlyList<TokenizedPair> pairs, IReadOnlyList<int> indices);

    /// <summary>Held-out metrics on <paramref name="pairs"/>, keys as metrics.jsonl records them (eval_loss first).</summary>
    JsonObject Evaluate(IReadOnlyList<TokenizedPair> pairs);

    /// <summary>Writes the trained model (or adapter) to <paramref name="folder"/>.</summary>
    void Save(string folder);

    /// <summary>Restores the trained values from a checkpoint in <paramref name="folder"/>.</summary>
    void LoadTrainable(string folder);
}
