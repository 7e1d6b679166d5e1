using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>
/// Finds a model's modules by the names their tensors carry, and the linear slots of its <see cref="ILinearHost"/>s:
/// how adapters and quantization find the layers they replace.
/// </summary>
internal static class ModuleTree
{
    /// <summary>Every linear slot of the model, in module order, with its full module path.</summary>
    internal static List<(string Path, ILinearHost Host, string Name, nn.Module Module)> LinearSlots(nn.Module model)
    {
        var hosts = new List<(string Path, ILinearHost Host)>();
        if (model is ILinearHost rootHost) hosts.Add(("", rootHost));
        foreach (var (path, module) in NamedModules(model))
            if (module is ILinearHost host) hosts.Add((path, host));
        var slots = new List<(string Path, ILinearHost Host, string Name, nn.Module Module)>();
        foreach (var (path, host) in hosts)
            foreach (var name in host.LinearNames)
                slots.Add((path.Length == 0 ? name : $"{path}.{name}", host, name, host.GetLinear(name)));
        // In the order the modules were registered (lm_head after the layers), not the order hosts were found in.
        var position = new Dictionary<string, int>(StringComparer.Ordinal);
        Walk(model, "", position);
        return [.. slots.OrderBy(s => position.GetValueOrDefault(s.Path, int.MaxValue))];
    }

    /// <summary>
    /// Every submodule once, under the name its parameters carry. TorchSharp's named_modules also lists a module under
    /// the C# field that holds it when that differs from the registered name (<c>selfAttention</c> beside
    /// <c>self_attn</c>); named_parameters uses the registered names only, which are transformers' names, so a
    /// module's name is the one its parameters' names start with.
    /// </summary>
    internal static List<(string Path, nn.Module Module)> NamedModules(nn.Module model)
    {
        var prefixes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in TensorNames(model))
            for (int dot = name.IndexOf('.'); dot > 0; dot = name.IndexOf('.', dot + 1)) prefixes.Add(name[..dot]);
        var names = new Dictionary<nn.Module, string>(ReferenceEqualityComparer.Instance);
        var order = new List<nn.Module>();
        foreach (var (path, module) in model.named_modules())
        {
            if (!names.TryGetValue(module, out var chosen))
            {
                names[module] = path;
                order.Add(module);
            }
            else if (!prefixes.Contains(chosen) && prefixes.Contains(path)) names[module] = path;
        }
        return order.Select(m => (names[m], m)).ToList();
    }

    /// <summary>Numbers every submodule path in registration order (depth first), as named_children lists them.</summary>
    private static void Walk(nn.Module module, string path, Dictionary<string, int> position)
    {
        foreach (var (name, child) in module.named_children())
        {
            string childPath = path.Length == 0 ? name : $"{path}.{name}";
            position.TryAdd(childPath, position.Count);
            Walk(child, childPath, position);
        }
    }

    /// <summary>The names of the model's parameters and buffers (a quantized layer holds buffers only), parameters first.</summary>
    private static IEnumerable<string> TensorNames(nn.Module model) =>
        model.named_parameters().Select(p => p.name).Concat(model.named_buffers().Select(b => b.name));
}
