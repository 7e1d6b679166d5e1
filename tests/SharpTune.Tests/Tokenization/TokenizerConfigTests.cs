using SharpTune.Tokenization;

namespace SharpTune.Tests.Tokenization;

public sealed class TokenizerConfigTests
{
    [Theory]
    [InlineData("llama2", "<s>", "</s>", false)]
    [InlineData("llama3", "<|begin_of_text|>", "<|end_of_text|>", true)]
    [InlineData("qwen3", null, "<|im_end|>", true)]
    [InlineData("gemma3", "<bos>", "<end_of_turn>", true)]
    [InlineData("deepseek_v3", "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", true)]
    public void Reads_the_shipped_configs(string name, string? bos, string eos, bool hasTemplate)
    {
        var config = TokenizerConfig.Load(Peers.TokenizerFolder(name));
        Assert.Equal(bos, config.BosToken);
        Assert.Equal(eos, config.EosToken);
        Assert.Equal(hasTemplate, config.ChatTemplate != null);
    }

    [Fact]
    public void Bad_chat_template_names_the_key()
    {
        using var tmp = new TempFolder();
        File.WriteAllText(tmp.File(TokenizerConfig.FileName), """{"chat_template": 3}""");
        var e = Assert.Throws<SharpTuneException>(() => TokenizerConfig.Load(tmp.Path));
        Assert.Contains("chat_template", e.Message);
        Assert.Contains(TokenizerConfig.FileName, e.Message);
    }

    [Fact]
    public void Byte_level_alphabet_is_a_bijection_with_gpt2s_fixed_points()
    {
        var chars = Enumerable.Range(0, 256).Select(b => ByteLevelAlphabet.CharFor((byte)b)).ToList();
        Assert.Equal(256, chars.Distinct().Count());
        Assert.Equal('Ġ', ByteLevelAlphabet.CharFor((byte)' '));
        Assert.Equal('Ċ', ByteLevelAlphabet.CharFor((byte)'\n'));
        Assert.Equal('A', ByteLevelAlphabet.CharFor((byte)'A'));
        for (int b = 0; b < 256; b++)
        {
            Assert.True(ByteLevelAlphabet.TryGetByte(chars[b], out var back));
            Assert.Equal(b, back);
        }
    }
}
