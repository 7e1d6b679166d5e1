using static TorchSharp.torch;

namespace SharpTune.Distributed;

/// <summary>
/// The collective operations data-parallel training needs, over one engine (MPI for CPU tensors, NCCL for CUDA
/// tensors). Every rank must call the same operations in the same order with tensors of the same shape and dtype;
/// tensors must be contiguous (a failure names the operation and the rank).
/// </summary>
public interface ICollectives : IDisposable
{
    /// <summary>This process's rank, 0 … <see cref="WorldSize"/> − 1.</summary>
    int Rank { get; }

    /// <summary>The number of processes.</summary>
    int WorldSize { get; }

    /// <summary>The engine's name, e.g. <c>mpi</c> or <c>nccl</c>.</summary>
    string Engine { get; }

    /// <summary>Replaces <paramref name="tensor"/> on every rank with the sum of it over all ranks.</summary>
    void AllReduceSum(Tensor tensor);

    /// <summary>Sums <paramref name="input"/> over the ranks and leaves block <see cref="Rank"/> of the sum (of <paramref name="output"/>'s size; <paramref name="input"/> holds <see cref="WorldSize"/> such blocks) in <paramref name="output"/>.</summary>
    void ReduceScatterSum(Tensor input, Tensor output);

    /// <summary>Fills <paramref name="output"/> (<see cref="WorldSize"/> blocks of <paramref name="input"/>'s size) with every rank's <paramref name="input"/>, in rank order.</summary>
    void AllGather(Tensor input, Tensor output);

    /// <summary>Copies <paramref name="tensor"/> of rank <paramref name="root"/> into <paramref name="tensor"/> on every other rank.</summary>
    void Broadcast(Tensor tensor, int root);

    /// <summary>Returns once every rank has called it.</summary>
    void Barrier();
}
