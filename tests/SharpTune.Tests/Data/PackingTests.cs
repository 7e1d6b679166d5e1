using SharpTune.Data;

namespace SharpTune.Tests.Data;

public sealed class PackingTests
{
    private static List<TokenizedSample> Samples(params int[] lengths) =>
        lengths.Select((n, s) => new TokenizedSample(
            Enumerable.Range(0, n).Select(i => s * 1000 + i).ToArray(),
            Enumerable.Range(0, n).Select(i => i % 2 == 0 ? s * 1000 + i : TokenizedSample.IgnoreLabel).ToArray())).ToList();

    [Fact]
    public void Packing_keeps_every_sample_whole_in_one_row_with_restarting_positions()
    {
        var samples = Samples(7, 3, 10, 5, 2, 9, 1, 6, 4, 8);
        var rows = SequencePacker.Pack(samples, 12);

        Assert.All(rows, r => Assert.InRange(r.Length, 1, 12));
        Assert.Equal(samples.Sum(s => s.Length), rows.Sum(r => r.Length));
        Assert.Equal((int)Math.Ceiling(samples.Sum(s => s.Length) / 12.0), rows.Count); // best-fit decreasing fills these rows exactly

        var found = new List<int>();
        foreach (var row in rows)
        {
            int start = 0;
            int expectedSequence = 0;
            foreach (int length in row.SampleLengths())
            {
                var ids = row.InputIds[start..(start + length)];
                int sample = ids[0] / 1000;
                found.Add(sample);
                Assert.Equal(samples[sample].InputIds, ids);
                Assert.Equal(Enumerable.Range(0, length), row.PositionIds![start..(start + length)]);
                Assert.All(row.SequenceIds![start..(start + length)], s => Assert.Equal(expectedSequence, s));
                Assert.Equal(TokenizedSample.IgnoreLabel, row.Labels[start]); // no prediction across the sample boundary
                Assert.Equal(samples[sample].Labels[1..], row.Labels[(start + 1)..(start + length)]);
                start += length;
                expectedSequence++;
            }
        }
        Assert.Equal(Enumerable.Range(0, samples.Count), found.Order());
    }

    [Fact]
    public void A_sample_longer_than_a_row_cannot_be_packed()
    {
        Assert.Throws<ArgumentException>(() => SequencePacker.Pack(Samples(5, 13), 12));
    }

    [Fact]
    public void The_collator_pads_on_the_right_and_marks_padding()
    {
        var samples = Samples(3, 5);
        var batch = new BatchCollator(99).Collate(samples);
        Assert.Equal((2, 5), (batch.Rows, batch.Length));
        Assert.Equal([0, 1, 2, 99, 99, 1000, 1001, 1002, 1003, 1004], batch.InputIds);
        Assert.Equal([0, -100, 2, -100, -100, 1000, -100, 1002, -100, 1004], batch.Labels);
        Assert.Equal([1, 1, 1, 0, 0, 1, 1, 1, 1, 1], batch.AttentionMask);
        Assert.Equal([0, 1, 2, 0, 0, 0, 1, 2, 3, 4], batch.PositionIds);
        Assert.Equal([0, 0, 0, -1, -1, 0, 0, 0, 0, 0], batch.SequenceIds);
        Assert.Equal(5, batch.TrainedTokens);

        var packed = new BatchCollator(99).Collate(SequencePacker.Pack(Samples(2, 3), 8), length: 6);
        Assert.Equal([0, 1, 2, 0, 1, 0], packed.PositionIds);
        Assert.Equal([0, 0, 0, 1, 1, -1], packed.SequenceIds);

        var batches = new BatchCollator(0).Batches(Samples(1, 2, 3, 4, 5), 2).ToList();
        Assert.Equal([2, 2, 1], batches.Select(b => b.Rows));
    }
}
