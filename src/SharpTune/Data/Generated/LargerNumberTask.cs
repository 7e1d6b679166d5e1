using System.Globalization;

namespace SharpTune.Data.Generated;

/// <summary>
/// "Which of two numbers is larger?" — a task with one right answer per question, for fine-tuning a model that
/// has never seen it and measuring the gain. Questions are phrased many ways; about a third of the pairs are very
/// close (they share every digit but the last, or differ by at most 3); answers show the comparison the way a person
/// would make it: by the number of digits, else digit by digit from the left until the digits differ.
/// </summary>
public static class LargerNumberTask
{
    /// <summary>The name a dataset entry gives: <c>generate: larger_number</c>.</summary>
    public const string Name = "larger_number";

    // Many openings, the numbers last: a tiny model finds them at the end of the question, however it is asked.
    private static readonly string[] Questions =
    [
        "Which is larger, {0} or {1}?",
        "Which number is bigger: {0} or {1}?",
        "Which is greater, {0} or {1}?",
        "Tell me the larger number: {0} or {1}.",
        "Which one is more: {0} or {1}?",
        "Pick the bigger number: {0} or {1}.",
        "What is the larger number, {0} or {1}?",
        "Which is the larger value: {0} or {1}?",
        "Which one is greater, {0} or {1}?",
        "Quick question: which is larger, {0} or {1}?",
        "I need the bigger one of two numbers: {0} or {1}.",
        "Compare these and tell me which is larger: {0} or {1}.",
        "which is bigger {0} or {1}",
        "Larger one: {0} or {1}?",
    ];

    /// <summary>The question phrasings ({0} and {1} are the numbers, in the order asked).</summary>
    public static IReadOnlyList<string> Phrasings => Questions;

    /// <summary><paramref name="count"/> question/answer pairs, the same for the same <paramref name="seed"/>.</summary>
    public static IEnumerable<(string Question, string Answer)> Generate(int count, long seed) =>
        Ask(count, seed).Select(q => (q.Question, Answer(q.A, q.B)));

    /// <summary><paramref name="count"/> questions with the two numbers they ask about, the same for the same <paramref name="seed"/> (those of <see cref="Generate"/>).</summary>
    public static IEnumerable<(int A, int B, string Question)> Ask(int count, long seed)
    {
        var random = new Random((int)(seed & int.MaxValue) ^ 0x5eed);
        for (int i = 0; i < count; i++)
        {
            var (a, b) = Pair(random);
            yield return (a, b, string.Format(CultureInfo.InvariantCulture, Questions[random.Next(Questions.Length)], a, b));
        }
    }

    /// <summary>The answer to a question about <paramref name="a"/> and <paramref name="b"/> (asked in that order; they differ).</summary>
    public static string Answer(int a, int b)
    {
        if (a == b) throw new ArgumentException("the numbers must differ");
        string x = a.ToString(CultureInfo.InvariantCulture), y = b.ToString(CultureInfo.InvariantCulture);
        string larger = a > b ? x : y;
        if (x.Length != y.Length)
            return $"{x} has {Digits(x.Length)} and {y} has {Digits(y.Length)}, so {larger} is larger.";
        var steps = new List<string>();
        for (int i = 0; i < x.Length; i++)
        {
            char sign = x[i] == y[i] ? '=' : x[i] < y[i] ? '<' : '>';
            steps.Add($"{x[i]} {sign} {y[i]}");
            if (sign != '=') break;
        }
        return $"{x} vs {y}: {string.Join(", ", steps)}, so {larger} is larger.";
    }

    private static string Digits(int n) => n == 1 ? "1 digit" : $"{n} digits";

    /// <summary>Two different numbers from 0 to 999: mostly of the same length, often very close.</summary>
    private static (int A, int B) Pair(Random random)
    {
        while (true)
        {
            int kind = random.Next(12);
            int length = random.Next(10) switch { 0 => 1, < 7 => 2, _ => 3 };
            int a = RandomOfLength(random, length), b;
            if (kind < 3) b = RandomOfLength(random, (length + random.Next(1, 3) - 1) % 3 + 1); // another length
            else if (kind < 6) b = a - a % 10 + random.Next(10);        // the same digits but the last
            else if (kind < 8) b = a + random.Next(-3, 4);              // within 3
            else b = RandomOfLength(random, length);
            if (b < 0 || b > 999 || a == b) continue;
            return random.Next(2) == 0 ? (a, b) : (b, a);
        }
    }

    private static int RandomOfLength(Random random, int length) => length switch
    {
        1 => random.Next(0, 10),
        2 => random.Next(10, 100),
        _ => random.Next(100, 1000),
    };
}
