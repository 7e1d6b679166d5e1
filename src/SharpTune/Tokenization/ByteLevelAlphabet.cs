namespace SharpTune.Tokenization;

/// <summary>
/// GPT-2's byte-level alphabet: each of the 256 byte values stands for one printable character, so that any byte
/// string is a string of visible characters (bytes that are printable Latin-1 stand for themselves, the others for
/// U+0100 onward in byte order). Byte-level BPE vocabularies (GPT-2, Llama 3, Qwen, DeepSeek) are written in it.
/// </summary>
public static class ByteLevelAlphabet
{
    private static readonly char[] ByteToChar = BuildByteToChar();
    private static readonly Dictionary<char, byte> CharToByte = Enumerable.Range(0, 256).ToDictionary(b => ByteToChar[b], b => (byte)b);

    /// <summary>The character that stands for <paramref name="value"/>.</summary>
    public static char CharFor(byte value) => ByteToChar[value];

    /// <summary>The byte <paramref name="c"/> stands for, or false when <paramref name="c"/> is not in the alphabet.</summary>
    public static bool TryGetByte(char c, out byte value) => CharToByte.TryGetValue(c, out value);

    /// <summary>Writes <paramref name="bytes"/> in the alphabet.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        return string.Create(bytes.Length, bytes.ToArray(), static (span, data) =>
        {
            for (int i = 0; i < data.Length; i++) span[i] = ByteToChar[data[i]];
        });
    }

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char)b : (char)next++;
        }
        return map;
    }
}
