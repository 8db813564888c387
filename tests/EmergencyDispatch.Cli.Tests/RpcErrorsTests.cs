using EmergencyDispatch.Cli.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace EmergencyDispatch.Tests.Cli;

public class RpcErrorsTests
{
    public static RpcException BadRequest(string message, params (string Field, string Description)[] violations)
    {
        var badRequest = new BadRequest();
        foreach (var (field, description) in violations)
            badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = field, Description = description });
        var status = new Google.Rpc.Status { Code = (int)Code.InvalidArgument, Message = message, Details = { Any.Pack(badRequest) } };
        return status.ToRpcException();
    }

    [Fact]
    public void StatusIsPrintedWithOneLinePerFieldViolation()
    {
        var error = BadRequest("2 lines are invalid", ("lines[0].sku", "unknown sku 'SOAP'"), ("lines[1].quantity", "must be greater than 0"));

        var lines = RpcErrors.Format(error, "http://localhost:5000");

        Assert.Equal(
            ["error: InvalidArgument: 2 lines are invalid", "  lines[0].sku: unknown sku 'SOAP'", "  lines[1].quantity: must be greater than 0"],
            lines);
    }

    [Fact]
    public void StatusWithoutDetailsIsPrintedOnOneLine()
    {
        var error = new RpcException(new Grpc.Core.Status(StatusCode.NotFound, "demand 9 does not exist"));

        var lines = RpcErrors.Format(error, "http://localhost:5000");

        Assert.Equal(["error: NotFound: demand 9 does not exist"], lines);
    }

    [Fact]
    public void UnavailableServerThatAnsweredIsNotCalledUnreachable()
    {
        var error = new RpcException(new Grpc.Core.Status(StatusCode.Unavailable, "shutting down"));

        var lines = RpcErrors.Format(error, "http://localhost:5000");

        Assert.Equal(["error: Unavailable: shutting down"], lines);
    }
}
