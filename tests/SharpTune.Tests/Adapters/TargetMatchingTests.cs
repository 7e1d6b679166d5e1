using SharpTune.Adapters;
using SharpTune.Tests.Models;

namespace SharpTune.Tests.Adapters;

public sealed class TargetMatchingTests
{
    private static IReadOnlyList<string> Targets(LoraConfig config, string arch = "llama")
    {
        using var model = TinyModels.Create(arch);
        return [.. LoraModel.Inject(model, config).Layers.Keys];
    }

    private static string[] Paths(IEnumerable<int> layers, params string[] projections) =>
        [.. layers.SelectMany(i => projections.Select(p => $"model.layers.{i}.{p}"))];

    [Fact]
    public void Without_targets_peft_picks_q_proj_and_v_proj()
    {
        Assert.Equal(Paths([0, 1], "self_attn.q_proj", "self_attn.v_proj"), Targets(new LoraConfig()));
    }

    [Fact]
    public void A_list_matches_whole_names_and_dot_suffixes()
    {
        Assert.Equal(Paths([0, 1], "self_attn.k_proj", "mlp.down_proj"),
            Targets(new LoraConfig { TargetModules = ModuleSelector.FromNames(["k_proj", "down_proj"]) }));
        Assert.Equal(Paths([0, 1], "self_attn.o_proj"),
            Targets(new LoraConfig { TargetModules = ModuleSelector.FromNames(["self_attn.o_proj"]) }));
        Assert.Equal(["model.layers.1.mlp.up_proj"],
            Targets(new LoraConfig { TargetModules = ModuleSelector.FromNames(["model.layers.1.mlp.up_proj"]) }));
        // "proj" is not a whole name component of "q_proj": nothing matches, which is an error naming the layers there are.
        var e = Assert.Throws<SharpTuneException>(() => Targets(new LoraConfig { TargetModules = ModuleSelector.FromNames(["proj"]) }));
        Assert.Contains("match no linear layer", e.Message);
        Assert.Contains("q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj, lm_head", e.Message);
    }

    [Fact]
    public void A_string_is_a_regular_expression_over_the_whole_name()
    {
        Assert.Equal(Paths([0], LoraTestKit.LayerProjections),
            Targets(new LoraConfig { TargetModules = ModuleSelector.FromPattern(@"model\.layers\.0\..*_proj", "test") }));
        Assert.Equal(Paths([0, 1], "self_attn.q_proj", "self_attn.v_proj"),
            Targets(new LoraConfig { TargetModules = ModuleSelector.FromPattern(@".*\.(q|v)_proj", "test") }));
        // A bare name as a pattern must match the whole module name, so it matches nothing (as in peft).
        Assert.Throws<SharpTuneException>(() => Targets(new LoraConfig { TargetModules = ModuleSelector.FromPattern("q_proj", "test") }));
        var bad = Assert.Throws<SharpTuneException>(() => ModuleSelector.FromPattern("(q_proj", "adapter_config.json: target_modules"));
        Assert.Contains("adapter_config.json: target_modules: '(q_proj' is not a valid regular expression", bad.Message);
    }

    [Fact]
    public void All_linear_takes_every_projection_but_not_the_output_head()
    {
        var all = Targets(new LoraConfig { TargetAllLinear = true });
        Assert.Equal(Paths([0, 1], LoraTestKit.LayerProjections), all);
        Assert.DoesNotContain("lm_head", all);
        // Naming lm_head as well adds it (axolotl's lora_target_linear plus lora_target_modules).
        var withHead = Targets(new LoraConfig { TargetAllLinear = true, TargetModules = ModuleSelector.FromNames(["lm_head"]) });
        Assert.Equal([.. all, "lm_head"], withHead);
        // Saved the way peft saves it: the names all-linear stood for.
        using var model = TinyModels.Create("llama");
        var lora = LoraModel.Inject(model, new LoraConfig { TargetAllLinear = true });
        Assert.False(lora.Config.TargetAllLinear);
        Assert.Equal(["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"], lora.Config.TargetModules!.Names);
    }

    [Fact]
    public void Layers_to_transform_and_exclude_modules_narrow_the_targets()
    {
        Assert.Equal(Paths([1], LoraTestKit.LayerProjections), Targets(new LoraConfig { TargetAllLinear = true, LayersToTransform = [1] }));
        Assert.Equal(Paths([1], LoraTestKit.LayerProjections),
            Targets(new LoraConfig { TargetAllLinear = true, LayersToTransform = [1], LayersPattern = ["layers"] }));
        Assert.Throws<SharpTuneException>(() => Targets(new LoraConfig { TargetAllLinear = true, LayersToTransform = [1], LayersPattern = ["h"] }));
        Assert.Equal(Paths([0, 1], "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj"),
            Targets(new LoraConfig { TargetAllLinear = true, ExcludeModules = ModuleSelector.FromNames(["mlp.gate_proj", "up_proj", "down_proj"]) }));
        Assert.Equal(Paths([0, 1], LoraTestKit.LayerProjections).Where(p => p != "model.layers.0.mlp.down_proj"),
            Targets(new LoraConfig { TargetAllLinear = true, ExcludeModules = ModuleSelector.FromPattern(@".*0\.mlp\.down_proj", "test") }));
    }

    [Fact]
    public void Modules_to_save_are_not_adapted_and_train_in_full()
    {
        using var model = TinyModels.Create("llama");
        var lora = LoraModel.Inject(model, new LoraConfig
        {
            TargetModules = ModuleSelector.FromNames(["q_proj", "lm_head"]),
            ModulesToSave = ["lm_head", "embed_tokens"],
        });
        Assert.DoesNotContain("lm_head", lora.Layers.Keys);
        Assert.Equal(["lm_head", "model.embed_tokens"], lora.ModulesToSave.Order());
        var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).Order().ToList();
        Assert.Equal(
            new[]
            {
                "lm_head.weight", "model.embed_tokens.weight",
                "model.layers.0.self_attn.q_proj.lora_A.weight", "model.layers.0.self_attn.q_proj.lora_B.weight",
                "model.layers.1.self_attn.q_proj.lora_A.weight", "model.layers.1.self_attn.q_proj.lora_B.weight",
            }.Order(),
            trainable);
        var count = lora.CountParameters();
        long loraCount = 2 * (8 * 32 + 32 * 8); // r = 8: A [8, 32] + B [32, 8], two layers
        Assert.Equal(2 * 97 * 32 + loraCount, count.Trainable);
        Assert.Equal(model.parameters().Sum(p => p.numel()), count.Total);
        Assert.StartsWith($"trainable params: {count.Trainable:N0} || all params: {count.Total:N0} || trainable%: ", count.ToString());
    }

    [Fact]
    public void Bad_targets_and_modules_to_save_are_clear_errors()
    {
        var missing = Assert.Throws<SharpTuneException>(() => Targets(new LoraConfig { ModulesToSave = ["score"] }));
        Assert.Contains("modules_to_save 'score' matches no module", missing.Message);
        Assert.Throws<SharpTuneException>(() => Targets(new LoraConfig { R = 0 }));
        Assert.Throws<SharpTuneException>(() => Targets(new LoraConfig { Dropout = 1 }));

        using var tied = TinyModels.Create("qwen2", edit: j => j["tie_word_embeddings"] = true);
        var tiedEmbed = Assert.Throws<SharpTuneException>(() => LoraModel.Inject(tied, new LoraConfig { ModulesToSave = ["embed_tokens"] }));
        Assert.Contains("ties them to the output head", tiedEmbed.Message);
        var tiedHead = Assert.Throws<SharpTuneException>(() => LoraModel.Inject(tied, new LoraConfig { ModulesToSave = ["lm_head"] }));
        Assert.Contains("ties lm_head to embed_tokens", tiedHead.Message);

        using var model = TinyModels.Create("llama");
        LoraModel.Inject(model, new LoraConfig());
        var twice = Assert.Throws<SharpTuneException>(() => LoraModel.Inject(model, new LoraConfig()));
        Assert.Contains("already has a LoRA layer", twice.Message);
    }
}
