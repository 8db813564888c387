# Build with the SDK (any distribution), run on the Debian-based ASP.NET runtime: .NET 10's plain 10.0 tags are
# Ubuntu, so the runtime names Debian 13 (trixie-slim); OR-Tools' native library does not load on Alpine.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/EmergencyDispatch.Server -c Release -o /app --no-self-contained

FROM mcr.microsoft.com/dotnet/aspnet:10.0-trixie-slim AS runtime
WORKDIR /app
COPY --from=build /app .
COPY seeds ./seeds
RUN mkdir -p /data && chown app:app /data
# gRPC over h2c on port 8080, HTTP/JSON (HTTP/1.1) on 8081; the database lives on the /data volume.
ENV ASPNETCORE_URLS=http://0.0.0.0:8080 \
    Dispatch__Http__Urls=http://0.0.0.0:8081 \
    ConnectionStrings__Dispatch="Data Source=/data/dispatch.db" \
    Dispatch__Seed__Directory=/app/seeds
VOLUME /data
EXPOSE 8080 8081
USER app
ENTRYPOINT ["dotnet", "EmergencyDispatch.Server.dll"]
