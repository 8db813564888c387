using EmergencyDispatch.Planning.Model;

namespace EmergencyDispatch.Tests.Planning;

public sealed class ErrorTextTests
{
    [Fact]
    public void AValueUpToTheLimitIsQuotedWholeAndALongerOneIsCutWithItsLength()
    {
        var limit = new string('a', ErrorText.MaxQuoted);

        Assert.Equal(limit, ErrorText.Quote(limit));
        Assert.Equal(limit + "…(65 chars)", ErrorText.Quote(limit + "b"));
        Assert.Equal("", ErrorText.Quote(""));
    }

    [Fact]
    public void ACutKeepsASurrogatePairWhole()
    {
        var text = new string('a', ErrorText.MaxQuoted - 1) + "😷" + "tail";

        Assert.Equal(new string('a', ErrorText.MaxQuoted - 1) + "…(69 chars)", ErrorText.Quote(text));
    }

    [Fact]
    public void FormatQuotesEveryInterpolatedStringButNotNumbersOrTheServicesOwnText()
    {
        var id = new string('x', 1_000);
        var own = "plan 3 was made while plan 2 was active, and plan 5 is active now: make a new plan";

        var text = ErrorText.Format($"factory {id} has no assignment {1234567L}; {ErrorText.Own(own)} at {1.5}");

        Assert.Equal($"factory {id[..64]}…(1000 chars) has no assignment 1234567; {own} at 1.5", text);
    }
}
