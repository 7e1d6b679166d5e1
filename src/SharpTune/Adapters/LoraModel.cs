using System.Text.RegularExpressions;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Quantization;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Adapters;

/// <summary>
/// A model with LoRA layers injected into its linear slots (<see cref="ILinearHost"/>), found by module name as peft
/// finds them. Injection freezes every base parameter and leaves trainable only A and B of each LoRA layer and the
/// parameters of <see cref="LoraConfig.ModulesToSave"/>, so a trainer takes the parameters with requires_grad.
/// Saves and loads adapters in peft's format (<c>adapter_config.json</c> + <c>adapter_model.safetensors</c>), and
/// merges the updates into the base weights for export.
/// </summary>
/// <remarks>
/// Modules to save are trained in place rather than as a separate copy (peft keeps the original beside a copy so it
/// can switch adapters off); <see cref="Unload"/> therefore restores the LoRA slots but keeps their trained weights.
/// </remarks>
public sealed class LoraModel : IPeftAdapter
{
    /// <summary>The adapter's config file in an adapter folder.</summary>
    public const string ConfigFileName = "adapter_config.json";

    /// <summary>The adapter's weights file in an adapter folder.</summary>
    public const string WeightsFileName = "adapter_model.safetensors";

    /// <summary>The prefix peft gives every key of a causal-LM adapter: its PeftModel's <c>base_model</c> (the LoraModel) and that one's <c>model</c>.</summary>
    public const string KeyPrefix = "base_model.model.";

    /// <summary>The output head, which all-linear leaves out (peft excludes the output embedding layer).</summary>
    public const string OutputLayerName = "lm_head";

    private readonly List<Slot> slots;
    private readonly Dictionary<string, bool> originalRequiresGrad;
    private readonly Dictionary<string, nn.Module> modulesToSave;

    private sealed record Slot(string Path, ILinearHost Host, string Name, LoraLinear Layer);

    private LoraModel(nn.Module model, LoraConfig config, List<Slot> slots, Dictionary<string, nn.Module> modulesToSave, Dictionary<string, bool> originalRequiresGrad)
    {
        Model = model;
        Config = config;
        this.slots = slots;
        this.modulesToSave = modulesToSave;
        this.originalRequiresGrad = originalRequiresGrad;
    }

    /// <summary>The adapted model (the same object that was passed in).</summary>
    public nn.Module Model { get; }

    /// <summary>The config, with all-linear and default targets resolved to the names they selected (as peft saves it).</summary>
    public LoraConfig Config { get; }

    /// <summary>The LoRA layers by module path, e.g. <c>model.layers.0.self_attn.q_proj</c>, in model order.</summary>
    public IReadOnlyDictionary<string, LoraLinear> Layers => slots.ToDictionary(s => s.Path, s => s.Layer);

    /// <summary>The module paths trained in full and saved with the adapter.</summary>
    public IReadOnlyList<string> ModulesToSave => [.. modulesToSave.Keys];

    /// <summary>Whether <see cref="MergeAndUnload"/> or <see cref="Unload"/> has put plain layers back; the adapter can no longer be used.</summary>
    public bool IsUnloaded { get; private set; }

    /// <summary>
    /// Injects fresh LoRA layers into <paramref name="model"/> as <paramref name="config"/> says and freezes all else.
    /// A is drawn from a generator seeded with <paramref name="seed"/> (the same values on every device); B is zero,
    /// so the adapted model computes exactly what the base model does until it is trained.
    /// </summary>
    /// <exception cref="SharpTuneException">The config is invalid, no module matches the targets, a modules_to_save name matches nothing, or a target is not a plain linear layer.</exception>
    public static LoraModel Inject(nn.Module model, LoraConfig config, long seed = 0) =>
        Inject(model, config, seed, "LoRA config");

    private static LoraModel Inject(nn.Module model, LoraConfig config, long seed, string source)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        config.Validate(source);
        var candidates = ModuleTree.LinearSlots(model);
        var resolved = Resolve(config, candidates);
        var saved = FindModulesToSave(model, resolved, source);

        var chosen = new List<(string Path, ILinearHost Host, string Name, nn.Module Module)>();
        foreach (var c in candidates)
        {
            if (resolved.ExcludeModules?.Matches(c.Path) == true) continue;
            if (resolved.ModulesToSave.Any(m => ContainsPath(c.Path, m))) continue;
            if (!IsTarget(resolved, c.Path)) continue;
            chosen.Add(c);
        }
        if (chosen.Count == 0)
            throw new SharpTuneException(
                $"{source}: target modules {resolved.TargetModules} match no linear layer of the model; its linear layers are named "
                + string.Join(", ", candidates.Select(c => c.Name).Distinct()));
        foreach (var c in chosen)
        {
            if (c.Module is LoraLinear) throw new SharpTuneException($"{source}: {c.Path} already has a LoRA layer; unload the adapter first");
            if (c.Module is not (Linear or QuantizedLinear))
                throw new SharpTuneException($"{source}: {c.Path} is a {c.Module.GetType().Name}, not a linear layer; LoRA here adapts nn.Linear and quantized linear layers only");
        }

        var original = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.requires_grad);
        foreach (var p in model.parameters()) p.requires_grad = false;

        using var generator = new Generator((ulong)seed);
        var slots = new List<Slot>();
        foreach (var c in chosen)
        {
            var layer = c.Module is QuantizedLinear quantized
                ? new LoraLinear(quantized, resolved.R, resolved.Scaling, resolved.Dropout)
                : new LoraLinear((Linear)c.Module, resolved.R, resolved.Scaling, resolved.Dropout);
            layer.ResetParameters(resolved.Init, generator);
            if (!c.Module.training) layer.eval();
            c.Host.ReplaceLinear(c.Name, layer);
            slots.Add(new Slot(c.Path, c.Host, c.Name, layer));
        }
        foreach (var module in saved.Values)
            foreach (var p in module.parameters()) p.requires_grad = true;
        return new LoraModel(model, resolved, slots, saved, original);
    }

    /// <summary>
    /// Loads a peft LoRA adapter folder into <paramref name="model"/>: reads <c>adapter_config.json</c>, injects the
    /// layers it describes and fills them (and its modules to save) from <c>adapter_model.safetensors</c>, converting
    /// dtypes. Every tensor the adapter should have must be there with the right shape, and nothing else.
    /// </summary>
    /// <param name="model">The base model; it is left unchanged when loading fails.</param>
    /// <param name="folder">The adapter folder.</param>
    /// <param name="trainable">Leave the adapter trainable (to continue training); by default everything is frozen.</param>
    /// <exception cref="SharpTuneException">The folder, config or weights are missing, invalid, unsupported, or do not fit the model; the message names the file and tensors.</exception>
    public static LoraModel Load(nn.Module model, string folder, bool trainable = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!Directory.Exists(folder)) throw new SharpTuneException($"{folder}: adapter folder not found");
        string configPath = Path.Combine(folder, ConfigFileName);
        string weightsPath = Path.Combine(folder, WeightsFileName);
        var config = PeftAdapterConfig.Read(configPath);
        if (!File.Exists(weightsPath))
        {
            string hint = File.Exists(Path.Combine(folder, "adapter_model.bin"))
                ? " (it has adapter_model.bin, a pickle file, which SharpTune does not read; save the adapter with safe_serialization=True)"
                : "";
            throw new SharpTuneException($"{folder}: no {WeightsFileName} in this adapter folder{hint}");
        }
        using var file = SafetensorsFile.Open(weightsPath);
        var lora = Inject(model, config, 0, configPath);
        try
        {
            lora.LoadWeights(file);
        }
        catch
        {
            lora.Unload();
            throw;
        }
        if (!trainable)
            foreach (var p in model.parameters()) p.requires_grad = false;
        return lora;
    }

    /// <summary>
    /// The adapter's tensors under the keys peft saves them with: <c>base_model.model.&lt;module&gt;.lora_A.weight</c>
    /// and <c>.lora_B.weight</c> (no adapter name), and each module to save's parameters as
    /// <c>base_model.model.&lt;module&gt;.&lt;parameter&gt;</c>. The tensors are the live parameters.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> AdapterTensors()
    {
        ThrowIfUnloaded();
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var s in slots)
        {
            tensors[$"{KeyPrefix}{s.Path}.lora_A.weight"] = s.Layer.LoraA;
            tensors[$"{KeyPrefix}{s.Path}.lora_B.weight"] = s.Layer.LoraB;
        }
        foreach (var (path, module) in modulesToSave)
            foreach (var (name, p) in module.named_parameters())
                tensors[$"{KeyPrefix}{path}.{name}"] = p;
        return tensors;
    }

    /// <summary>
    /// Writes the adapter to <paramref name="folder"/> as peft's <c>save_pretrained</c> does: <c>adapter_config.json</c>
    /// (inference_mode true) and <c>adapter_model.safetensors</c> (metadata <c>format: pt</c>), each written atomically.
    /// </summary>
    /// <exception cref="SharpTuneException">A file cannot be written.</exception>
    public void Save(string folder)
    {
        ThrowIfUnloaded();
        if (slots.Any(s => s.Layer.Merged)) throw new InvalidOperationException("unmerge the adapter before saving it");
        Directory.CreateDirectory(folder);
        SafetensorsWriter.Write(Path.Combine(folder, WeightsFileName), AdapterTensors(), new Dictionary<string, string> { ["format"] = "pt" });
        PeftAdapterConfig.Write(Config, Path.Combine(folder, ConfigFileName));
    }

    /// <summary>
    /// Runs <paramref name="run"/> with every LoRA layer switched off, so the model computes exactly the base model
    /// (peft's <c>disable_adapter()</c>), and switches them back on afterwards, also when it throws.
    /// </summary>
    /// <exception cref="InvalidOperationException">The adapter is merged, or has modules to save: those are trained in place, so the base model's values are gone.</exception>
    public T WithAdaptersDisabled<T>(Func<T> run)
    {
        ThrowIfUnloaded();
        if (modulesToSave.Count > 0)
            throw new InvalidOperationException($"the adapter trains {string.Join(", ", modulesToSave.Keys)} in place, so the base model cannot be recovered by disabling it");
        if (slots.Any(s => s.Layer.Merged)) throw new InvalidOperationException("unmerge the adapter before disabling it");
        foreach (var s in slots) s.Layer.Enabled = false;
        try
        {
            return run();
        }
        finally
        {
            foreach (var s in slots) s.Layer.Enabled = true;
        }
    }

    /// <summary>Adds every LoRA update into its base weight; forward then runs the base layers alone.</summary>
    public void Merge()
    {
        ThrowIfUnloaded();
        foreach (var s in slots) if (!s.Layer.Merged) s.Layer.Merge();
    }

    /// <summary>Takes every merged update back out of its base weight.</summary>
    public void Unmerge()
    {
        ThrowIfUnloaded();
        foreach (var s in slots) if (s.Layer.Merged) s.Layer.Unmerge();
    }

    /// <summary>
    /// Merges every update into its base weight and puts the plain linear layers back in their slots, so the model
    /// has its original parameter names (and requires_grad flags) again and saves as an ordinary HF model.
    /// </summary>
    /// <returns>The model.</returns>
    public nn.Module MergeAndUnload()
    {
        Merge();
        PutBack();
        return Model;
    }

    /// <summary>Puts the plain linear layers back without the LoRA updates (unmerging first if merged).</summary>
    /// <returns>The model.</returns>
    public nn.Module Unload()
    {
        Unmerge();
        PutBack();
        return Model;
    }

    /// <summary>Trainable and total parameter counts of the adapted model.</summary>
    public TrainableParameterCount CountParameters() => TrainableParameterCount.Of(Model);

    private void PutBack()
    {
        foreach (var s in slots) s.Host.ReplaceLinear(s.Name, s.Layer.ReleaseBase());
        foreach (var (name, p) in Model.named_parameters())
            p.requires_grad = originalRequiresGrad.GetValueOrDefault(name, true);
        IsUnloaded = true;
    }

    private void ThrowIfUnloaded()
    {
        if (IsUnloaded) throw new InvalidOperationException("the adapter has been unloaded from the model");
    }

    /// <summary>
    /// Fills this adapter's tensors from <paramref name="folder"/>'s <c>adapter_model.safetensors</c> (a checkpoint of
    /// the same adapter), with the same checks as <see cref="Load"/>: every tensor there, right shape, nothing else.
    /// </summary>
    /// <exception cref="SharpTuneException">The file is missing or does not fit this adapter.</exception>
    public void LoadWeights(string folder)
    {
        using var file = SafetensorsFile.Open(Path.Combine(folder, WeightsFileName));
        LoadWeights(file);
    }

    private void LoadWeights(SafetensorsFile file)
    {
        var expected = AdapterTensors();
        var missing = expected.Keys.Where(k => !file.Contains(k)).ToList();
        var unexpected = file.Tensors.Select(t => t.Name).Where(n => !expected.ContainsKey(n)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
            throw new SharpTuneException(
                $"{file.Path}: the adapter's tensors do not match the LoRA layers its adapter_config.json describes on this model"
                + TensorNameList.Format("missing tensors", missing) + TensorNameList.Format("unexpected tensors", unexpected));
        var misshapen = expected
            .Where(e => !file.Info(e.Key).Shape.SequenceEqual(e.Value.shape))
            .Select(e => $"{e.Key}: file [{string.Join(", ", file.Info(e.Key).Shape)}], model expects [{string.Join(", ", e.Value.shape)}]")
            .ToList();
        if (misshapen.Count > 0)
            throw new SharpTuneException($"{file.Path}: adapter tensor shapes do not fit this model (another base model, or another r?)" + TensorNameList.Format("mismatched", misshapen));
        var notFloat = expected.Keys.Where(k => !IsFloat(file.Info(k).Dtype)).Select(k => $"{k}: {file.Info(k).Dtype}").ToList();
        if (notFloat.Count > 0) throw new SharpTuneException($"{file.Path}: adapter tensors must be floating point" + TensorNameList.Format("wrong dtype", notFloat));
        using var _ = no_grad();
        foreach (var (name, target) in expected)
        {
            using var stored = file.ReadTensor(name);
            target.copy_(stored);
        }
    }

    private static bool IsFloat(SafetensorsDtype dtype) =>
        dtype is SafetensorsDtype.F32 or SafetensorsDtype.F16 or SafetensorsDtype.BF16 or SafetensorsDtype.F64;

    /// <summary>Replaces all-linear and the default with the leaf names they stand for, as peft records them in adapter_config.json.</summary>
    private static LoraConfig Resolve(LoraConfig config, List<(string Path, ILinearHost Host, string Name, nn.Module Module)> slots)
    {
        if (config.TargetAllLinear)
        {
            var names = slots.Where(s => s.Path != OutputLayerName).Select(s => s.Name)
                .Concat(config.TargetModules?.Names ?? [])
                .Distinct(StringComparer.Ordinal).ToList();
            return config with { TargetAllLinear = false, TargetModules = ModuleSelector.FromNames(names) };
        }
        return config.TargetModules is null ? config with { TargetModules = ModuleSelector.FromNames(LoraConfig.DefaultTargets) } : config;
    }

    /// <summary>peft's check_target_module_exists for a resolved config (exclusions and modules to save handled by the caller).</summary>
    private static bool IsTarget(LoraConfig config, string path)
    {
        var targets = config.TargetModules!;
        if (!targets.Matches(path)) return false;
        if (!targets.IsList || targets.IsExactName(path) || config.LayersToTransform is not { Count: > 0 } layers) return true;
        // As peft: layers_pattern entries are regular expressions naming the layer list; none means any name.
        var patterns = config.LayersPattern is { Count: > 0 } p ? p : ["[^.]*"];
        foreach (var pattern in patterns)
        {
            Match m;
            try
            {
                m = Regex.Match(path, $"^.*\\.(?:{pattern})\\.(\\d+)\\.", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            }
            catch (Exception e) when (e is ArgumentException or RegexMatchTimeoutException)
            {
                throw new SharpTuneException($"layers_pattern '{pattern}' is not a usable regular expression: {e.Message}");
            }
            if (m.Success) return int.TryParse(m.Groups[1].Value, out int index) && layers.Contains(index);
        }
        return false;
    }

    /// <summary>Whether module <paramref name="path"/> is <paramref name="name"/> or lies inside it, by whole path components (peft's <c>(^|.*\.)name($|\..*)</c>).</summary>
    private static bool ContainsPath(string path, string name) =>
        path == name || path.StartsWith(name + ".", StringComparison.Ordinal)
        || path.EndsWith("." + name, StringComparison.Ordinal) || path.Contains("." + name + ".", StringComparison.Ordinal);

    private static Dictionary<string, nn.Module> FindModulesToSave(nn.Module model, LoraConfig config, string source)
    {
        var found = new Dictionary<string, nn.Module>(StringComparer.Ordinal);
        if (config.ModulesToSave.Count == 0) return found;
        var modules = ModuleTree.NamedModules(model);
        foreach (var name in config.ModulesToSave)
        {
            var matches = modules.Where(m => m.Path == name || m.Path.EndsWith("." + name, StringComparison.Ordinal)).ToList();
            if (matches.Count == 0)
            {
                string tiedHint = name == OutputLayerName && model is LlamaForCausalLM { Config.TieWordEmbeddings: true }
                    ? " (this model ties lm_head to embed_tokens, so it has no lm_head of its own)"
                    : "";
                throw new SharpTuneException($"{source}: modules_to_save '{name}' matches no module of the model{tiedHint}");
            }
            foreach (var (path, module) in matches) found[path] = module;
        }
        // Nested matches (a module inside another one to save) are saved through the outer one.
        foreach (var path in found.Keys.ToList())
            if (found.Keys.Any(other => other != path && path.StartsWith(other + ".", StringComparison.Ordinal))) found.Remove(path);
        if (model is LlamaForCausalLM { Config.TieWordEmbeddings: true } && found.Keys.Any(p => ContainsPath("model.embed_tokens", p)))
            throw new SharpTuneException(
                $"{source}: modules_to_save includes the input embeddings, but this model ties them to the output head "
                + "(tie_word_embeddings); peft would train a separate copy and untie them, which SharpTune does not support yet");
        return found;
    }
}
