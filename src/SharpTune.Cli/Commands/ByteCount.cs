namespace SharpTune.Cli.Commands;

/// <summary>Byte counts as people read them (KiB, MiB, GiB).</summary>
internal static class ByteCount
{
    public static string Format(long n) =>
        n >= 1L << 30 ? $"{n / (double)(1L << 30):F2} GiB" : n >= 1L << 20 ? $"{n / (double)(1L << 20):F1} MiB" : $"{n / 1024.0:F1} KiB";
}
