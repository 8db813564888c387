namespace EmergencyDispatch.Benchmarks;

/// <summary>Latency samples of many concurrent workers, and their percentiles.</summary>
public sealed class Latency
{
    private readonly List<double> _samples = [];
    private readonly Lock _lock = new();

    public void Add(List<double> samplesMs)
    {
        lock (_lock)
            _samples.AddRange(samplesMs);
    }

    public int Count => _samples.Count;

    public double Percentile(double p)
    {
        var sorted = _samples.Order().ToArray();
        if (sorted.Length == 0)
            return double.NaN;
        return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}
