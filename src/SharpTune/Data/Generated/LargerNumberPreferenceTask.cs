using System.Globalization;

namespace SharpTune.Data.Generated;

/// <summary>
/// Preference pairs on the "which number is larger?" questions of <see cref="LargerNumberTask"/>, for reward
/// modelling, DPO and PPO. The preferred answer states the larger number and ends with a period (the SFT answer);
/// the dispreferred one names the smaller number, or drops the final period, or both — a preference a tiny model can
/// learn, half of it by reading the numbers.
/// </summary>
public static class LargerNumberPreferenceTask
{
    /// <summary>The name a dataset entry gives: <c>generate: larger_number_preference</c>.</summary>
    public const string Name = "larger_number_preference";

    /// <summary><paramref name="count"/> (prompt, chosen, rejected) triples, the same for the same <paramref name="seed"/>.</summary>
    public static IEnumerable<(string Prompt, string Chosen, string Rejected)> Generate(int count, long seed)
    {
        var random = new Random((int)(seed & int.MaxValue) ^ 0x0dd5);
        foreach (var (a, b, question) in LargerNumberTask.Ask(count, seed))
        {
            string chosen = LargerNumberTask.Answer(a, b);
            string rejected = random.Next(3) switch
            {
                0 => WrongNumber(chosen, a, b),
                1 => chosen.TrimEnd('.'),
                _ => WrongNumber(chosen, a, b).TrimEnd('.'),
            };
            yield return (question, chosen, rejected);
        }
    }

    /// <summary>The answer with its conclusion naming the smaller number.</summary>
    private static string WrongNumber(string answer, int a, int b)
    {
        string larger = Math.Max(a, b).ToString(CultureInfo.InvariantCulture), smaller = Math.Min(a, b).ToString(CultureInfo.InvariantCulture);
        string conclusion = $"so {larger} is larger.";
        return answer[..^conclusion.Length] + $"so {smaller} is larger.";
    }
}
