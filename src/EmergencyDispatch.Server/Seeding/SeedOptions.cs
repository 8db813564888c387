namespace EmergencyDispatch.Server.Seeding;

/// <summary>Loading a scenario into an empty database at start-up, bound to <c>Dispatch:Seed</c>.</summary>
public sealed class SeedOptions
{
    /// <summary>Whether to load the scenario when the database holds no products and no demand.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The scenario folder (MODEL.md format), relative to the working directory.</summary>
    public string Directory { get; set; } = "seeds";
}
