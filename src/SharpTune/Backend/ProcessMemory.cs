namespace SharpTune.Backend;

/// <summary>How much memory this process has used.</summary>
public static class ProcessMemory
{
    /// <summary>
    /// The peak resident set of the process in bytes (Linux's VmHWM, which counts native tensor memory too),
    /// or the managed runtime's peak working set where /proc is not available.
    /// </summary>
    public static long PeakBytes()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line[6..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            // Fall through to the runtime's figure.
        }
        return System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64;
    }
}
