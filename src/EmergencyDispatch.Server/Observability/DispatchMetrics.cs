using System.Diagnostics.Metrics;
using EmergencyDispatch.Planning.Model;
using EmergencyDispatch.Planning.Plans;
using EmergencyDispatch.Server.Persistence;

namespace EmergencyDispatch.Server.Observability;

/// <summary>
/// The service's own meter (<see cref="MeterName"/>), exported for Prometheus at <c>/metrics</c> on the HTTP port:
/// solves (time per step and in all, time-limit hits, the fill per priority of the last plan), the planning queue
/// (its length and each request's wait), the writer (group size, commit time), open streams and every call's status
/// per method (grpc-dotnet has no meters of its own).
/// </summary>
public sealed class DispatchMetrics : IDisposable
{
    public const string MeterName = "EmergencyDispatch";

    private readonly Meter _meter;
    private readonly Histogram<double> _stepSeconds;
    private readonly Histogram<double> _solveSeconds;
    private readonly Counter<long> _timeLimitHits;
    private readonly Histogram<double> _queueWait;
    private readonly Histogram<int> _groupSize;
    private readonly Histogram<double> _commitSeconds;
    private readonly UpDownCounter<int> _openStreams;
    private readonly Counter<long> _calls;
    private volatile IReadOnlyList<Measurement<double>> _fill = [];
    private Func<int> _queueLength = () => 0;

    /// <summary>Buckets of the time histograms, in seconds: from a commit's half millisecond to a solve's ten minutes.</summary>
    private static readonly InstrumentAdvice<double> Seconds = new()
    {
        HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    };

    public DispatchMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        _stepSeconds = _meter.CreateHistogram<double>("dispatch.plan.step.duration", "s", "Time of one objective step of a solve (MODEL.md's steps)", advice: Seconds);
        _solveSeconds = _meter.CreateHistogram<double>("dispatch.plan.solve.duration", "s", "Time of a whole solve: plans, replays and budget sweeps", advice: Seconds);
        _timeLimitHits = _meter.CreateCounter<long>("dispatch.plan.time_limit.hits", description: "Solves that ran out of their time limit before the last step");
        _queueWait = _meter.CreateHistogram<double>("dispatch.plan.queue.wait", "s", "Time a plan request, replay or sweep waited in the planning queue", advice: Seconds);
        _meter.CreateObservableGauge("dispatch.plan.queue.length", () => _queueLength(), description: "Plan requests, replays and sweeps waiting behind the running solve");
        _meter.CreateObservableGauge("dispatch.plan.last.fill_ratio", () => _fill,
            description: "The last plan's units per priority on time (measure=on_time) or delivered (measure=delivered), over the priority's demanded units");
        _groupSize = _meter.CreateHistogram<int>("dispatch.writer.group.size", "{write}", "Writes committed together in one transaction",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512] });
        _commitSeconds = _meter.CreateHistogram<double>("dispatch.writer.commit.duration", "s", "Time of one group commit, from its first statement to the commit on disk", advice: Seconds);
        _openStreams = _meter.CreateUpDownCounter<int>("dispatch.rpc.streams.open", "{stream}", "Server streams open now (watches, plan progress)");
        _calls = _meter.CreateCounter<long>("dispatch.rpc.calls", "{call}", "Calls by method and final status (gRPC and HTTP/JSON alike)");
    }

    /// <summary>Where the queue gauge reads the number of waiting requests (the coordinator's).</summary>
    public void ObserveQueue(Func<int> waiting) => _queueLength = waiting;

    public void Waited(TimeSpan wait, string kind) => _queueWait.Record(wait.TotalSeconds, new KeyValuePair<string, object?>("kind", kind));

    /// <summary>A solve ended: its steps' times, its whole time, whether the time limit cut it short.</summary>
    public void Solved(PlanResult result, TimeSpan elapsed, string kind)
    {
        foreach (var timing in result.Timings)
            _stepSeconds.Record(timing.Elapsed.TotalSeconds, new KeyValuePair<string, object?>("step", timing.Step.Name));
        _solveSeconds.Record(elapsed.TotalSeconds, new("kind", kind), new("completion", result.Completion.ToString()));
        if (result.Completion == PlanCompletion.TimeLimit)
            _timeLimitHits.Add(1, new KeyValuePair<string, object?>("kind", kind));
    }

    /// <summary>A plan was made: its fill per priority (as stored with it) becomes the gauge's.</summary>
    public void Planned(IEnumerable<PlanPriorityRow> tiers)
    {
        var fill = new List<Measurement<double>>();
        foreach (var tier in tiers.Where(t => t.Quantity > 0))
        {
            var priority = new KeyValuePair<string, object?>("priority", ((Priority)tier.Priority).ToString().ToUpperInvariant());
            fill.Add(new((double)tier.OnTime / tier.Quantity, priority, new("measure", "on_time")));
            fill.Add(new((double)(tier.OnTime + tier.Late) / tier.Quantity, priority, new("measure", "delivered")));
        }
        _fill = fill;
    }

    public void Committed(int writes, TimeSpan elapsed)
    {
        _groupSize.Record(writes);
        _commitSeconds.Record(elapsed.TotalSeconds);
    }

    public void StreamOpened(string method) => _openStreams.Add(1, new KeyValuePair<string, object?>("method", method));

    public void StreamClosed(string method) => _openStreams.Add(-1, new KeyValuePair<string, object?>("method", method));

    public void Called(string method, string status) => _calls.Add(1, new("method", method), new("status", status));

    public void Dispose() => _meter.Dispose();
}
