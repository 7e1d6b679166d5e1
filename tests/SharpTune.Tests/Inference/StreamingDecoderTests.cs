using System.Text;
using SharpTune.Inference;
using SharpTune.Tokenization;

namespace SharpTune.Tests.Inference;

public sealed class StreamingDecoderTests
{
    private static (List<string> Pieces, StreamingDecoder Decoder) Feed(string text, string? stop)
    {
        var decoder = new StreamingDecoder(new ByteTokenizer(), stop);
        var pieces = new List<string>();
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            pieces.Add(decoder.Push(b));
            if (decoder.Stopped) break;
        }
        pieces.Add(decoder.Flush());
        return (pieces, decoder);
    }

    [Fact]
    public void Text_ends_before_the_stop_text_and_no_piece_shows_a_part_of_it()
    {
        var (pieces, decoder) = Feed("Hi <there> <|im|<|im_end|>\nmore", "<|im_end|>");
        Assert.True(decoder.Stopped);
        Assert.Equal("Hi <there> <|im|", decoder.Text);
        Assert.Equal(decoder.Text, string.Concat(pieces));
        // "<" is held back until the next character shows it does not start the stop text.
        Assert.DoesNotContain(pieces, p => p.EndsWith('<'));
    }

    [Fact]
    public void A_split_multibyte_character_is_printed_whole()
    {
        var (pieces, decoder) = Feed("naïve — 日本", null);
        Assert.False(decoder.Stopped);
        Assert.Equal("naïve — 日本", string.Concat(pieces));
        Assert.DoesNotContain(pieces, p => p.Contains('\uFFFD'));
    }

    [Fact]
    public void A_tail_that_only_began_the_stop_text_comes_out_at_the_end()
    {
        var (pieces, decoder) = Feed("done <|im_e", "<|im_end|>");
        Assert.False(decoder.Stopped);
        Assert.Equal("done <|im_e", decoder.Text);
        Assert.Equal("<|im_e", pieces[^1]);
    }
}
