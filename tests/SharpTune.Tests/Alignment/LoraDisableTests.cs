using SharpTune.Adapters;
using SharpTune.Tests.Adapters;
using SharpTune.Tests.Models;
using static TorchSharp.torch;

namespace SharpTune.Tests.Alignment;

/// <summary>The reference model of DPO and PPO: the LoRA model with its adapters switched off is exactly the base model.</summary>
public sealed class LoraDisableTests
{
    [Fact]
    public void Disabled_adapters_give_exactly_the_base_models_logits_and_come_back_on()
    {
        using var model = TinyModels.Create("llama");
        using var baseLogits = LoraTestKit.Logits(model);
        var lora = LoraModel.Inject(model, new LoraConfig { R = 4, Alpha = 8, TargetAllLinear = true });
        LoraTestKit.Randomize(lora);
        using var adapted = LoraTestKit.Logits(model);
        Assert.False(adapted.allclose(baseLogits, 1e-3, 1e-3));

        using var disabled = lora.WithAdaptersDisabled(() => LoraTestKit.Logits(model));
        Assert.True(disabled.allclose(baseLogits, 0, 0), "disabled adapters must reproduce the base logits bit for bit");

        using var again = LoraTestKit.Logits(model);
        Assert.True(again.allclose(adapted, 0, 0));
        Assert.All(lora.Layers.Values, l => Assert.True(l.Enabled));
    }

    [Fact]
    public void Adapters_come_back_on_when_the_work_throws()
    {
        using var model = TinyModels.Create("llama");
        var lora = LoraModel.Inject(model, new LoraConfig { R = 2, Alpha = 2 });
        Assert.Throws<InvalidOperationException>(() => lora.WithAdaptersDisabled<int>(() => throw new InvalidOperationException("boom")));
        Assert.All(lora.Layers.Values, l => Assert.True(l.Enabled));
    }

    [Fact]
    public void An_adapter_with_modules_trained_in_place_cannot_stand_for_the_base()
    {
        using var model = TinyModels.Create("llama");
        var lora = LoraModel.Inject(model, new LoraConfig { R = 2, Alpha = 2, ModulesToSave = ["lm_head"] });
        var error = Assert.Throws<InvalidOperationException>(() => lora.WithAdaptersDisabled(() => 0));
        Assert.Contains("lm_head", error.Message);
    }
}
