using SharpTune.Adapters;

namespace SharpTune.Tests.Adapters;

public sealed class AdapterFolderTests
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

        Assert.Equal(baseFolder, AdapterFolder.BaseModel(Adapter(dir, "absolute", baseFolder)));
        Assert.Equal(baseFolder, AdapterFolder.BaseModel(Adapter(dir, "runs/out/adapter", "../../../base")));
        Assert.True(AdapterFolder.IsAdapter(dir.File("absolute")));
        Assert.False(AdapterFolder.IsAdapter(baseFolder));
    }

    [Fact]
    public void A_base_that_is_no_local_folder_is_an_error_naming_the_config()
    {
        using var dir = new TempFolder();
        string hub = Adapter(dir, "hub", "meta-llama/Llama-3.2-1B");
        var e = Assert.Throws<SharpTuneException>(() => AdapterFolder.BaseModel(hub));
        Assert.StartsWith(Path.Combine(hub, LoraModel.ConfigFileName) + ": base model 'meta-llama/Llama-3.2-1B' (base_model_name_or_path) not found as a folder", e.Message);

        string none = Adapter(dir, "none", null);
        e = Assert.Throws<SharpTuneException>(() => AdapterFolder.BaseModel(none));
        Assert.Contains("base_model_name_or_path is not set", e.Message);
        e = Assert.Throws<SharpTuneException>(() => AdapterFolder.BaseModel(Adapter(dir, "fresh", "preset:tiny")));
        Assert.Contains("freshly initialised", e.Message);
        Assert.Throws<SharpTuneException>(() => AdapterFolder.BaseModel(dir.File("missing")));
    }
}
