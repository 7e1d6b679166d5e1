using System.Text.Json.Nodes;

namespace SharpTune.Models.Bert;

/// <summary>BERT shapes for <c>init-model --preset</c> and <c>base_model: preset:NAME</c> (weights random; nothing downloaded).</summary>
public static class BertPresets
{
    /// <summary>The preset names.</summary>
    public static readonly IReadOnlyList<string> Names = ["bert-tiny", "bert-base-uncased"];

    /// <summary>Whether <paramref name="name"/> is a BERT preset.</summary>
    public static bool Has(string name) => Names.Contains(name.ToLowerInvariant());

    /// <summary>The config.json of preset <paramref name="name"/>.</summary>
    public static JsonObject Config(string name) => name.ToLowerInvariant() switch
    {
        // ~0.5 M parameters besides the embeddings: for tests and the masked-LM example.
        "bert-tiny" => Shape(30522, 128, 2, 2, 512),
        // google-bert/bert-base-uncased
        "bert-base-uncased" => Shape(30522, 768, 12, 12, 3072),
        _ => throw new SharpTuneException($"--preset: unknown BERT preset '{name}' (known: {string.Join(", ", Names)})"),
    };

    private static JsonObject Shape(long vocab, long hidden, int layers, long heads, long intermediate) => new()
    {
        ["model_type"] = "bert",
        ["architectures"] = new JsonArray("BertForMaskedLM"),
        ["vocab_size"] = vocab,
        ["hidden_size"] = hidden,
        ["num_hidden_layers"] = layers,
        ["num_attention_heads"] = heads,
        ["intermediate_size"] = intermediate,
        ["hidden_act"] = "gelu",
        ["max_position_embeddings"] = 512,
        ["type_vocab_size"] = 2,
        ["layer_norm_eps"] = 1e-12,
        ["hidden_dropout_prob"] = 0.1,
        ["attention_probs_dropout_prob"] = 0.1,
        ["initializer_range"] = 0.02,
        ["pad_token_id"] = 0,
        ["position_embedding_type"] = "absolute",
    };
}
