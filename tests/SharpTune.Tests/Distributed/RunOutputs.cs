using SharpTune.IO;
using static TorchSharp.torch;

namespace SharpTune.Tests.Distributed;

/// <summary>What the multi-process tests share: comparing two runs' saved tensors.</summary>
internal static class RunOutputs
{
    /// <summary>The two files hold the same tensors, each agreeing within <paramref name="relative"/> of the tensor's largest magnitude.</summary>
    public static void AssertClose(string expectedFile, string actualFile, double relative = 1e-5)
    {
        using var expected = SafetensorsFile.Open(expectedFile);
        using var actual = SafetensorsFile.Open(actualFile);
        Assert.Equal(expected.Tensors.Select(t => t.Name).Order(), actual.Tensors.Select(t => t.Name).Order());
        foreach (var info in expected.Tensors)
        {
            using var scope = NewDisposeScope();
            var e = expected.ReadTensor(info.Name).to(ScalarType.Float64);
            var a = actual.ReadTensor(info.Name).to(ScalarType.Float64);
            double scale = e.abs().max().item<double>(), difference = (a - e).abs().max().item<double>();
            Assert.True(difference <= relative * Math.Max(scale, 1e-12), $"{info.Name}: differs by {difference:G3} at scale {scale:G3} ({actualFile} vs {expectedFile})");
        }
    }
}
