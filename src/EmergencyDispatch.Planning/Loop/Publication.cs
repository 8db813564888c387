namespace EmergencyDispatch.Planning.Loop;

/// <summary>The states of a stored plan.</summary>
public static class PlanStates
{
    /// <summary>Stored, not published: factories see none of it.</summary>
    public const string Draft = "DRAFT";

    /// <summary>The published plan whose assignments factories work on; at most one at a time.</summary>
    public const string Active = "ACTIVE";

    /// <summary>Was active until a later plan was published.</summary>
    public const string Superseded = "SUPERSEDED";
}

/// <summary>Whether a plan may be published now.</summary>
/// <param name="Publish">Publish it: supersede the active plan and give factories its work.</param>
/// <param name="AlreadyActive">It is the active plan already: nothing to do.</param>
/// <param name="Refusal">Why it may not be published (null when it may, or is already active).</param>
public sealed record PublishDecision(bool Publish, bool AlreadyActive, string? Refusal);

/// <summary>
/// The publication rules of the factory loop, as pure code the plan store applies in its transaction: which plan may
/// become the active one, and which of its units become new work once the commitments it kept are counted.
/// </summary>
public static class Publication
{
    /// <summary>
    /// A draft may be published while the world it was made from still holds: the plan active now is the one it was
    /// made against (its baseline), and no assignment changed since it read the factory loop (version
    /// <paramref name="loopVersion"/>). The active plan again is a no-op; a superseded plan is refused.
    /// </summary>
    public static PublishDecision Decide(long planId, string status, long? baselinePlanId, long loopVersion, long? activePlanId, long currentVersion)
    {
        if (status == PlanStates.Active)
            return new PublishDecision(false, true, null);
        if (status != PlanStates.Draft)
            return Refuse($"plan {planId} is {status}: only a draft can be published");
        if (activePlanId != baselinePlanId)
            return Refuse($"plan {planId} was made while {Describe(baselinePlanId)} was active, and {Describe(activePlanId)} is active now: make a new plan");
        if (currentVersion > loopVersion)
        {
            return Refuse(
                $"assignments changed after plan {planId} was made (factories acknowledged or reported, or a demand was cancelled): make a new plan that keeps what they said");
        }
        return new PublishDecision(true, false, null);
    }

    /// <summary>
    /// The units of each plan row that become new work: a kept commitment's units are part of the plan's rows at the
    /// same factory, demand and production day, so they are taken off those rows (in row order) and stay with the
    /// accepted assignment they belong to. Rows left with nothing are not returned.
    /// </summary>
    public static IEnumerable<(T Row, long Quantity)> NewWork<T, TKey>(
        IEnumerable<T> rows, Func<T, TKey> key, Func<T, long> quantity, IEnumerable<(TKey Key, long Quantity)> committed)
        where TKey : notnull
    {
        var left = new Dictionary<TKey, long>();
        foreach (var (k, units) in committed)
            left[k] = left.GetValueOrDefault(k) + units;
        foreach (var row in rows)
        {
            var k = key(row);
            var units = quantity(row);
            if (left.TryGetValue(k, out var kept))
            {
                var covered = Math.Min(kept, units);
                units -= covered;
                left[k] = kept - covered;
            }
            if (units > 0)
                yield return (row, units);
        }
    }

    private static PublishDecision Refuse(string why) => new(false, false, why);

    private static string Describe(long? planId) => planId is { } id ? $"plan {id}" : "no plan";
}
