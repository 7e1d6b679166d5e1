using SharpTune.Tokenization;

namespace SharpTune.Data;

/// <summary>
/// Turns normalized records into labelled token sequences, applying the token-length rules:
/// <list type="bullet">
/// <item>Conversations are rendered by the chat template; the rendering is cut into trained and untrained pieces
/// (<see cref="TrainedSpans"/>) and each piece is tokenized on its own (without added special tokens, as
/// transformers' apply_chat_template does), so the boundaries are exact. Only assistant turns are labelled unless
/// <c>train_on_inputs</c>.</item>
/// <item>Completions: bos + prompt (masked unless train_on_inputs), then completion + eos (trained).</item>
/// <item>Text: bos + text + eos, all trained, split into pieces of <c>sequence_len</c>.</item>
/// <item>Preference pairs: prompt + chosen and prompt + rejected, each trained on the final reply only.</item>
/// </list>
/// Other samples longer than <c>sequence_len</c> are dropped or truncated (<c>excess_length_strategy</c>); samples with
/// nothing trained are dropped. Every drop is counted in the report.
/// </summary>
internal sealed class SampleTokenizer(DataConfig config, TokenizerContext context, DataReport report)
{
    private readonly ITokenizer tokenizer = context.Tokenizer;
    private readonly IChatTemplate template = context.Template.Template;

    /// <summary>Tokenizes <paramref name="record"/> into <paramref name="samples"/> or <paramref name="pairs"/>, or counts why it was dropped.</summary>
    /// <exception cref="RecordFormatException">The chat template refused the record.</exception>
    public void Add(DataRecord record, List<TokenizedSample> samples, List<TokenizedPair> pairs)
    {
        if (record is PreferenceSample preference)
        {
            AddPair(preference, pairs);
            return;
        }
        var (ids, labels) = Tokenize(record);
        if (LengthRuleDrop(record, ids.Count) is { } drop)
        {
            report.AddDropped(record.Dataset, record.Origin, drop.Rule, drop.Detail);
            return;
        }
        var produced = new List<TokenizedSample>();
        if (record is TextSample)
        {
            for (int start = 0; start < ids.Count; start += config.SequenceLen)
            {
                int n = Math.Min(config.SequenceLen, ids.Count - start);
                produced.Add(new TokenizedSample(ids.GetRange(start, n).ToArray(), labels.GetRange(start, n).ToArray()));
            }
            report.SplitPieces += Math.Max(0, produced.Count - 1);
        }
        else
        {
            if (ids.Count > config.SequenceLen)
            {
                if (config.ExcessLength == ExcessLengthStrategy.Drop)
                {
                    report.AddDropped(record.Dataset, record.Origin, DropRule.ExceedsSequenceLen, $"{ids.Count} tokens, more than sequence_len {config.SequenceLen}");
                    return;
                }
                ids.RemoveRange(config.SequenceLen, ids.Count - config.SequenceLen);
                labels.RemoveRange(config.SequenceLen, labels.Count - config.SequenceLen);
                report.Truncated++;
            }
            produced.Add(new TokenizedSample(ids.ToArray(), labels.ToArray()));
        }
        if (produced.All(s => s.TrainedCount == 0))
        {
            report.AddDropped(record.Dataset, record.Origin, DropRule.NoTrainedTokens, "no token is trained (no assistant reply, or it was cut off)");
            return;
        }
        samples.AddRange(produced);
        report.Datasets[record.Dataset].Kept++;
        report.Datasets[record.Dataset].Samples += produced.Count;
    }

    /// <summary>The number of tokens <paramref name="record"/> tokenizes to (the longer sequence of a pair).</summary>
    public int CountTokens(DataRecord record) => record is PreferenceSample p
        ? Math.Max(Conversation(WithReply(p, p.Chosen), onlyLast: true).Ids.Count, Conversation(WithReply(p, p.Rejected), onlyLast: true).Ids.Count)
        : Tokenize(record).Ids.Count;

    /// <summary>The min_tokens / max_tokens rule that drops a record of <paramref name="count"/> tokens, if any.</summary>
    public (string Rule, string Detail)? LengthRuleDrop(DataRecord record, int count)
    {
        var cleaning = config.Cleaning;
        if (cleaning.MinTokens is { } min && count < min) return (DropRule.TooFewTokens, $"{count} tokens, fewer than min_tokens {min}");
        if (cleaning.MaxTokens is { } max && count > max) return (DropRule.TooManyTokens, $"{count} tokens, more than max_tokens {max}");
        return null;
    }

    private void AddPair(PreferenceSample p, List<TokenizedPair> pairs)
    {
        var chosen = Conversation(WithReply(p, p.Chosen), onlyLast: true);
        var rejected = Conversation(WithReply(p, p.Rejected), onlyLast: true);
        int longest = Math.Max(chosen.Ids.Count, rejected.Ids.Count);
        if (LengthRuleDrop(p, longest) is { } drop)
        {
            report.AddDropped(p.Dataset, p.Origin, drop.Rule, drop.Detail);
            return;
        }
        if (longest > config.SequenceLen)
        {
            if (config.ExcessLength == ExcessLengthStrategy.Drop)
            {
                report.AddDropped(p.Dataset, p.Origin, DropRule.ExceedsSequenceLen, $"{longest} tokens, more than sequence_len {config.SequenceLen}");
                return;
            }
            foreach (var side in new[] { chosen, rejected })
            {
                if (side.Ids.Count <= config.SequenceLen) continue;
                side.Ids.RemoveRange(config.SequenceLen, side.Ids.Count - config.SequenceLen);
                side.Labels.RemoveRange(config.SequenceLen, side.Labels.Count - config.SequenceLen);
            }
            report.Truncated++;
        }
        var pair = new TokenizedPair(new TokenizedSample(chosen.Ids.ToArray(), chosen.Labels.ToArray()),
            new TokenizedSample(rejected.Ids.ToArray(), rejected.Labels.ToArray()));
        if (pair.Chosen.TrainedCount == 0 || pair.Rejected.TrainedCount == 0)
        {
            report.AddDropped(p.Dataset, p.Origin, DropRule.NoTrainedTokens, "a reply has no trained token (empty, or cut off)");
            return;
        }
        pairs.Add(pair);
        report.Datasets[p.Dataset].Kept++;
        report.Datasets[p.Dataset].Samples++;
    }

    private static List<ChatMessage> WithReply(PreferenceSample p, string reply) => [.. p.Prompt, new ChatMessage("assistant", reply)];

    private (List<int> Ids, List<int> Labels) Tokenize(DataRecord record) => record switch
    {
        Conversation c => Conversation(c.Messages, onlyLast: false),
        CompletionSample c => Completion(c),
        TextSample t => Text(t),
        _ => throw new InvalidOperationException($"cannot tokenize {record.GetType().Name} as one sample"),
    };

    private (List<int> Ids, List<int> Labels) Conversation(IReadOnlyList<ChatMessage> messages, bool onlyLast)
    {
        var pieces = TrainedSpans.Split(template, messages, onlyLast, out bool fallback);
        if (fallback) report.MaskingFallbacks++;
        var ids = new List<int>();
        var labels = new List<int>();
        foreach (var (text, trained) in pieces)
            Append(ids, labels, tokenizer.Encode(text, addSpecialTokens: false), trained || (config.TrainOnInputs && !onlyLast));
        return (ids, labels);
    }

    private (List<int> Ids, List<int> Labels) Completion(CompletionSample c)
    {
        var ids = new List<int>();
        var labels = new List<int>();
        Append(ids, labels, tokenizer.Encode(c.Prompt, addSpecialTokens: true), config.TrainOnInputs);
        Append(ids, labels, WithEos(tokenizer.Encode(c.Completion, addSpecialTokens: false)), true);
        return (ids, labels);
    }

    private (List<int> Ids, List<int> Labels) Text(TextSample t)
    {
        var ids = new List<int>();
        var labels = new List<int>();
        Append(ids, labels, WithEos(tokenizer.Encode(t.Text, addSpecialTokens: true)), true);
        return (ids, labels);
    }

    private IReadOnlyList<long> WithEos(IReadOnlyList<long> ids) =>
        tokenizer.EosId is { } eos && (ids.Count == 0 || ids[^1] != eos) ? [.. ids, eos] : ids;

    private static void Append(List<int> ids, List<int> labels, IReadOnlyList<long> tokens, bool trained)
    {
        foreach (long id in tokens)
        {
            if (id is < 0 or > int.MaxValue) throw new SharpTuneException($"token id {id} is outside the range the data pipeline stores");
            ids.Add((int)id);
            labels.Add(trained ? (int)id : TokenizedSample.IgnoreLabel);
        }
    }
}
