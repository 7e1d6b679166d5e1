using SharpTune.Backend;
using SharpTune.Data;
using static TorchSharp.torch;

namespace SharpTune.Training.Alignment;

/// <summary>How every alignment stage begins: the device, the seed, output_dir, the tokenizer and the prepared preference data.</summary>
internal static class PreferenceStageStart
{
    /// <summary>Resolves the device, seeds libtorch, creates output_dir and prepares the datasets of <paramref name="config"/>.</summary>
    public static (Device Device, TokenizerContext Tokenizer, PreparedDataset Data) Prepare(TrainConfig config, Action<string> log)
    {
        var device = ComputeDevice.Resolve(config.Device, "device");
        manual_seed(config.Seed);
        Directory.CreateDirectory(config.OutputDir);
        var tokenizer = TrainingData.LoadTokenizer(config.Data);
        return (device, tokenizer, new DataPipeline(config.Data, tokenizer, log).Prepare());
    }
}
