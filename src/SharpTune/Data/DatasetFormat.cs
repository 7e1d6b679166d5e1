namespace SharpTune.Data;

/// <summary>A dataset's <c>type:</c>, as axolotl names them: how its records are laid out.</summary>
public enum DatasetFormat
{
    /// <summary><c>alpaca</c>: instruction, input (optional), output, system (optional).</summary>
    Alpaca,
    /// <summary><c>sharegpt</c>: <c>conversations: [{from: human|gpt|system, value}]</c>.</summary>
    ShareGpt,
    /// <summary><c>messages</c> or <c>chat_template</c>: OpenAI-style <c>messages: [{role, content}]</c>.</summary>
    Messages,
    /// <summary><c>completion</c>: prompt + completion (prompt masked), or a <c>text</c> field trained whole.</summary>
    Completion,
    /// <summary><c>text</c>: raw text for pretraining.</summary>
    Text,
    /// <summary><c>preference</c>: prompt, chosen, rejected (strings or message lists), for reward modelling and DPO.</summary>
    Preference,
}
