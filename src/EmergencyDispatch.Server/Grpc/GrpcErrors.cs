using System.Diagnostics.CodeAnalysis;
using EmergencyDispatch.Planning.Model;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace EmergencyDispatch.Server.Grpc;

/// <summary>
/// The one place where failures become gRPC statuses; no exception text ever reaches a client. Every message quotes
/// what a caller sent through <see cref="ErrorText"/> (at most 64 characters of a value, then "…(N chars)"), and a
/// status with its details stays well within what every common client takes in its trailers (gRPC C-core refuses
/// metadata from 8 KB): at most <see cref="MaxMessageChars"/> characters of message and <see cref="MaxViolationBytes"/>
/// bytes of field violations.
/// </summary>
public static class GrpcErrors
{
    /// <summary>
    /// Most bytes of field violations one status carries (before base64). A batch with a thousand bad items would
    /// otherwise reach its caller as a transport failure instead of INVALID_ARGUMENT.
    /// </summary>
    public const int MaxViolationBytes = 3072;

    /// <summary>Most characters of a status message: its own words and the values it quotes.</summary>
    public const int MaxMessageChars = 500;

    /// <summary>INVALID_ARGUMENT with a google.rpc.BadRequest that names the offending fields, as many as fit in <see cref="MaxViolationBytes"/> (at least one).</summary>
    public static RpcException InvalidArgument(IReadOnlyCollection<Violation> violations)
    {
        var badRequest = new BadRequest();
        var bytes = 0;
        foreach (var v in violations)
        {
            var violation = new BadRequest.Types.FieldViolation { Field = ErrorText.Quote(v.Field), Description = ErrorText.Cut(v.Description, ErrorText.MaxDescription) };
            bytes += 1 + CodedOutputStream.ComputeMessageSize(violation);
            if (badRequest.FieldViolations.Count > 0 && bytes > MaxViolationBytes)
                break;
            badRequest.FieldViolations.Add(violation);
        }
        var first = badRequest.FieldViolations[0];
        var listed = badRequest.FieldViolations.Count;
        var message = violations.Count == 1
            ? $"{first.Field}: {first.Description}"
            : listed == violations.Count
                ? $"{first.Field}: {first.Description} (and {violations.Count - 1} more field violations)"
                : $"{first.Field}: {first.Description} (and {violations.Count - 1} more field violations; the first {listed} are listed)";
        return Status(global::Google.Rpc.Code.InvalidArgument, message, badRequest);
    }

    /// <summary>Throws INVALID_ARGUMENT when any check found a problem.</summary>
    public static void ThrowIfAny(List<Violation> violations)
    {
        if (violations.Count > 0)
            throw InvalidArgument(violations);
    }

    [DoesNotReturn]
    public static void ThrowInvalid(string field, string description) => throw InvalidArgument([new Violation(field, description)]);

    /// <summary>INVALID_ARGUMENT for a request that is not a message of its type at all (it cannot be parsed).</summary>
    public static RpcException Undecodable(string messageName) =>
        Error(StatusCode.InvalidArgument, $"the request is not a valid {messageName}");

    [DoesNotReturn]
    public static T ThrowNotFound<T>(FormattableString what) => throw Error(StatusCode.NotFound, what);

    /// <summary>ALREADY_EXISTS naming the field whose value is taken.</summary>
    public static RpcException AlreadyExists(string field, FormattableString description)
    {
        var text = ErrorText.Format(description);
        var badRequest = new BadRequest();
        badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = field, Description = ErrorText.Cut(text, ErrorText.MaxDescription) });
        return Status(global::Google.Rpc.Code.AlreadyExists, $"{field}: {text}", badRequest);
    }

    /// <summary>RESOURCE_EXHAUSTED: a limit of the service (such as the planning queue) is reached; the caller may retry later.</summary>
    public static RpcException ResourceExhausted(FormattableString message) => Error(StatusCode.ResourceExhausted, message);

    /// <summary>UNAVAILABLE: the service cannot do it now (it is stopping); the caller may retry.</summary>
    public static RpcException Unavailable(FormattableString message) => Error(StatusCode.Unavailable, message);

    public static RpcException FailedPrecondition(FormattableString message) => Error(StatusCode.FailedPrecondition, message);

    /// <summary>A status of <paramref name="code"/> whose message quotes every string it interpolates (<see cref="ErrorText.Format"/>).</summary>
    public static RpcException Error(StatusCode code, FormattableString message) =>
        new(new global::Grpc.Core.Status(code, ErrorText.Cut(ErrorText.Format(message), MaxMessageChars)));

    private static RpcException Status(global::Google.Rpc.Code code, string message, BadRequest detail) =>
        new global::Google.Rpc.Status { Code = (int)code, Message = ErrorText.Cut(message, MaxMessageChars), Details = { Any.Pack(detail) } }.ToRpcException();
}
