
namespace EmergencyDispatch.Tests.Scenarios;

/// <summary>The repository's copy of the model (docs/model.md) is the shared model page, byte for byte.</summary>
public sealed class ModelDocumentTests
{
    [Fact]
    public void TheModelInTheRepositoryIsTheSharedModelPage()
    {
        var copy = Path.Combine(RepositoryPaths.Root, "docs", "model.md");
        var shared = Path.Combine(RepositoryPaths.Root, "..", "shared", "MODEL.md");

        Assert.True(File.Exists(copy), "docs/model.md is missing");
        if (!File.Exists(shared))
            return; // A clone without the shared pages beside it: nothing to compare with.
        Assert.True(File.ReadAllBytes(shared).AsSpan().SequenceEqual(File.ReadAllBytes(copy)),
            "docs/model.md differs from ../shared/MODEL.md: copy the shared page into the repository");
    }
}
