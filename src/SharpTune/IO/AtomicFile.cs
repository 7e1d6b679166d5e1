using System.Security.Cryptography;

namespace SharpTune.IO;

/// <summary>
/// Writes a file so that readers see either the old file or the complete new one: the content goes to
/// <c>&lt;path&gt;.tmp-&lt;random&gt;</c> in the same folder, is flushed to disk, then renamed over the target.
/// </summary>
internal static class AtomicFile
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
