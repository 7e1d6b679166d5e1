using TorchSharp;

namespace SharpTune.IO;

/// <summary>A tensor about to be written: its name, the caller's tensor and the facts the header needs.</summary>
internal sealed record PendingTensor(string Name, torch.Tensor Tensor, SafetensorsDtype Dtype, long[] Shape, long ByteCount);
