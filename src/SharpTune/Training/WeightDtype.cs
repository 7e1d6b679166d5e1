using SharpTune.Adapters;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>The dtype a run holds the model's weights in (<c>bf16</c>: auto, true, false).</summary>
public static class WeightDtype
{
    /// <summary>
    /// bf16 when the config says <c>bf16: true</c>, or on CUDA with <c>auto</c> when the base is frozen (LoRA, prompt methods); else
    /// float32. Trained weights of full and freeze tuning stay float32 under auto; LoRA's own matrices are float32 always.
    /// </summary>
    public static ScalarType For(TrainConfig config, DeviceType device)
    {
        ArgumentNullException.ThrowIfNull(config);
        bool frozenBase = config.Adapter.FreezesBase;
        return config.Bf16 switch
        {
            "true" => ScalarType.BFloat16,
            "auto" when device == DeviceType.CUDA && frozenBase => ScalarType.BFloat16,
            _ => ScalarType.Float32,
        };
    }
}
