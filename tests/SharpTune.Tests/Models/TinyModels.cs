using System.Text.Json.Nodes;
using SharpTune.Models;

namespace SharpTune.Tests.Models;

/// <summary>Small configs of each architecture, with grouped-query attention, for fast tests.</summary>
internal static class TinyModels
{
    public static ModelConfig Config(string arch, Action<JsonObject>? edit = null)
    {
        var json = ModelPresets.Config("tiny", arch);
        json["vocab_size"] = 97;
        json["hidden_size"] = 32;
        json["intermediate_size"] = 64;
        json["num_hidden_layers"] = 2;
        json["num_attention_heads"] = 4;
        json["num_key_value_heads"] = 2;
        json["head_dim"] = 8;
        json["bos_token_id"] = 1;
        json["eos_token_id"] = 2;
        json["pad_token_id"] = 0;
        edit?.Invoke(json);
        return ModelConfig.FromJson(json, $"tiny-{arch}");
    }

    public static LlamaForCausalLM Create(string arch, long seed = 1, Action<JsonObject>? edit = null)
    {
        var model = new LlamaForCausalLM(Config(arch, edit));
        model.InitializeWeights(seed);
        // Scale the weights up so that the attention pattern is far from uniform and differences show.
        using (TorchSharp.torch.no_grad())
            foreach (var p in model.parameters()) if (p.dim() == 2) p.mul_(10.0);
        model.eval();
        return model;
    }
}
