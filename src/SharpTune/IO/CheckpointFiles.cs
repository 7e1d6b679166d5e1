using System.Text.RegularExpressions;

namespace SharpTune.IO;

/// <summary>The file names of a Hugging Face model folder's weights.</summary>
internal static partial class CheckpointFiles
{
    /// <summary>The weights of an unsharded checkpoint.</summary>
    public const string SingleFile = "model.safetensors";

    /// <summary>The index of a sharded checkpoint: which shard holds each tensor.</summary>
    public const string IndexFile = "model.safetensors.index.json";

    /// <summary>The largest index accepted (100 MB); real ones hold a few MB at most.</summary>
    public const long MaxIndexBytes = 100_000_000;

    /// <summary>The name of shard <paramref name="number"/> (from 1) of <paramref name="count"/>, e.g. <c>model-00001-of-00003.safetensors</c>.</summary>
    public static string ShardName(int number, int count) => $"model-{number:D5}-of-{count:D5}.safetensors";

    /// <summary>Whether a file name is one of ours: the single file, the index or a numbered shard.</summary>
    public static bool IsCheckpointFile(string fileName) =>
        fileName is SingleFile or IndexFile || ShardPattern().IsMatch(fileName);

    [GeneratedRegex(@"^model-[0-9]{5,}-of-[0-9]{5,}\.safetensors$", RegexOptions.CultureInvariant)]
    private static partial Regex ShardPattern();
}
