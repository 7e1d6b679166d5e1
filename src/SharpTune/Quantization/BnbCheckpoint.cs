using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.IO;
using SharpTune.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Quantization;

/// <summary>
/// Model folders quantized with bitsandbytes as transformers saves them (a "-bnb-4bit" folder on the Hub): per 4-bit
/// linear layer <c>….weight</c> (packed uint8 [(n+1)/2, 1]), <c>….weight.absmax</c>, <c>….weight.quant_map</c>, with
/// double quantization <c>….weight.nested_absmax</c> and <c>….weight.nested_quant_map</c>, and
/// <c>….weight.quant_state.bitsandbytes__nf4|fp4</c>, a uint8 tensor holding the JSON of the rest (quant_type,
/// blocksize, dtype, shape, nested_blocksize, nested_dtype, nested_offset: bitsandbytes' QuantState.as_dict(packed=True));
/// per int8 layer <c>….weight</c> (int8) and <c>….SCB</c>; and config.json's <c>quantization_config</c>
/// (BitsAndBytesConfig.to_dict). Every size and field read from a file is checked.
/// </summary>
public static class BnbCheckpoint
{
    /// <summary>The config.json key that holds the quantization settings.</summary>
    public const string ConfigKey = "quantization_config";

    private const string QuantStateInfix = ".quant_state.bitsandbytes__";
    private const int MaxQuantStateBytes = 1 << 16;

    private static readonly HashSet<string> QuantStateKeys =
        ["quant_type", "blocksize", "dtype", "shape", "nested_blocksize", "nested_dtype", "nested_offset"];

    /// <summary>
    /// The quantization that <paramref name="folder"/>'s config.json declares (quant_method bitsandbytes with
    /// load_in_4bit or load_in_8bit), or null when it has no <c>quantization_config</c>.
    /// </summary>
    /// <exception cref="SharpTuneException">The section is there but is not bitsandbytes 4-bit/8-bit, or a value is invalid.</exception>
    public static QuantizationConfig? ReadConfig(string folder)
    {
        var config = HfModelFolder.LoadConfig(folder);
        return FromJson(config.Raw[ConfigKey], Path.Combine(folder, "config.json"));
    }

    /// <summary>Reads a <c>quantization_config</c> object (null when absent).</summary>
    /// <exception cref="SharpTuneException">As for <see cref="ReadConfig"/>.</exception>
    public static QuantizationConfig? FromJson(JsonNode? node, string source)
    {
        if (node is null) return null;
        if (node is not JsonObject q) throw new SharpTuneException($"{source}: {ConfigKey} must be an object");
        string method = Text(q, "quant_method", source) ?? "";
        if (method != "bitsandbytes")
            throw new SharpTuneException($"{source}: {ConfigKey}.quant_method '{method}' is not supported (SharpTune reads bitsandbytes 4-bit and 8-bit models)");
        bool in4 = Flag(q, "load_in_4bit", source) || Flag(q, "_load_in_4bit", source);
        bool in8 = Flag(q, "load_in_8bit", source) || Flag(q, "_load_in_8bit", source);
        if (in4 == in8) throw new SharpTuneException($"{source}: {ConfigKey} must set exactly one of load_in_4bit and load_in_8bit");
        if (in8) return new QuantizationConfig { Type = QuantType.Int8 };
        string type = Text(q, "bnb_4bit_quant_type", source) ?? "fp4"; // BitsAndBytesConfig's default
        string storage = Text(q, "bnb_4bit_quant_storage", source) ?? "uint8";
        if (storage != "uint8") throw new SharpTuneException($"{source}: {ConfigKey}.bnb_4bit_quant_storage '{storage}' is not supported (only uint8)");
        string compute = Text(q, "bnb_4bit_compute_dtype", source) ?? "float32";
        return new QuantizationConfig
        {
            Type = type switch
            {
                "nf4" => QuantType.Nf4,
                "fp4" => QuantType.Fp4,
                _ => throw new SharpTuneException($"{source}: {ConfigKey}.bnb_4bit_quant_type '{type}' is not nf4 or fp4"),
            },
            DoubleQuant = Flag(q, "bnb_4bit_use_double_quant", source),
            ComputeDtype = ParseDtype(compute, $"{source}: {ConfigKey}.bnb_4bit_compute_dtype"),
        };
    }

    /// <summary>The <c>quantization_config</c> object transformers writes for <paramref name="config"/> (BitsAndBytesConfig.to_dict).</summary>
    public static JsonObject ToJson(QuantizationConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new JsonObject
        {
            ["_load_in_4bit"] = config.Is4Bit,
            ["_load_in_8bit"] = !config.Is4Bit,
            ["bnb_4bit_compute_dtype"] = DtypeNames.ToHf(config.ComputeDtype),
            ["bnb_4bit_quant_storage"] = "uint8",
            ["bnb_4bit_quant_type"] = config.Type == QuantType.Fp4 ? "fp4" : "nf4",
            ["bnb_4bit_use_double_quant"] = config.DoubleQuant,
            ["llm_int8_enable_fp32_cpu_offload"] = false,
            ["llm_int8_has_fp16_weight"] = false,
            ["llm_int8_skip_modules"] = null,
            ["llm_int8_threshold"] = 6.0,
            ["load_in_4bit"] = config.Is4Bit,
            ["load_in_8bit"] = !config.Is4Bit,
            ["quant_method"] = "bitsandbytes",
        };
    }

    /// <summary>
    /// Loads a bitsandbytes-quantized folder: builds the model, puts a <see cref="QuantizedLinear"/> (computing in
    /// <paramref name="computeDtype"/>, default the folder's <c>bnb_4bit_compute_dtype</c>) in every slot whose tensors
    /// are quantized, and fills the other parameters in <paramref name="dtype"/>. The returned model's config has no
    /// <c>quantization_config</c> (the layers carry it), so a merged or dequantized save is a plain model.
    /// </summary>
    /// <exception cref="SharpTuneException">The folder is not a bitsandbytes model, or a tensor or quant_state is missing, malformed or does not fit; the message names the file and tensor.</exception>
    public static LlamaForCausalLM Load(string folder, Device device, ScalarType dtype, ScalarType? computeDtype = null)
    {
        var quantization = ReadConfig(folder) ?? throw new SharpTuneException($"{folder}: config.json has no {ConfigKey}; it is not a quantized model");
        var stored = HfModelFolder.LoadConfig(folder);
        var raw = (JsonObject)stored.Raw.DeepClone();
        raw.Remove(ConfigKey);
        var config = stored with { Raw = raw };
        var compute = computeDtype ?? quantization.ComputeDtype;
        using var reader = CheckpointReader.Open(folder);
        var model = new LlamaForCausalLM(config, device, dtype);
        try
        {
            var quantizedPaths = new List<string>();
            foreach (var slot in ModuleTree.LinearSlots(model))
            {
                if (slot.Module is not Linear linear) continue;
                var weight = ReadWeight(reader, slot.Path, linear, device);
                if (weight is null) continue;
                var bias = linear.bias is null ? null : ReadBias(reader, slot.Path, linear, device, dtype);
                slot.Host.ReplaceLinear(slot.Name, new QuantizedLinear(weight, bias, compute));
                linear.Dispose();
                quantizedPaths.Add(slot.Path + ".");
            }
            if (quantizedPaths.Count == 0) throw new SharpTuneException($"{folder}: config.json declares {ConfigKey}, but no linear layer's tensors are quantized");
            HfModelFolder.LoadParameters(model, folder,
                name => HfModelFolder.IsIgnorable(name, config) || quantizedPaths.Any(p => name.StartsWith(p, StringComparison.Ordinal)), $"a {config.ModelType} model");
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes <paramref name="model"/> (whose linear slots hold <see cref="QuantizedLinear"/> layers) as transformers
    /// saves a bitsandbytes model: the quantized layers' tensors in the layout above, every other parameter in
    /// <paramref name="dtype"/> (default the model's), and config.json with <c>quantization_config</c> for
    /// <paramref name="config"/>.
    /// </summary>
    /// <exception cref="SharpTuneException">The model has no quantized layer, or a file cannot be written.</exception>
    public static void Save(LlamaForCausalLM model, string folder, QuantizationConfig config, ScalarType? dtype = null, long maxShardBytes = 5L << 30)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        var layers = ModelQuantizer.QuantizedLayers(model);
        if (layers.Count == 0) throw new SharpTuneException($"{folder}: the model has no quantized layers to save");
        var saveDtype = dtype ?? model.Dtype;
        using var scope = NewDisposeScope();
        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach (var (name, p) in model.named_parameters())
            tensors.Add(new(name, p.detach().to(saveDtype).cpu()));
        foreach (var (path, layer) in layers)
        {
            switch (layer.Weight)
            {
                case Quantized4BitWeight w:
                    tensors.Add(new($"{path}.weight", w.Packed.cpu()));
                    tensors.Add(new($"{path}.weight.absmax", w.Absmax.cpu()));
                    tensors.Add(new($"{path}.weight.quant_map", w.QuantMap.cpu()));
                    if (w.DoubleQuant)
                    {
                        tensors.Add(new($"{path}.weight.nested_absmax", w.NestedAbsmax!.cpu()));
                        tensors.Add(new($"{path}.weight.nested_quant_map", w.NestedQuantMap!.cpu()));
                    }
                    var json = Encoding.UTF8.GetBytes(QuantStateJson(w));
                    tensors.Add(new($"{path}.weight{QuantStateInfix}{TypeName(w.Type)}", tensor(json, ScalarType.Byte)));
                    break;
                case Int8Weight w8:
                    tensors.Add(new($"{path}.weight", w8.Weight.cpu()));
                    tensors.Add(new($"{path}.SCB", w8.Scb.cpu()));
                    break;
            }
            if (layer.Bias is { } bias) tensors.Add(new($"{path}.bias", bias.to(saveDtype).cpu()));
        }
        Directory.CreateDirectory(folder);
        CheckpointWriter.Save(folder, tensors, maxShardBytes, new Dictionary<string, string> { ["format"] = "pt" });
        var raw = (JsonObject)model.Config.Raw.DeepClone();
        raw[ConfigKey] = ToJson(config);
        (model.Config with { Raw = raw, TorchDtype = DtypeNames.ToHf(saveDtype) }).Save(Path.Combine(folder, "config.json"));
    }

    /// <summary>The JSON bitsandbytes packs into the quant_state tensor, with Python json.dumps' separators and key order.</summary>
    public static string QuantStateJson(Quantized4BitWeight weight)
    {
        ArgumentNullException.ThrowIfNull(weight);
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{{\"quant_type\": \"{TypeName(weight.Type)}\", \"blocksize\": {weight.BlockSize}, ");
        sb.Append(CultureInfo.InvariantCulture, $"\"dtype\": \"{DtypeNames.ToHf(weight.Dtype)}\", \"shape\": [{string.Join(", ", weight.Shape)}]");
        if (weight.DoubleQuant)
            sb.Append(CultureInfo.InvariantCulture,
                $", \"nested_blocksize\": {weight.NestedBlockSize}, \"nested_dtype\": \"float32\", \"nested_offset\": {PythonFloat(weight.NestedOffset)}");
        return sb.Append('}').ToString();
    }

    private static string PythonFloat(float value)
    {
        string s = ((double)value).ToString("R", CultureInfo.InvariantCulture);
        return s.Contains('.') || s.Contains('E') || s.Contains('e') ? s.Replace("E", "e", StringComparison.Ordinal) : s + ".0";
    }

    private static string TypeName(QuantType type) => type == QuantType.Fp4 ? "fp4" : "nf4";

    private static IQuantizedWeight? ReadWeight(CheckpointReader reader, string path, Linear linear, Device device)
    {
        string prefix = $"{path}.weight{QuantStateInfix}";
        var states = reader.Names.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        long outFeatures = linear.weight!.shape[0], inFeatures = linear.weight.shape[1];
        if (states.Count == 0)
        {
            if (!reader.Contains($"{path}.SCB")) return null;
            return ReadInt8(reader, path, outFeatures, inFeatures, device, linear.weight.dtype);
        }
        string file = reader.Folder;
        if (states.Count > 1) throw new SharpTuneException($"{file}: {path}.weight has {states.Count} quant_state tensors ({string.Join(", ", states)}); expected one");
        string stateName = states[0];
        string typeName = stateName[prefix.Length..];
        var type = typeName switch
        {
            "nf4" => QuantType.Nf4,
            "fp4" => QuantType.Fp4,
            _ => throw new SharpTuneException($"{file}: {stateName}: unknown quant type '{typeName}' (expected bitsandbytes__nf4 or bitsandbytes__fp4)"),
        };
        var stateInfo = reader.Info(stateName);
        if (stateInfo.Dtype != SafetensorsDtype.U8 || stateInfo.ByteCount > MaxQuantStateBytes)
            throw new SharpTuneException($"{file}: {stateName} must be a uint8 tensor of at most {MaxQuantStateBytes} bytes (JSON), not {stateInfo.Dtype} [{string.Join(", ", stateInfo.Shape)}]");
        JsonObject state;
        using (var stateTensor = reader.ReadTensor(stateName))
        {
            var bytes = stateTensor.data<byte>().ToArray();
            try
            {
                state = JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { MaxDepth = 4 }) as JsonObject
                    ?? throw new SharpTuneException($"{file}: {stateName} does not hold a JSON object");
            }
            catch (JsonException e)
            {
                throw new SharpTuneException($"{file}: {stateName} does not hold valid JSON: {e.Message}", e);
            }
        }
        string where = $"{file}: {stateName}";
        var unknown = state.Select(kv => kv.Key).Where(k => !QuantStateKeys.Contains(k)).ToList();
        if (unknown.Count > 0) throw new SharpTuneException($"{where}: unexpected quant_state fields {string.Join(", ", unknown)}");
        string quantType = StateText(state, "quant_type", where);
        if (quantType != typeName) throw new SharpTuneException($"{where}: quant_type '{quantType}' does not match the tensor name's '{typeName}'");
        int blockSize = StateInt(state, "blocksize", where, 16, 4096);
        var dtype = ParseDtype(StateText(state, "dtype", where), $"{where}: dtype");
        if (state["shape"] is not JsonArray shapeArray || shapeArray.Count != 2)
            throw new SharpTuneException($"{where}: shape must be a list of two sizes");
        var shape = shapeArray.Select(v => v is JsonValue jv && jv.TryGetValue(out long d) ? d : -1).ToArray();
        if (shape[0] != outFeatures || shape[1] != inFeatures)
            throw new SharpTuneException($"{where}: shape [{string.Join(", ", shape)}] does not match the model's [{outFeatures}, {inFeatures}] (config.json)");
        long count = outFeatures * inFeatures, blocks = (count + blockSize - 1) / blockSize;
        bool nested = reader.Contains($"{path}.weight.nested_absmax");
        Expect(reader, $"{path}.weight", SafetensorsDtype.U8, [(count + 1) / 2, 1]);
        Expect(reader, $"{path}.weight.absmax", nested ? SafetensorsDtype.U8 : SafetensorsDtype.F32, [blocks]);
        Expect(reader, $"{path}.weight.quant_map", SafetensorsDtype.F32, [16]);
        int nestedBlockSize = 0;
        float offset = 0;
        if (nested)
        {
            nestedBlockSize = StateInt(state, "nested_blocksize", where, 16, 4096);
            string nestedDtype = StateText(state, "nested_dtype", where);
            if (nestedDtype != "float32") throw new SharpTuneException($"{where}: nested_dtype '{nestedDtype}' is not supported (float32)");
            if (state["nested_offset"] is not JsonValue ov || !ov.TryGetValue(out double o) || !double.IsFinite(o) || Math.Abs(o) > float.MaxValue)
                throw new SharpTuneException($"{where}: nested_offset must be a finite number");
            offset = (float)o;
            Expect(reader, $"{path}.weight.nested_absmax", SafetensorsDtype.F32, [(blocks + nestedBlockSize - 1) / nestedBlockSize]);
            Expect(reader, $"{path}.weight.nested_quant_map", SafetensorsDtype.F32, [256]);
        }
        else if (state.ContainsKey("nested_offset") || reader.Contains($"{path}.weight.nested_quant_map"))
            throw new SharpTuneException($"{where}: nested quantization fields without {path}.weight.nested_absmax");

        Tensor Load(string name) => reader.ReadTensor(name).to(device);
        var tensors = new List<Tensor>();
        try
        {
            tensors.Add(Load($"{path}.weight"));
            tensors.Add(Load($"{path}.weight.absmax"));
            tensors.Add(Load($"{path}.weight.quant_map"));
            if (nested)
            {
                tensors.Add(Load($"{path}.weight.nested_absmax"));
                tensors.Add(Load($"{path}.weight.nested_quant_map"));
            }
            return new Quantized4BitWeight(type, [outFeatures, inFeatures], tensors[0], tensors[1], tensors[2], blockSize, dtype,
                nested ? tensors[3] : null, nested ? tensors[4] : null, nestedBlockSize, offset);
        }
        catch (ArgumentException e)
        {
            foreach (var t in tensors) t.Dispose();
            throw new SharpTuneException($"{where}: {e.Message}", e);
        }
    }

    private static Int8Weight ReadInt8(CheckpointReader reader, string path, long outFeatures, long inFeatures, Device device, ScalarType dtype)
    {
        Expect(reader, $"{path}.weight", SafetensorsDtype.I8, [outFeatures, inFeatures]);
        Expect(reader, $"{path}.SCB", SafetensorsDtype.F32, [outFeatures]);
        return new Int8Weight(reader.ReadTensor($"{path}.weight").to(device), reader.ReadTensor($"{path}.SCB").to(device), dtype);
    }

    private static Tensor ReadBias(CheckpointReader reader, string path, Linear linear, Device device, ScalarType dtype)
    {
        string name = $"{path}.bias";
        if (!reader.Contains(name)) throw new SharpTuneException($"{reader.Folder}: missing tensor {name}");
        var info = reader.Info(name);
        if (!info.Shape.SequenceEqual(linear.bias!.shape))
            throw new SharpTuneException($"{reader.Folder}: {name} has shape [{string.Join(", ", info.Shape)}], the model expects [{string.Join(", ", linear.bias.shape)}]");
        using var stored = reader.ReadTensor(name);
        return stored.to(dtype, device);
    }

    private static void Expect(CheckpointReader reader, string name, SafetensorsDtype dtype, long[] shape)
    {
        if (!reader.Contains(name)) throw new SharpTuneException($"{reader.Folder}: missing tensor {name}");
        var info = reader.Info(name);
        if (info.Dtype != dtype || !info.Shape.SequenceEqual(shape))
            throw new SharpTuneException(
                $"{reader.Folder}: {name} is {info.Dtype} [{string.Join(", ", info.Shape)}]; expected {dtype} [{string.Join(", ", shape)}]");
    }

    private static ScalarType ParseDtype(string name, string where) => name.Trim().ToLowerInvariant() switch
    {
        "float32" or "torch.float32" => ScalarType.Float32,
        "bfloat16" or "torch.bfloat16" => ScalarType.BFloat16,
        "float16" or "torch.float16" => ScalarType.Float16,
        _ => throw new SharpTuneException($"{where}: '{name}' is not float32, bfloat16 or float16"),
    };

    private static string StateText(JsonObject state, string key, string where) =>
        state[key] is JsonValue v && v.TryGetValue(out string? s) ? s : throw new SharpTuneException($"{where}: quant_state needs a string '{key}'");

    private static int StateInt(JsonObject state, string key, string where, int min, int max) =>
        state[key] is JsonValue v && v.TryGetValue(out int i) && i >= min && i <= max
            ? i
            : throw new SharpTuneException($"{where}: quant_state needs an integer '{key}' from {min} to {max}");

    private static string? Text(JsonObject q, string key, string source) => q[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out string? s) => s,
        _ => throw new SharpTuneException($"{source}: {ConfigKey}.{key} must be a string"),
    };

    private static bool Flag(JsonObject q, string key, string source) => q[key] switch
    {
        null => false,
        JsonValue v when v.TryGetValue(out bool b) => b,
        _ => throw new SharpTuneException($"{source}: {ConfigKey}.{key} must be true or false"),
    };
}
