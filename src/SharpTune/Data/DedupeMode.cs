namespace SharpTune.Data;

/// <summary>Which duplicates the cleaner removes (<c>cleaning.dedupe:</c>).</summary>
public enum DedupeMode
{
    /// <summary>Keep duplicates.</summary>
    None,
    /// <summary>Drop records whose text equals an earlier one's (after whitespace is collapsed).</summary>
    Exact,
    /// <summary>Drop exact duplicates, and near duplicates found by MinHash LSH.</summary>
    Near,
}
