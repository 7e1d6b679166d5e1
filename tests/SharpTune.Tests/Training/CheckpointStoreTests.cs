using SharpTune.Training.Checkpoints;

namespace SharpTune.Tests.Training;

public sealed class CheckpointStoreTests
{
    [Fact]
    public void Latest_is_the_newest_complete_checkpoint_and_a_partial_one_is_ignored()
    {
        using var tmp = new TempFolder();
        var store = new CheckpointStore(tmp.Path);
        store.Save(new TrainerState { GlobalStep = 10 }, dir => File.WriteAllText(Path.Combine(dir, "w"), "10"));
        store.Save(new TrainerState { GlobalStep = 20, BestMetric = 1.5 }, dir => File.WriteAllText(Path.Combine(dir, "w"), "20"));
        // A run killed while writing leaves a temporary folder, or a checkpoint-N without its state.
        Directory.CreateDirectory(Path.Combine(store.Folder, ".partial-abc"));
        Directory.CreateDirectory(store.PathOf(30));
        Assert.Equal(store.PathOf(20), store.Latest());
        var state = TrainerState.Load(store.Latest()!);
        Assert.Equal(20, state.GlobalStep);
        Assert.Equal(1.5, state.BestMetric);
    }

    [Fact]
    public void A_failed_write_leaves_no_checkpoint()
    {
        using var tmp = new TempFolder();
        var store = new CheckpointStore(tmp.Path);
        Assert.Throws<InvalidOperationException>(() => store.Save(new TrainerState { GlobalStep = 5 }, _ => throw new InvalidOperationException("disk")));
        Assert.Null(store.Latest());
        Assert.Empty(Directory.GetDirectories(store.Folder));
    }

    [Fact]
    public void Prune_keeps_the_newest_and_the_best()
    {
        using var tmp = new TempFolder();
        var store = new CheckpointStore(tmp.Path);
        foreach (long step in new long[] { 10, 20, 30, 40, 50 }) store.Save(new TrainerState { GlobalStep = step }, _ => { });
        Directory.CreateDirectory(Path.Combine(store.Folder, ".partial-x"));
        store.Prune(limit: 2, keepStep: 20);
        Assert.Equal([20L, 40, 50], store.Steps());
        Assert.False(Directory.Exists(Path.Combine(store.Folder, ".partial-x")));
    }
}
