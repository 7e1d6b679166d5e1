using SharpTune.IO;
using TorchSharp;
using SharpTune.Models;
using static TorchSharp.torch;

namespace SharpTune.Adapters.PromptLearning;

/// <summary>
/// A prompt-based peft adapter (prompt tuning, prefix tuning, P-tuning) attached to a model as its
/// <see cref="VirtualTokens"/>, with the base model frozen; saved and loaded in peft's format.
/// </summary>
/// <remarks>
/// peft's format, verified against its source (utils/save_and_load.py get_peft_model_state_dict, peft_model.py
/// get_prompt_embedding_to_save / get_prompt, tuners/prefix_tuning/model.py, p_tuning/model.py,
/// prompt_tuning/model.py): <c>adapter_model.safetensors</c> holds one tensor, <c>prompt_embeddings</c>. A model being
/// trained (inference_mode false) saves the prompt encoder's output for arange(num_virtual_tokens) — for prefix
/// tuning with projection and for P-tuning that is the encoder's output, not its weights — shaped
/// [num_virtual_tokens, token_dim] (prompt tuning, P-tuning) or [num_virtual_tokens, num_layers·2·token_dim]
/// (prefix tuning). save_pretrained writes the config with inference_mode true; loading it in inference mode builds
/// only the <c>embedding</c> table (no encoder) and copies prompt_embeddings into it, so the output is used as is.
/// The encoder's own weights, which peft cannot restore from that file, go beside it in
/// <see cref="EncoderFileName"/> so that a checkpoint resumes exactly; peft ignores that file.
/// </remarks>
public sealed class PromptLearningModel : IPeftAdapter
{
    /// <summary>The one tensor of adapter_model.safetensors.</summary>
    public const string EmbeddingsKey = "prompt_embeddings";

    /// <summary>The trained encoder weights (prefix projection, P-tuning), for resuming; not part of peft's format.</summary>
    public const string EncoderFileName = "prompt_encoder.safetensors";

    private PromptLearningModel(PromptLearningConfig config, PromptLearningEncoder encoder)
    {
        Config = config;
        Encoder = encoder;
    }

    /// <summary>The settings, resolved against the model.</summary>
    public PromptLearningConfig Config { get; }

    /// <summary>The trained module attached to the model.</summary>
    public PromptLearningEncoder Encoder { get; }

    /// <summary>
    /// Freezes <paramref name="model"/> and attaches a fresh adapter of <paramref name="config"/>; only the adapter
    /// trains. TEXT initialisation encodes the init text with <paramref name="encode"/> (special tokens included, as peft).
    /// </summary>
    /// <exception cref="SharpTuneException">The settings are invalid, or TEXT initialisation has no tokenizer or text.</exception>
    public static PromptLearningModel Inject(LlamaForCausalLM model, PromptLearningConfig config, Func<string, IReadOnlyList<long>>? encode = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        var resolved = config.ResolvedFor(model.Config);
        resolved.Validate("prompt adapter");
        Freeze(model);
        var encoder = Create(resolved, withEncoder: true);
        encoder.to(model.Device);
        if (resolved.Method == AdapterKind.PromptTuning && resolved.PromptTuningInit == "TEXT")
        {
            if (encode is null) throw new SharpTuneException("prompt_tuning_init TEXT needs the model's tokenizer");
            var ids = PromptEmbedding.InitTokenIds(encode(resolved.PromptTuningInitText!), resolved.NumVirtualTokens);
            ((PromptEmbedding)encoder).InitializeFrom(model.Model.EmbedTokens.weight!, ids);
        }
        model.Model.AttachVirtualTokens(encoder);
        return new PromptLearningModel(resolved, encoder);
    }

    /// <summary>Freezes <paramref name="model"/> and attaches the adapter saved in <paramref name="folder"/> (peft's inference form: the saved prompt_embeddings, not trainable).</summary>
    /// <exception cref="SharpTuneException">The folder's files are missing, malformed or made for another model shape.</exception>
    public static PromptLearningModel Load(LlamaForCausalLM model, string folder)
    {
        ArgumentNullException.ThrowIfNull(model);
        string configPath = Path.Combine(folder, LoraModel.ConfigFileName);
        var config = PromptLearningConfig.Read(configPath);
        config.CheckFits(model.Config, configPath);
        config = config.ResolvedFor(model.Config);
        Freeze(model);
        var encoder = Create(config, withEncoder: false);
        encoder.to(model.Device);
        var adapter = new PromptLearningModel(config, encoder);
        adapter.LoadEmbeddings(Path.Combine(folder, LoraModel.WeightsFileName));
        foreach (var p in encoder.parameters()) p.requires_grad_(false);
        model.Model.AttachVirtualTokens(encoder);
        return adapter;
    }

    /// <summary>
    /// Writes adapter_config.json and adapter_model.safetensors as peft's save_pretrained does (plus
    /// <see cref="EncoderFileName"/> when an encoder is trained), each file atomically.
    /// </summary>
    public void Save(string folder)
    {
        Directory.CreateDirectory(folder);
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var embeddings = Encoder.PromptEmbeddings().detach().to(ScalarType.Float32).cpu().contiguous();
            SafetensorsWriter.Write(Path.Combine(folder, LoraModel.WeightsFileName),
                [new(EmbeddingsKey, embeddings)], new Dictionary<string, string> { ["format"] = "pt" });
            if (Encoder.HasEncoder)
                SafetensorsWriter.Write(Path.Combine(folder, EncoderFileName),
                    Encoder.named_parameters().Select(p => new KeyValuePair<string, Tensor>(p.name, p.parameter.detach().cpu().contiguous())).ToList());
        }
        AtomicFile.WriteJson(Path.Combine(folder, LoraModel.ConfigFileName), Config.ToJson());
    }

    /// <summary>Copies the trained values saved by <see cref="Save"/> in <paramref name="folder"/> (a checkpoint of this adapter) into it.</summary>
    /// <exception cref="SharpTuneException">A file is missing or does not fit.</exception>
    public void LoadWeights(string folder)
    {
        if (!Encoder.HasEncoder)
        {
            LoadEmbeddings(Path.Combine(folder, LoraModel.WeightsFileName));
            return;
        }
        using var file = SafetensorsFile.Open(Path.Combine(folder, EncoderFileName));
        using var noGrad = no_grad();
        var parameters = Encoder.named_parameters().ToList();
        var unexpected = file.Tensors.Select(t => t.Name).Except(parameters.Select(p => p.name)).ToList();
        if (unexpected.Count > 0) throw new SharpTuneException($"{file.Path}: tensors this adapter does not have: {string.Join(", ", unexpected)}");
        foreach (var (name, parameter) in parameters)
        {
            if (!file.Contains(name)) throw new SharpTuneException($"{file.Path}: '{name}' is missing");
            using var saved = file.ReadTensor(name);
            CopyChecked(parameter, saved, $"{file.Path}: '{name}'");
        }
    }

    private void LoadEmbeddings(string path)
    {
        using var file = SafetensorsFile.Open(path);
        var names = file.Tensors.Select(t => t.Name).ToList();
        if (!file.Contains(EmbeddingsKey)) throw new SharpTuneException($"{path}: no '{EmbeddingsKey}' tensor (found: {string.Join(", ", names.Take(5))})");
        if (names.Count != 1) throw new SharpTuneException($"{path}: a prompt adapter holds only '{EmbeddingsKey}', found also {string.Join(", ", names.Where(n => n != EmbeddingsKey).Take(5))}");
        using var saved = file.ReadTensor(EmbeddingsKey);
        using var noGrad = no_grad();
        CopyChecked(Encoder.Embedding.weight!, saved, $"{path}: '{EmbeddingsKey}'");
    }

    private static void CopyChecked(Tensor target, Tensor saved, string what)
    {
        if (!saved.shape.SequenceEqual(target.shape))
            throw new SharpTuneException($"{what} has shape [{string.Join(", ", saved.shape)}], the adapter needs [{string.Join(", ", target.shape)}]");
        if (!saved.is_floating_point()) throw new SharpTuneException($"{what} has dtype {saved.dtype}, expected a floating-point tensor");
        target.copy_(saved);
    }

    private static PromptLearningEncoder Create(PromptLearningConfig config, bool withEncoder) => config.Method switch
    {
        AdapterKind.PromptTuning => new PromptEmbedding(config),
        AdapterKind.PrefixTuning => new PrefixEncoder(config, withEncoder),
        AdapterKind.PTuning => new PromptEncoder(config, withEncoder),
        _ => throw new ArgumentException($"{config.Method} is not a prompt-based method", nameof(config)),
    };

    private static void Freeze(LlamaForCausalLM model)
    {
        foreach (var p in model.parameters()) p.requires_grad_(false);
    }
}
