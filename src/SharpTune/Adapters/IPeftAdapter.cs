namespace SharpTune.Adapters;

/// <summary>A trained adapter that is saved as a peft adapter folder (LoRA, or a prompt-based method) rather than as model weights.</summary>
public interface IPeftAdapter
{
    /// <summary>Writes adapter_config.json and adapter_model.safetensors (plus anything an exact resume needs) to <paramref name="folder"/>.</summary>
    void Save(string folder);

    /// <summary>Copies the trained values saved by <see cref="Save"/> in <paramref name="folder"/> into this adapter.</summary>
    void LoadWeights(string folder);
}
