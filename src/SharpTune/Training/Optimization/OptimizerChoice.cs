namespace SharpTune.Training.Optimization;

/// <summary>The optimizer a config's <c>optimizer</c> key names, over the parameters that train.</summary>
public static class OptimizerChoice
{
    /// <summary>AdamW (adamw, adamw_torch, adamw_torch_fused) or SGD with the config's hyperparameters.</summary>
    public static IOptimizer Create(TrainConfig config, IReadOnlyList<TrainableParameter> trainable) =>
        config.Optimizer == "sgd"
            ? new Sgd(trainable, config.SgdMomentum, config.WeightDecay)
            : new AdamW(trainable, config.WeightDecay, config.AdamBeta1, config.AdamBeta2, config.AdamEpsilon);
}
