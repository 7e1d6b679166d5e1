using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Quantization;
using SharpTune.Tests.Adapters;
using SharpTune.Tests.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Tests.Quantization;

/// <summary>bitsandbytes-quantized model folders: ours reload bit-exactly, and one assembled by hand in transformers' layout loads.</summary>
public sealed class BnbCheckpointTests
{
    [Theory]
    [InlineData(QuantType.Nf4, true)]
    [InlineData(QuantType.Fp4, false)]
    [InlineData(QuantType.Int8, false)]
    public void A_folder_we_write_reloads_bit_exactly(QuantType type, bool doubleQuant)
    {
        using var dir = new TempFolder();
        var config = new QuantizationConfig { Type = type, DoubleQuant = doubleQuant };
        using var model = TinyModels.Create("llama");
        ModelQuantizer.Quantize(model, config);
        BnbCheckpoint.Save(model, dir.Path, config);

        Assert.Equal(config, BnbCheckpoint.ReadConfig(dir.Path));
        using var loaded = BnbCheckpoint.Load(dir.Path, CPU, ScalarType.Float32);
        Assert.Null(loaded.Config.Raw[BnbCheckpoint.ConfigKey]);
        var expected = ModelQuantizer.QuantizedLayers(model);
        var actual = ModelQuantizer.QuantizedLayers(loaded);
        Assert.Equal(expected.Select(l => l.Path), actual.Select(l => l.Path));
        for (int i = 0; i < expected.Count; i++)
        {
            var a = expected[i].Layer.named_buffers().ToList();
            var b = actual[i].Layer.named_buffers().ToList();
            Assert.Equal(a.Select(x => x.name), b.Select(x => x.name));
            for (int j = 0; j < a.Count; j++) Assert.True(a[j].buffer.allclose(b[j].buffer, 0, 0), $"{expected[i].Path}.{a[j].name}");
            if (expected[i].Layer.Weight is Quantized4BitWeight w)
            {
                var v = (Quantized4BitWeight)actual[i].Layer.Weight;
                Assert.True(w.Absmax.allclose(v.Absmax, 0, 0));
                Assert.Equal(w.NestedOffset, v.NestedOffset);
                if (w.DoubleQuant) Assert.True(w.NestedAbsmax!.allclose(v.NestedAbsmax!, 0, 0));
            }
        }
        using var before = LoraTestKit.Logits(model);
        using var after = LoraTestKit.Logits(loaded);
        Assert.True(before.allclose(after, 0, 0));
    }

    [Fact]
    public void A_folder_laid_out_as_transformers_writes_it_loads_with_the_reference_weights()
    {
        using var dir = new TempFolder();
        using var source = TinyModels.Create("llama");
        var tensors = new List<KeyValuePair<string, Tensor>>();
        var referenceWeights = new Dictionary<string, float[]>();
        foreach (var (name, p) in source.named_parameters())
        {
            bool quantize = p.dim() == 2 && name.Contains(".layers.") && name.EndsWith("_proj.weight");
            if (!quantize)
            {
                tensors.Add(new(name, p.detach().clone()));
                continue;
            }
            // bitsandbytes' layout, computed here in plain loops: NF4 codes (high nibble first), absmax double-quantized.
            var x = p.detach().flatten().data<float>().ToArray();
            var (codes, absmax, _) = QuantizationReferenceTests.Reference(x, QuantCodeBooks.Nf4, 64);
            var packed = new byte[x.Length / 2];
            for (int i = 0; i < packed.Length; i++) packed[i] = (byte)((codes[2 * i] << 4) | codes[2 * i + 1]);
            float offset;
            using (var am = tensor(absmax)) offset = am.mean().item<float>();
            var (nestedCodes, nestedAbsmax, nestedValues) =
                QuantizationReferenceTests.Reference(absmax.Select(a => a - offset).ToArray(), DynamicQuantizationMap.Signed.data<float>().ToArray(), 256);
            referenceWeights[name] = x.Select((_, i) => QuantCodeBooks.Nf4[codes[i]] * (nestedValues[i / 64] + offset)).ToArray();
            string json = string.Create(CultureInfo.InvariantCulture,
                $"{{\"quant_type\": \"nf4\", \"blocksize\": 64, \"dtype\": \"float32\", \"shape\": [{p.shape[0]}, {p.shape[1]}], "
                + $"\"nested_blocksize\": 256, \"nested_dtype\": \"float32\", \"nested_offset\": {(double)offset:R}}}");
            tensors.Add(new(name, tensor(packed).view(-1, 1)));
            tensors.Add(new(name + ".absmax", tensor(nestedCodes.Select(c => (byte)c).ToArray())));
            tensors.Add(new(name + ".quant_map", tensor(QuantCodeBooks.Nf4.ToArray())));
            tensors.Add(new(name + ".nested_absmax", tensor(nestedAbsmax)));
            tensors.Add(new(name + ".nested_quant_map", DynamicQuantizationMap.Signed.clone()));
            tensors.Add(new(name + ".quant_state.bitsandbytes__nf4", tensor(Encoding.UTF8.GetBytes(json))));
        }
        SafetensorsWriter.Write(Path.Combine(dir.Path, "model.safetensors"), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        var config = source.Config.ToJson();
        config["quantization_config"] = JsonNode.Parse("""
            {"_load_in_4bit": true, "_load_in_8bit": false, "bnb_4bit_compute_dtype": "float32", "bnb_4bit_quant_storage": "uint8",
             "bnb_4bit_quant_type": "nf4", "bnb_4bit_use_double_quant": true, "llm_int8_enable_fp32_cpu_offload": false,
             "llm_int8_has_fp16_weight": false, "llm_int8_skip_modules": null, "llm_int8_threshold": 6.0,
             "load_in_4bit": true, "load_in_8bit": false, "quant_method": "bitsandbytes"}
            """);
        File.WriteAllText(Path.Combine(dir.Path, "config.json"), config.ToJsonString());

        using var loaded = BnbCheckpoint.Load(dir.Path, CPU, ScalarType.Float32);
        Assert.Equal(14, ModelQuantizer.QuantizedLayers(loaded).Count);
        using var reference = TinyModels.Create("llama");
        using (no_grad())
            foreach (var (name, p) in reference.named_parameters())
                if (referenceWeights.TryGetValue(name, out var w)) p.copy_(tensor(w).view(p.shape));
        using var expected = LoraTestKit.Logits(reference);
        using var actual = LoraTestKit.Logits(loaded);
        Assert.True(actual.allclose(expected, rtol: 1e-5, atol: 1e-4), $"max diff {(actual - expected).abs().max().item<float>()}");
        foreach (var (path, layer) in ModelQuantizer.QuantizedLayers(loaded))
        {
            using var dq = layer.Weight.Dequantize(ScalarType.Float32);
            Assert.Equal(referenceWeights[path + ".weight"], dq.flatten().data<float>().ToArray());
        }
    }

    [Fact]
    public void A_quant_state_whose_shape_does_not_fit_is_an_error_naming_the_tensor()
    {
        using var dir = new TempFolder();
        var config = new QuantizationConfig { Type = QuantType.Nf4 };
        using var model = TinyModels.Create("llama");
        ModelQuantizer.Quantize(model, config);
        BnbCheckpoint.Save(model, dir.Path, config);
        string file = Path.Combine(dir.Path, "model.safetensors");
        Dictionary<string, Tensor> all;
        using (var reader = SafetensorsFile.Open(file))
            all = reader.Tensors.ToDictionary(t => t.Name, t => reader.ReadTensor(t.Name));
        string key = "model.layers.0.self_attn.q_proj.weight.quant_state.bitsandbytes__nf4";
        string json = Encoding.UTF8.GetString(all[key].data<byte>().ToArray()).Replace("\"shape\": [32, 32]", "\"shape\": [32, 64]");
        all[key] = tensor(Encoding.UTF8.GetBytes(json));
        SafetensorsWriter.Write(file, all);
        var e = Assert.Throws<SharpTuneException>(() => BnbCheckpoint.Load(dir.Path, CPU, ScalarType.Float32));
        Assert.Contains(key, e.Message);
        Assert.Contains("does not match", e.Message);
    }
}
