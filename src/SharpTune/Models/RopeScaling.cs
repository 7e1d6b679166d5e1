namespace SharpTune.Models;

/// <summary>
/// The <c>rope_scaling</c> entry of an HF <c>config.json</c>: how rotary frequencies are stretched
/// for contexts longer than the model was trained on.
/// </summary>
/// <param name="Type">"llama3" or "linear" (HF writes it as <c>rope_type</c> or <c>type</c>).</param>
/// <param name="Factor">The overall stretch factor.</param>
/// <param name="LowFreqFactor">llama3: wavelengths longer than original/low_freq_factor are divided by the factor.</param>
/// <param name="HighFreqFactor">llama3: wavelengths shorter than original/high_freq_factor are kept.</param>
/// <param name="OriginalMaxPositionEmbeddings">llama3: the context length of pretraining.</param>
public sealed record RopeScaling(
    string Type,
    double Factor,
    double LowFreqFactor = 1.0,
    double HighFreqFactor = 4.0,
    long OriginalMaxPositionEmbeddings = 8192);
