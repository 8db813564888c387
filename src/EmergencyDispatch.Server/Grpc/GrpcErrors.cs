using System.Diagnostics.CodeAnalysis;
using EmergencyDispatch.Planning.Model;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace EmergencyDispatch.Server.Grpc;

/// <summary>The one place where failures become gRPC statuses; no exception text ever reaches a client.</summary>
public static class GrpcErrors
{
    /// <summary>
    /// Most bytes of field violations one status carries. The status travels in HTTP/2 trailers, and clients refuse
    /// large ones (grpc-dotnet past 64 KB, as UNAVAILABLE; gRPC C-core from 8 KB): a batch with a thousand bad items
    /// would otherwise reach its caller as a transport failure instead of INVALID_ARGUMENT.
    /// </summary>
    public const int MaxViolationBytes = 4096;

    /// <summary>INVALID_ARGUMENT with a google.rpc.BadRequest that names the offending fields, as many as fit in <see cref="MaxViolationBytes"/> (at least one).</summary>
    public static RpcException InvalidArgument(IReadOnlyCollection<Violation> violations)
    {
        var badRequest = new BadRequest();
        var bytes = 0;
        foreach (var v in violations)
        {
            var violation = new BadRequest.Types.FieldViolation { Field = v.Field, Description = v.Description };
            bytes += 1 + CodedOutputStream.ComputeMessageSize(violation);
            if (badRequest.FieldViolations.Count > 0 && bytes > MaxViolationBytes)
                break;
            badRequest.FieldViolations.Add(violation);
        }
        var first = violations.First();
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

    [DoesNotReturn]
    public static T ThrowNotFound<T>(string what) => throw new RpcException(new global::Grpc.Core.Status(StatusCode.NotFound, what));

    /// <summary>ALREADY_EXISTS naming the field whose value is taken.</summary>
    public static RpcException AlreadyExists(string field, string description)
    {
        var badRequest = new BadRequest();
        badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = field, Description = description });
        return Status(global::Google.Rpc.Code.AlreadyExists, $"{field}: {description}", badRequest);
    }

    /// <summary>RESOURCE_EXHAUSTED: a limit of the service (such as the planning queue) is reached; the caller may retry later.</summary>
    public static RpcException ResourceExhausted(string message) =>
        new(new global::Grpc.Core.Status(StatusCode.ResourceExhausted, message));

    /// <summary>UNAVAILABLE: the service cannot do it now (it is stopping); the caller may retry.</summary>
    public static RpcException Unavailable(string message) =>
        new(new global::Grpc.Core.Status(StatusCode.Unavailable, message));

    public static RpcException FailedPrecondition(string message) =>
        new(new global::Grpc.Core.Status(StatusCode.FailedPrecondition, message));

    private static RpcException Status(global::Google.Rpc.Code code, string message, BadRequest detail) =>
        new global::Google.Rpc.Status { Code = (int)code, Message = message, Details = { Any.Pack(detail) } }.ToRpcException();
}
