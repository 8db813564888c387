using EmergencyDispatch.Planning.Scenarios;

namespace EmergencyDispatch.Testing;

/// <summary>Assertions on whole scenarios.</summary>
public static class ScenarioAssert
{
    /// <summary>Every list and setting of the two scenarios is equal, in order.</summary>
    /// <summary>Asserts two scenarios hold the same rows in the same order (the record's lists compare by reference).</summary>
    public static void Same(Scenario expected, Scenario actual)
    {
        Assert.Equal(expected.Products, actual.Products);
        Assert.Equal(expected.Factories, actual.Factories);
        Assert.Equal(expected.Capabilities, actual.Capabilities);
        Assert.Equal(expected.Availability, actual.Availability);
        Assert.Equal(expected.Lanes, actual.Lanes);
        Assert.Equal(expected.Demands, actual.Demands);
        Assert.Equal(expected.StartDate, actual.StartDate);
        Assert.Equal(expected.HorizonDays, actual.HorizonDays);
    }
}
