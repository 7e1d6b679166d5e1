namespace SharpTune.Tokenization.Hf;

/// <summary>A tokenizer.json post-processor: adds the special tokens around one sequence or a pair.</summary>
internal abstract class PostProcessor
{
    /// <summary>The final ids of <paramref name="first"/> (and <paramref name="second"/>, for a pair).</summary>
    public abstract List<int> Process(List<int> first, List<int>? second, bool addSpecialTokens);
}

/// <summary>One element of a template: a special token's ids, or sequence A or B.</summary>
internal readonly record struct TemplatePiece(bool IsSequence, bool IsSecond, int[] SpecialIds);

/// <summary>Fills a template like <c>[bos] $A</c> / <c>[bos] $A [bos] $B</c>.</summary>
internal sealed class TemplateProcessor(IReadOnlyList<TemplatePiece> single, IReadOnlyList<TemplatePiece> pair) : PostProcessor
{
    public override List<int> Process(List<int> first, List<int>? second, bool addSpecialTokens)
    {
        var template = second == null ? single : pair;
        var result = new List<int>(first.Count + (second?.Count ?? 0) + 4);
        foreach (var piece in template)
        {
            if (!piece.IsSequence)
            {
                if (addSpecialTokens) result.AddRange(piece.SpecialIds);
            }
            else if (!piece.IsSecond) result.AddRange(first);
            else if (second != null) result.AddRange(second);
        }
        return result;
    }
}

/// <summary>The byte-level post-processor changes only offsets; ids pass through.</summary>
internal sealed class PassThroughProcessor : PostProcessor
{
    public override List<int> Process(List<int> first, List<int>? second, bool addSpecialTokens)
    {
        if (second == null) return first;
        var result = new List<int>(first);
        result.AddRange(second);
        return result;
    }
}

/// <summary>BERT's <c>[CLS] A [SEP] B [SEP]</c>; RoBERTa's doubles the separator between the two.</summary>
internal sealed class BertProcessor(int cls, int sep, bool roberta) : PostProcessor
{
    public override List<int> Process(List<int> first, List<int>? second, bool addSpecialTokens)
    {
        var result = new List<int>(first.Count + (second?.Count ?? 0) + 4);
        if (addSpecialTokens) result.Add(cls);
        result.AddRange(first);
        if (addSpecialTokens) result.Add(sep);
        if (second != null)
        {
            if (addSpecialTokens && roberta) result.Add(sep);
            result.AddRange(second);
            if (addSpecialTokens) result.Add(sep);
        }
        return result;
    }
}

internal sealed class PostProcessorSequence(IReadOnlyList<PostProcessor> steps) : PostProcessor
{
    public override List<int> Process(List<int> first, List<int>? second, bool addSpecialTokens)
    {
        // Byte-level steps leave ids alone; the one step that adds tokens sees both sequences.
        var adding = steps.Where(s => s is not PassThroughProcessor).ToList();
        if (adding.Count == 0) return new PassThroughProcessor().Process(first, second, addSpecialTokens);
        var result = adding[0].Process(first, second, addSpecialTokens);
        for (int i = 1; i < adding.Count; i++) result = adding[i].Process(result, null, addSpecialTokens);
        return result;
    }
}
