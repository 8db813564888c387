using EmergencyDispatch.Planning.Loop;

namespace EmergencyDispatch.Tests.Planning;

/// <summary>The factory loop's state machine, without a host.</summary>
public sealed class AssignmentRulesTests
{
    [Theory]
    [InlineData(AssignmentStates.Pending, true, AcknowledgeRule.Apply)]
    [InlineData(AssignmentStates.Pending, false, AcknowledgeRule.Apply)]
    [InlineData(AssignmentStates.Accepted, true, AcknowledgeRule.Unchanged)]
    [InlineData(AssignmentStates.Done, true, AcknowledgeRule.Unchanged)]
    [InlineData(AssignmentStates.Rejected, false, AcknowledgeRule.Unchanged)]
    [InlineData(AssignmentStates.Accepted, false, AcknowledgeRule.Refuse)]
    [InlineData(AssignmentStates.Done, false, AcknowledgeRule.Refuse)]
    [InlineData(AssignmentStates.Rejected, true, AcknowledgeRule.Refuse)]
    [InlineData(AssignmentStates.Withdrawn, true, AcknowledgeRule.Refuse)]
    [InlineData(AssignmentStates.Withdrawn, false, AcknowledgeRule.Refuse)]
    public void AnAcknowledgementAppliesToPendingWorkAndRepeatsUnchangedOnWorkAlreadyPastIt(string status, bool accept, AcknowledgeRule expected)
    {
        var rule = AssignmentRules.Acknowledge(status, accept);

        Assert.Equal(expected, rule);
    }

    [Theory]
    [InlineData(AssignmentStates.Pending, 0, CancelRule.Withdraw)]
    [InlineData(AssignmentStates.Accepted, 0, CancelRule.Withdraw)]
    [InlineData(AssignmentStates.Accepted, 3, CancelRule.CloseAtReported)]
    [InlineData(AssignmentStates.Done, 5, CancelRule.Keep)]
    [InlineData(AssignmentStates.Rejected, 0, CancelRule.Keep)]
    [InlineData(AssignmentStates.Withdrawn, 0, CancelRule.Keep)]
    public void CancellingADemandWithdrawsItsLiveWorkAndClosesReportedWorkAtWhatWasReported(string status, long produced, CancelRule expected)
    {
        var rule = AssignmentRules.OnDemandCancelled(status, produced);

        Assert.Equal(expected, rule);
    }
}
