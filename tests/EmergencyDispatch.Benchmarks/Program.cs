using EmergencyDispatch.Benchmarks;

// dotnet run -c Release --project tests/EmergencyDispatch.Benchmarks -- intake [--server URL]
return await BenchmarkCli.RunAsync(args);
