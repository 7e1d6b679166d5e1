using System.Text;

namespace SharpTune.Tokenization;

/// <summary>
/// The simplest lossless tokenizer: one id per UTF-8 byte (0–255) plus bos (256), eos (257) and pad (258).
/// It serves models made by <c>sharptune init-model</c> before a trained tokenizer exists.
/// </summary>
public sealed class ByteTokenizer : ITokenizer
{
    /// <summary>Id of the beginning-of-sequence token.</summary>
    public const long Bos = 256;
    /// <summary>Id of the end-of-sequence token.</summary>
    public const long Eos = 257;
    /// <summary>Id of the padding token.</summary>
    public const long Pad = 258;
    /// <summary>256 bytes and three special tokens.</summary>
    public const long Size = 259;

    /// <inheritdoc/>
    public long VocabSize => Size;
    /// <inheritdoc/>
    public long? BosId => Bos;
    /// <inheritdoc/>
    public long? EosId => Eos;
    /// <inheritdoc/>
    public long? PadId => Pad;

    /// <inheritdoc/>
    public IReadOnlyList<long> Encode(string text, bool addSpecialTokens = true)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var ids = new List<long>(bytes.Length + 1);
        if (addSpecialTokens) ids.Add(Bos);
        foreach (var b in bytes) ids.Add(b);
        return ids;
    }

    /// <inheritdoc/>
    public string Decode(IEnumerable<long> ids, bool skipSpecialTokens = true)
    {
        var bytes = new List<byte>();
        var text = new StringBuilder();
        void Flush()
        {
            text.Append(Encoding.UTF8.GetString(bytes.ToArray()));
            bytes.Clear();
        }
        foreach (var id in ids)
        {
            if (id is >= 0 and < 256) bytes.Add((byte)id);
            else if (!skipSpecialTokens)
            {
                Flush();
                text.Append(id switch { Bos => "<s>", Eos => "</s>", Pad => "<pad>", _ => $"<unk:{id}>" });
            }
        }
        Flush();
        return text.ToString();
    }
}
