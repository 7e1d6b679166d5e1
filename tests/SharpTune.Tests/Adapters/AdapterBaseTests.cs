using SharpTune.Adapters;

namespace SharpTune.Tests.Adapters;

public sealed class AdapterBaseTests
{
    private static string Adapter(TempFolder dir, string name, string? baseModel)
    {
        string folder = Directory.CreateDirectory(dir.File(name)).FullName;
        PeftAdapterConfig.Write(new LoraConfig { R = 4, Alpha = 8, BaseModelNameOrPath = baseModel }, Path.Combine(folder, LoraModel.ConfigFileName));
        return folder;
    }

    [Fact]
    public void The_base_is_the_folder_as_given_else_the_one_beside_the_adapter()
    {
        using var dir = new TempFolder();
        string baseFolder = Directory.CreateDirectory(dir.File("base")).FullName;
        Directory.CreateDirectory(dir.File("runs/out"));

        Assert.Equal(baseFolder, AdapterBase.Resolve(Adapter(dir, "absolute", baseFolder)));
        Assert.Equal(baseFolder, AdapterBase.Resolve(Adapter(dir, "runs/out/adapter", "../../../base")));
        Assert.True(AdapterBase.IsAdapterFolder(dir.File("absolute")));
        Assert.False(AdapterBase.IsAdapterFolder(baseFolder));
    }

    [Fact]
    public void A_base_that_is_no_local_folder_is_an_error_naming_the_config()
    {
        using var dir = new TempFolder();
        string hub = Adapter(dir, "hub", "meta-llama/Llama-3.2-1B");
        var e = Assert.Throws<SharpTuneException>(() => AdapterBase.Resolve(hub));
        Assert.StartsWith(Path.Combine(hub, LoraModel.ConfigFileName) + ": base_model_name_or_path 'meta-llama/Llama-3.2-1B' is not a local folder", e.Message);

        string none = Adapter(dir, "none", null);
        e = Assert.Throws<SharpTuneException>(() => AdapterBase.Resolve(none));
        Assert.Contains("no base_model_name_or_path", e.Message);
        Assert.Throws<SharpTuneException>(() => AdapterBase.Resolve(dir.File("missing")));
    }
}
