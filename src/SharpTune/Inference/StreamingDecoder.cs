using SharpTune.Tokenization;

namespace SharpTune.Inference;

/// <summary>
/// Turns generated token ids into text as they arrive, for printing while a model generates. It holds back an
/// unfinished UTF-8 character (decoded as U+FFFD) until it completes and, given a stop text (e.g. a chat
/// template's <c>&lt;|im_end|&gt;</c> when that is not one token), any tail that could be the start of it; once
/// the stop text appears, the text before it is final and the stop text itself is never handed out.
/// </summary>
public sealed class StreamingDecoder
{
    private readonly ITokenizer tokenizer;
    private readonly string? stopText;
    private readonly List<long> ids = [];
    private int handedOut;

    /// <summary>A decoder for <paramref name="tokenizer"/>'s ids that ends the text at <paramref name="stopText"/> (none when null or empty).</summary>
    public StreamingDecoder(ITokenizer tokenizer, string? stopText = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        this.tokenizer = tokenizer;
        this.stopText = string.IsNullOrEmpty(stopText) ? null : stopText;
    }

    /// <summary>The text of the ids so far (special tokens left out), cut before the stop text once it appeared.</summary>
    public string Text { get; private set; } = "";

    /// <summary>Whether the stop text has appeared; no more ids may be pushed then.</summary>
    public bool Stopped { get; private set; }

    /// <summary>Adds one generated id; returns the text that is now safe to print (often empty).</summary>
    /// <exception cref="InvalidOperationException">The stop text was already seen.</exception>
    public string Push(long id)
    {
        if (Stopped) throw new InvalidOperationException("the stop text has already appeared");
        ids.Add(id);
        string text = tokenizer.Decode(ids);
        int at = stopText is null ? -1 : text.IndexOf(stopText, StringComparison.Ordinal);
        if (at >= 0)
        {
            Text = text[..at];
            Stopped = true;
            return Take(at);
        }
        Text = text;
        return Take(text.Length - HeldBack(text));
    }

    /// <summary>The rest of the text, held back so far; call it once generation is over.</summary>
    public string Flush() => Take(Text.Length);

    private string Take(int upTo)
    {
        if (upTo <= handedOut) return "";
        string piece = Text[handedOut..upTo];
        handedOut = upTo;
        return piece;
    }

    /// <summary>How many characters at the end of <paramref name="text"/> may still change: trailing U+FFFD, and before them the longest tail that begins the stop text.</summary>
    private int HeldBack(string text)
    {
        int end = text.Length;
        while (end > 0 && text[end - 1] == '\uFFFD') end--;
        int held = text.Length - end;
        if (stopText is null) return held;
        for (int k = Math.Min(stopText.Length - 1, end); k > 0; k--)
            if (string.CompareOrdinal(text, end - k, stopText, 0, k) == 0) return held + k;
        return held;
    }
}
