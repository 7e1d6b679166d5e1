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

    /// <summary><c>adapter: prompt_tuning</c>: trainable embeddings prepended to the input (peft PROMPT_TUNING).</summary>
    PromptTuning,

    /// <summary><c>adapter: prefix_tuning</c>: trainable keys and values before every layer's own (peft PREFIX_TUNING).</summary>
    PrefixTuning,

    /// <summary><c>adapter: p_tuning</c>: prepended embeddings produced by a trained prompt encoder (peft P_TUNING).</summary>
    PTuning,
}
