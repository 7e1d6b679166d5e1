namespace SharpTune.Adapters;

/// <summary>How a fresh LoRA layer's matrices start (peft's <c>init_lora_weights</c>); B always starts at zero.</summary>
public enum LoraInit
{
    /// <summary>peft's default (<c>true</c>): A Kaiming-uniform with a = √5, i.e. U(−1/√in, 1/√in).</summary>
    KaimingUniform,

    /// <summary>peft's <c>"gaussian"</c>: A ~ N(0, 1/r).</summary>
    Gaussian,
}
