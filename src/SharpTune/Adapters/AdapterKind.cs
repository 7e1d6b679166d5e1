namespace SharpTune.Adapters;

/// <summary>Which parameters a fine-tuning run trains (the config's <c>adapter</c> key).</summary>
public enum AdapterKind
{
    /// <summary>No <c>adapter</c> key: full fine-tuning, every parameter trains.</summary>
    None,

    /// <summary><c>adapter: lora</c>: LoRA layers train, the base model is frozen.</summary>
    Lora,

    /// <summary><c>adapter: freeze</c>: only the layers and modules of the freeze_* keys train.</summary>
    Freeze,
}
