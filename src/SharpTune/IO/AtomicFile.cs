using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SharpTune.IO;

/// <summary>
/// Writes a file so that readers see either the old file or the complete new one: the content goes to
/// <c>&lt;path&gt;.tmp-&lt;random&gt;</c> in the same folder, is flushed to disk, then renamed over the target.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>, atomically.</summary>
    /// <exception cref="SharpTuneException">The file could not be written (disk full, no permission, ...).</exception>
    public static void Write(string path, Action<Stream> write)
    {
        string target = Path.GetFullPath(path);
        string temp = target + ".tmp-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 20))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, target, overwrite: true);
        }
        catch (Exception e)
        {
            TryDelete(temp);
            if (e is IOException or UnauthorizedAccessException)
                throw new SharpTuneException($"{path}: cannot write: {e.Message}", e);
            throw;
        }
    }

    /// <summary>Writes <paramref name="node"/> as indented JSON with a final newline (as transformers writes config.json), atomically.</summary>
    /// <exception cref="SharpTuneException">The file could not be written.</exception>
    public static void WriteJson(string path, JsonNode node) =>
        Write(path, stream => stream.Write(Encoding.UTF8.GetBytes(node.ToJsonString(IndentedJson) + "\n")));

    private static readonly JsonSerializerOptions IndentedJson = new() { WriteIndented = true };

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the write already failed and that error is the one to report.
        }
    }
}
