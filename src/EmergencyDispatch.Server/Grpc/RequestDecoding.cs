using System.Reflection;
using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EmergencyDispatch.Server.Grpc;

/// <summary>How the service binds its gRPC services: see <see cref="DecodingServiceMethodProvider{TService}"/>.</summary>
public static class RequestDecoding
{
    /// <summary>Replaces grpc-dotnet's own binder, so that each method of the API is bound once, by this provider.</summary>
    public static void Replace(IServiceCollection services)
    {
        var own = services.Where(d => d.ServiceType == typeof(IServiceMethodProvider<>)
            && d.ImplementationType is { IsGenericTypeDefinition: true, Name: "BinderServiceMethodProvider`1" }).ToList();
        if (own.Count != 1)
            throw new InvalidOperationException("grpc-dotnet's binder of generated services was not found: call AddGrpc first, and check this Grpc.AspNetCore version");
        services.Remove(own[0]);
        services.TryAddEnumerable(ServiceDescriptor.Singleton(typeof(IServiceMethodProvider<>), typeof(DecodingServiceMethodProvider<>)));
    }
}

/// <summary>
/// Binds every gRPC service as grpc-dotnet's own binder does (the generated <c>BindService</c> of its base class), with
/// one difference: a request that is not a valid message of its type is INVALID_ARGUMENT ("the request is not a valid
/// X"), not the UNKNOWN grpc-dotnet gives any exception its deserializer throws. The request is parsed before any
/// interceptor runs, so this is the only place that can say so.
/// </summary>
public sealed class DecodingServiceMethodProvider<TService> : IServiceMethodProvider<TService> where TService : class
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
    {
        if (BindMethod(typeof(TService)) is not { } bind)
            return;
        var binder = new Binder(context, bind.GetParameters()[1].ParameterType);
        bind.Invoke(null, [binder, null]);
    }

    /// <summary>The generated <c>BindService(ServiceBinderBase, TBase)</c> named by the base class's <see cref="BindServiceMethodAttribute"/>.</summary>
    private static MethodInfo? BindMethod(Type type)
    {
        for (var t = type; t is not null; t = t.BaseType)
        {
            if (t.GetCustomAttribute<BindServiceMethodAttribute>(inherit: false) is { } attribute)
            {
                return attribute.BindType.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
                    .FirstOrDefault(m => m.Name == attribute.BindMethodName && m.GetParameters() is [{ ParameterType: var first }, _]
                        && first == typeof(ServiceBinderBase));
            }
        }
        return null;
    }

    private sealed class Binder(ServiceMethodProviderContext<TService> context, Type declaringType) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
            context.AddUnaryMethod(Decoding(method), Metadata(method.Name, out var m),
                Invoker<UnaryServerMethod<TService, TRequest, TResponse>>(m));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddServerStreamingMethod(Decoding(method), Metadata(method.Name, out var m),
                Invoker<ServerStreamingServerMethod<TService, TRequest, TResponse>>(m));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddClientStreamingMethod(Decoding(method), Metadata(method.Name, out var m),
                Invoker<ClientStreamingServerMethod<TService, TRequest, TResponse>>(m));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddDuplexStreamingMethod(Decoding(method), Metadata(method.Name, out var m),
                Invoker<DuplexStreamingServerMethod<TService, TRequest, TResponse>>(m));

        /// <summary>The method with a request deserializer that answers an unparsable message with INVALID_ARGUMENT.</summary>
        private static Method<TRequest, TResponse> Decoding<TRequest, TResponse>(Method<TRequest, TResponse> method)
            where TRequest : class where TResponse : class
        {
            var inner = method.RequestMarshaller.ContextualDeserializer;
            var name = typeof(TRequest).Name;
            var marshaller = Marshallers.Create(method.RequestMarshaller.ContextualSerializer, context =>
            {
                try
                {
                    return inner(context);
                }
                catch (InvalidProtocolBufferException)
                {
                    throw GrpcErrors.Undecodable(name);
                }
            });
            return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, marshaller, method.ResponseMarshaller);
        }

        /// <summary>The service's override of the generated method, and its endpoint metadata (the type's attributes, then the method's).</summary>
        private List<object> Metadata(string name, out MethodInfo handler)
        {
            handler = Handler(name);
            var metadata = new List<object>();
            metadata.AddRange(typeof(TService).GetCustomAttributes(inherit: true));
            metadata.AddRange(handler.GetCustomAttributes(inherit: true));
            metadata.Add(new HttpMethodMetadata(["POST"], acceptCorsPreflight: true));
            return metadata;
        }

        private MethodInfo Handler(string name)
        {
            for (var t = typeof(TService); t is not null; t = t.BaseType)
            {
                var found = t.GetMethods(BindingFlags.Public | BindingFlags.Instance)
                    .FirstOrDefault(m => m.Name == name && m.IsVirtual && m.GetBaseDefinition().DeclaringType == declaringType);
                if (found is not null)
                    return found;
            }
            throw new InvalidOperationException($"{typeof(TService)} has no method {name} of {declaringType}");
        }

        private static TDelegate Invoker<TDelegate>(MethodInfo handler) where TDelegate : Delegate =>
            (TDelegate)Delegate.CreateDelegate(typeof(TDelegate), handler);
    }
}
