namespace EmergencyDispatch.Planning.Loop;

/// <summary>The states of a factory's assignment, as stored.</summary>
public static class AssignmentStates
{
    /// <summary>Published, not yet acknowledged.</summary>
    public const string Pending = "PENDING";

    /// <summary>The factory will produce it (and may have reported part of it).</summary>
    public const string Accepted = "ACCEPTED";

    /// <summary>The factory will not produce it.</summary>
    public const string Rejected = "REJECTED";

    /// <summary>Closed with every unit of its quantity reported produced.</summary>
    public const string Done = "DONE";

    /// <summary>No longer wanted (a later plan replaced it, or its demand was cancelled); produce nothing more for it.</summary>
    public const string Withdrawn = "WITHDRAWN";
}

/// <summary>What an ACCEPT or REJECT does to an assignment in a given state.</summary>
public enum AcknowledgeRule
{
    /// <summary>The assignment takes the decision.</summary>
    Apply,

    /// <summary>The assignment already is where the decision leads (or past it): answer with it as it is, write nothing.</summary>
    Unchanged,

    /// <summary>The decision contradicts the assignment's state.</summary>
    Refuse,
}

/// <summary>What cancelling its demand does to an assignment in a given state.</summary>
public enum CancelRule
{
    /// <summary>Not live (rejected, done or withdrawn already): left as it is.</summary>
    Keep,

    /// <summary>Live with nothing reported: withdrawn.</summary>
    Withdraw,

    /// <summary>Live with units reported: closed as done at the units reported, which stay counted.</summary>
    CloseAtReported,
}

/// <summary>The assignment state machine of the factory loop, as pure rules the stores apply in their transactions.</summary>
public static class AssignmentRules
{
    /// <summary>
    /// ACCEPT applies to a pending assignment and is answered unchanged by one accepted or later (in progress, done):
    /// a factory retrying it after reporting gets the assignment back. REJECT applies to a pending assignment and is
    /// answered unchanged by a rejected one. Anything else is refused.
    /// </summary>
    public static AcknowledgeRule Acknowledge(string status, bool accept) => (status, accept) switch
    {
        (AssignmentStates.Pending, _) => AcknowledgeRule.Apply,
        (AssignmentStates.Accepted or AssignmentStates.Done, true) => AcknowledgeRule.Unchanged,
        (AssignmentStates.Rejected, false) => AcknowledgeRule.Unchanged,
        _ => AcknowledgeRule.Refuse,
    };

    /// <summary>
    /// A cancelled demand's live assignments stop: one with nothing reported is withdrawn, one with units reported is
    /// closed at what was reported (those units were made and stay the demand's). Others are left as they are.
    /// </summary>
    public static CancelRule OnDemandCancelled(string status, long produced) => status switch
    {
        AssignmentStates.Pending or AssignmentStates.Accepted => produced > 0 ? CancelRule.CloseAtReported : CancelRule.Withdraw,
        _ => CancelRule.Keep,
    };
}
