using SharpTune.Models;
using static TorchSharp.torch;

namespace SharpTune.Tests.Inference;

/// <summary>
/// A tiny byte-vocabulary model whose greedy next token depends only on the current one, as a script says: its
/// layers add nothing (o_proj and down_proj are zero), each scripted byte embeds as its own basis vector, and
/// lm_head maps that vector to the byte that follows it. So a chat reply can be written in advance.
/// </summary>
internal static class ScriptedModel
{
    public static LlamaForCausalLM Create(IReadOnlyDictionary<long, long> next)
    {
        var json = ModelPresets.Config("tiny", "llama");
        json["num_hidden_layers"] = 1;
        var model = new LlamaForCausalLM(ModelConfig.FromJson(json, "scripted"));
        model.InitializeWeights(1);
        var p = model.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        using (no_grad())
        {
            foreach (var (name, weight) in p)
                if (name.EndsWith("o_proj.weight", StringComparison.Ordinal) || name.EndsWith("down_proj.weight", StringComparison.Ordinal)) weight.zero_();
            var embed = p["model.embed_tokens.weight"];
            var head = p["lm_head.weight"];
            head.zero_();
            int basis = 0;
            foreach (var (from, to) in next)
            {
                embed[from].zero_();
                embed[from][basis] = 1.0f;
                head[to][basis] = 10.0f;
                basis++;
            }
        }
        model.eval();
        return model;
    }

    /// <summary>The script that writes <paramref name="text"/> (distinct bytes) after <paramref name="after"/>.</summary>
    public static Dictionary<long, long> Writing(char after, string text)
    {
        var script = new Dictionary<long, long>();
        char current = after;
        foreach (char c in text)
        {
            script.Add(current, c);
            current = c;
        }
        return script;
    }
}
