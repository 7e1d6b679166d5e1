namespace SharpTune.Training;

/// <summary>One line of a <see cref="MemoryPlan"/>.</summary>
/// <param name="Name">What the bytes hold, e.g. <c>weights</c>, <c>optimizer state</c>.</param>
/// <param name="DeviceBytes">Bytes on the training device.</param>
/// <param name="HostBytes">Bytes in host memory (paged optimizer state).</param>
/// <param name="Detail">How the number was reached, in a few words.</param>
public sealed record MemoryPlanRow(string Name, long DeviceBytes, long HostBytes, string Detail);
