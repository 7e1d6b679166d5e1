using SharpTune.Models;

namespace SharpTune.Adapters;

/// <summary>
/// Applies a <see cref="FreezeConfig"/> to a model by setting each parameter's requires_grad, as LLaMA-Factory's freeze
/// tuning does; a trainer then updates exactly the parameters left trainable.
/// </summary>
public static class FreezeTuning
{
    private const string LayersPrefix = "model.layers.";

    /// <summary>
    /// Freezes every parameter of <paramref name="model"/> except those <paramref name="config"/> names, and returns the
    /// names of the trainable ones in model order.
    /// </summary>
    /// <exception cref="SharpTuneException">A module name matches nothing in the model; the message lists the names there are.</exception>
    public static IReadOnlyList<string> Apply(LlamaForCausalLM model, FreezeConfig config, string source = "freeze config")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        int layers = model.Config.NumHiddenLayers;
        var layerIds = config.TrainableLayers >= 0
            ? Enumerable.Range(Math.Max(0, layers - config.TrainableLayers), Math.Min(config.TrainableLayers, layers))
            : Enumerable.Range(0, Math.Min(-config.TrainableLayers, layers));
        var trainableLayers = layerIds.ToHashSet();

        var parameters = model.named_parameters().ToList();
        var inLayer = new List<string>();   // parameter names relative to their layer, e.g. mlp.down_proj.weight
        var outside = new List<string>();   // module paths of parameters outside the layers, e.g. model.embed_tokens
        foreach (var (name, _) in parameters)
        {
            if (TryLayer(name, out _, out string rest)) inLayer.Add(rest);
            else outside.Add(ModulePath(name));
        }
        foreach (var module in config.TrainableModules)
            if (module != "all" && !inLayer.Any(r => r.StartsWith(module + ".", StringComparison.Ordinal)))
                throw new SharpTuneException(
                    $"{source}: freeze_trainable_modules '{module}' is not a module of a decoder layer; choose from "
                    + string.Join(", ", inLayer.Select(r => r.Split('.')[0]).Distinct()) + " (or all)");
        foreach (var module in config.ExtraModules)
            if (!outside.Any(p => IsNamed(p, module)))
                throw new SharpTuneException(
                    $"{source}: freeze_extra_modules '{module}' is not a module outside the decoder layers; choose from "
                    + string.Join(", ", outside.Select(p => p.Split('.')[^1]).Distinct()));

        var trainable = new List<string>();
        foreach (var (name, p) in parameters)
        {
            bool train = TryLayer(name, out int index, out string rest)
                ? trainableLayers.Contains(index) && config.TrainableModules.Any(m => m == "all" || rest.StartsWith(m + ".", StringComparison.Ordinal))
                : config.ExtraModules.Any(m => IsNamed(ModulePath(name), m));
            p.requires_grad = train;
            if (train) trainable.Add(name);
        }
        return trainable;
    }

    private static bool TryLayer(string name, out int index, out string rest)
    {
        index = -1;
        rest = "";
        if (!name.StartsWith(LayersPrefix, StringComparison.Ordinal)) return false;
        int dot = name.IndexOf('.', LayersPrefix.Length);
        if (dot < 0 || !int.TryParse(name.AsSpan(LayersPrefix.Length, dot - LayersPrefix.Length), out index)) return false;
        rest = name[(dot + 1)..];
        return true;
    }

    private static string ModulePath(string parameterName)
    {
        int dot = parameterName.LastIndexOf('.');
        return dot < 0 ? "" : parameterName[..dot];
    }

    private static bool IsNamed(string modulePath, string name) =>
        modulePath == name || modulePath.EndsWith("." + name, StringComparison.Ordinal);
}
