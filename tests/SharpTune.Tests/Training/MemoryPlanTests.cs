using SharpTune.Models;
using SharpTune.Quantization;
using SharpTune.Training;
using SharpTune.Training.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Tests.Training;

public sealed class MemoryPlanTests
{
    private static TrainConfig Config(TempFolder dir, string extra)
    {
        File.WriteAllText(dir.File("text.txt"), string.Join("\n\n", Enumerable.Repeat("the keeper lit the lamp before dark. ", 20)));
        File.WriteAllText(dir.File("run.yaml"), """
            base_model: preset:tiny
            datasets:
              - path: text.txt
                type: text
            sequence_len: 32
            micro_batch_size: 2
            max_steps: 1
            output_dir: out

            """ + extra);
        return TrainConfig.Load(dir.File("run.yaml"));
    }

    private static long Bytes(Tensor t) => t.numel() * t.ElementSize;

    /// <summary>
    /// The weights, adapter, gradient and optimizer-state rows equal the bytes of the real tensors of the same run on the
    /// CPU after the adapter is applied and one optimizer step is taken.
    /// </summary>
    [Theory]
    [InlineData("adapter: lora\nlora_r: 4\nlora_target_linear: true\n")]
    [InlineData("adapter: lora\nlora_r: 8\nlora_target_modules: [q_proj, v_proj]\nlora_modules_to_save: [lm_head]\noptimizer: paged_adamw_8bit\n")]
    [InlineData("optimizer: adamw_8bit\n")]
    [InlineData("adapter: freeze\nfreeze_trainable_layers: 1\noptimizer: sgd\n")]
    [InlineData("optimizer: paged_adamw_32bit\nweight_decay: 0.1\n")]
    public void Weights_adapter_gradients_and_optimizer_rows_equal_the_real_tensors(string extra)
    {
        using var dir = new TempFolder();
        var config = Config(dir, extra);
        var plan = MemoryPlan.For(config, DeviceType.CPU);

        using var model = new LlamaForCausalLM(ModelConfig.FromJson(ModelPresets.Config("tiny", null), "tiny"), CPU, WeightDtype.For(config, DeviceType.CPU));
        model.InitializeWeights(1);
        var lora = config.Adapter.Apply(model, config.BaseModel, config.Seed);
        var trainable = TrainableParameter.Of(model);
        var optimizer = OptimizerChoice.Create(config, trainable);
        using (NewDisposeScope())
        {
            var ids = randint(0, model.Config.VocabSize, [config.MicroBatchSize, config.Data.SequenceLen], generator: new Generator(3));
            CausalLmLoss.Sum(model.Forward(ids), ids).backward();
            optimizer.Step(1e-3);
        }
        static bool IsLora(string name) => name.Contains(".lora_A.", StringComparison.Ordinal) || name.Contains(".lora_B.", StringComparison.Ordinal);
        var parameters = model.named_parameters().ToList();
        Assert.Equal(parameters.Where(p => !IsLora(p.name)).Sum(p => Bytes(p.parameter)), plan.Row("weights").DeviceBytes);
        Assert.Equal(parameters.Where(p => IsLora(p.name)).Sum(p => Bytes(p.parameter)), plan.Row("adapter").DeviceBytes);
        Assert.Equal(lora is null, plan.Row("adapter").DeviceBytes == 0);
        Assert.Equal(trainable.Sum(p => Bytes(p.Value.grad!)), plan.Row("gradients").DeviceBytes);
        var state = plan.Row("optimizer state");
        long actualState = optimizer.StateDict().Where(kv => kv.Key != "step").Sum(kv => Bytes(kv.Value));
        Assert.Equal(actualState, state.DeviceBytes + state.HostBytes);
        Assert.Equal(OptimizerChoice.IsPaged(config.Optimizer), state.HostBytes > 0);
        Assert.Equal(plan.Rows.Sum(r => r.DeviceBytes), plan.DeviceTotal);
    }

    [Fact]
    public void Double_quantized_nf4_weights_take_at_most_4_13_bits_per_parameter_with_their_constants()
    {
        using var dir = new TempFolder();
        // SmolLM2-135M's shapes on the meta device: nothing is allocated.
        var plan = MemoryPlan.For(Config(dir, "adapter: qlora\nbnb_4bit_use_double_quant: true\n") with { BaseModel = "preset:smollm2-135m" }, DeviceType.CUDA);
        var shape = plan.Model;
        long perLayer = 2 * shape.HiddenSize * shape.NumAttentionHeads * shape.HeadDim + 2 * shape.HiddenSize * shape.NumKeyValueHeads * shape.HeadDim
            + 3 * shape.HiddenSize * shape.IntermediateSize;
        long n = shape.NumHiddenLayers * perLayer;
        Assert.Equal(n / 2, plan.Row("quantized weights").DeviceBytes);
        double bits = 8.0 * (plan.Row("quantized weights").DeviceBytes + plan.Row("quantization constants").DeviceBytes) / n;
        Assert.InRange(bits, 4.1269, 4.13);
        // Without double quantization: 4 + 32/64 bits.
        var single = MemoryPlan.For(Config(dir, "adapter: qlora\n") with { BaseModel = "preset:smollm2-135m" }, DeviceType.CUDA);
        Assert.InRange(8.0 * (single.Row("quantized weights").DeviceBytes + single.Row("quantization constants").DeviceBytes) / n, 4.5, 4.502);
        // Embeddings stay in bf16 on CUDA; the LoRA matrices in float32.
        Assert.Equal(ScalarType.BFloat16, plan.WeightDtype);
    }

    [Fact]
    public void Paged_state_is_host_memory_and_checkpointing_keeps_one_layers_activations()
    {
        using var dir = new TempFolder();
        var plain = MemoryPlan.For(Config(dir, "adapter: lora\nlora_target_linear: true\n"), DeviceType.CUDA);
        var paged = MemoryPlan.For(Config(dir, "adapter: lora\nlora_target_linear: true\noptimizer: paged_adamw_32bit\ngradient_checkpointing: true\n"), DeviceType.CUDA);
        Assert.Equal(plain.Row("optimizer state").DeviceBytes, paged.Row("optimizer state").HostBytes);
        Assert.Equal(0, paged.Row("optimizer state").DeviceBytes);
        Assert.Equal(plain.DeviceTotal - plain.Row("optimizer state").DeviceBytes - plain.Row("activations").DeviceBytes,
            paged.DeviceTotal - paged.Row("activations (gradient checkpointing)").DeviceBytes);
        // Checkpointed: every layer's input plus one layer's set, instead of every layer's set.
        var m = plain.Model;
        long tokens = 2 * 32, a = 2;
        long perLayer = (plain.Row("activations").DeviceBytes - ActivationMemory.LogitsAndLoss(m, tokens, 2)) / m.NumHiddenLayers;
        Assert.Equal(m.NumHiddenLayers * tokens * m.HiddenSize * a + perLayer + ActivationMemory.LogitsAndLoss(m, tokens, 2),
            paged.Row("activations (gradient checkpointing)").DeviceBytes);
        Assert.Equal(plain.Row("activations").DeviceBytes, paged.OtherActivations.DeviceBytes);
    }
}
