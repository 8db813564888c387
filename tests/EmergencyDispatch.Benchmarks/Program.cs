using EmergencyDispatch.Benchmarks;

// dotnet run -c Release --project tests/EmergencyDispatch.Benchmarks -- intake [--server URL] [--scale N]
// dotnet run -c Release --project tests/EmergencyDispatch.Benchmarks -- plan [--size province|national|continental|all] [--time-limit S] [--supply] [--options N]
// dotnet run -c Release --project tests/EmergencyDispatch.Benchmarks -- loop [--server URL]
// dotnet run -c Release --project tests/EmergencyDispatch.Benchmarks -- audit [--plans N]
return await BenchmarkCli.RunAsync(args);
