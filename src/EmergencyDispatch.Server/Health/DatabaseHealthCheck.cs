using Dapper;
using EmergencyDispatch.Server.Persistence;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EmergencyDispatch.Server.Health;

/// <summary>Healthy while the database answers a query on its schema.</summary>
public sealed class DatabaseHealthCheck(Database database) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var connection = database.Open();
            var migrations = connection.ExecuteScalar<long>(new CommandDefinition("SELECT count(*) FROM schema_migrations", cancellationToken: cancellationToken));
            return Task.FromResult(migrations > 0
                ? HealthCheckResult.Healthy("database answers")
                : HealthCheckResult.Unhealthy("database has no schema"));
        }
        catch (Exception e)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("database does not answer", e));
        }
    }
}
