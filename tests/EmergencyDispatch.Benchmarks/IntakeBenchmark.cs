using System.Diagnostics;
using EmergencyDispatch.Api.V1;
using Grpc.Net.Client;
using Microsoft.Data.Sqlite;

namespace EmergencyDispatch.Benchmarks;

/// <summary>
/// Demand intake under load: 1,000-line batches from a few clients, then single-line submissions from 32 concurrent
/// clients; prints throughput and p50/p99 latency, then counts the stored rows against the acknowledged ones.
/// </summary>
public static class IntakeBenchmark
{
    private const int Skus = 30;
    private const int Regions = 31;

    public static async Task RunAsync(string url, string? databasePath, double scale)
    {
        using var channel = GrpcChannel.ForAddress(url, new GrpcChannelOptions
        {
            HttpHandler = Credentials.Handler(),
        });
        var registry = new RegistryService.RegistryServiceClient(channel);
        var demand = new DemandService.DemandServiceClient(channel);
        await RegisterAsync(registry);
        var run = Guid.NewGuid().ToString("N")[..8];

        // Warm-up: JIT and connection set-up on both sides.
        await demand.SubmitDemandsAsync(Batch($"w{run}", 0, 1000));
        for (var i = 0; i < 200; i++)
            await demand.SubmitDemandsAsync(Batch($"ws{run}", i, 1));

        var batches = (int)(300 * scale);
        var batchLatency = new Latency();
        var acknowledged = 1000L + 200;
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, 4), async (client, _) =>
        {
            var samples = new List<double>();
            for (var b = client; b < batches; b += 4)
            {
                var t = Stopwatch.GetTimestamp();
                var r = await demand.SubmitDemandsAsync(Batch($"b{run}", b, 1000));
                samples.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                Interlocked.Add(ref acknowledged, r.Created);
            }
            batchLatency.Add(samples);
        });
        var batchSeconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"SubmitDemands, 1,000-line batches from 4 clients: {batches} batches, {batches * 1000:N0} lines in {batchSeconds:F2} s = {batches * 1000 / batchSeconds:N0} lines/s; batch latency p50 {batchLatency.Percentile(50):F1} ms, p99 {batchLatency.Percentile(99):F1} ms");

        const int clients = 32;
        var perClient = (int)(1500 * scale);
        var singleLatency = new Latency();
        clock.Restart();
        await Parallel.ForEachAsync(Enumerable.Range(0, clients), new ParallelOptions { MaxDegreeOfParallelism = clients }, async (client, _) =>
        {
            var samples = new List<double>(perClient);
            for (var i = 0; i < perClient; i++)
            {
                var t = Stopwatch.GetTimestamp();
                var r = await demand.SubmitDemandsAsync(Batch($"s{run}-{client}", i, 1));
                samples.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                Interlocked.Add(ref acknowledged, r.Created);
            }
            singleLatency.Add(samples);
        });
        var singleSeconds = clock.Elapsed.TotalSeconds;
        var requests = clients * perClient;
        Console.WriteLine($"SubmitDemands, single lines from {clients} concurrent clients: {requests:N0} requests in {singleSeconds:F2} s = {requests / singleSeconds:N0} requests/s; latency p50 {singleLatency.Percentile(50):F2} ms, p99 {singleLatency.Percentile(99):F2} ms");

        if (databasePath is not null)
        {
            using var connection = new SqliteConnection($"Data Source={databasePath};Mode=ReadOnly");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM demand";
            var stored = (long)command.ExecuteScalar()!;
            Console.WriteLine($"durability: {acknowledged:N0} lines acknowledged, {stored:N0} rows stored ({(stored == acknowledged ? "all present" : "MISMATCH")})");
        }
    }

    private static SubmitDemandsRequest Batch(string prefix, int index, int lines)
    {
        var request = new SubmitDemandsRequest();
        for (var i = 0; i < lines; i++)
        {
            var n = index * lines + i;
            request.Lines.Add(new DemandLine
            {
                RequestId = $"{prefix}-{index}-{i}",
                Sku = $"SKU-{n % Skus:D2}",
                Quantity = 100 + n % 5000,
                Region = $"R{n % Regions:D2}",
                DueDate = $"2020-02-{3 + n % 20:D2}",
                Priority = (Priority)(1 + n % 4),
            });
        }
        return request;
    }

    private static async Task RegisterAsync(RegistryService.RegistryServiceClient registry)
    {
        var products = new UpsertProductsRequest();
        for (var s = 0; s < Skus; s++)
            products.Products.Add(new Product { Sku = $"SKU-{s:D2}", Name = $"Product {s}", Unit = "piece" });
        await registry.UpsertProductsAsync(products);
        var factories = new UpsertFactoriesRequest();
        for (var r = 0; r < Regions; r++)
            factories.Factories.Add(new Factory { FactoryId = $"F-{r:D2}", Name = $"Factory {r}", Region = $"R{r:D2}" });
        await registry.UpsertFactoriesAsync(factories);
    }
}
