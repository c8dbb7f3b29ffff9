# Silo and client images. Ubuntu 24.04 (noble) images: their libstdc++ (GCC 14) has GLIBCXX_3.4.32, so the
# TorchSharp fix for Debian 12 (build/torchsharp-debian12) finds nothing to patch and needs no g++ or patchelf.
#   docker build --target silo   -t countercurrent-silo:latest .
#   docker build --target client -t countercurrent-client:latest .

FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
WORKDIR /src
COPY . .
RUN dotnet publish Silo/Silo.csproj -c Release -o /out/silo \
 && dotnet publish Client/Client.csproj -c Release -o /out/client

# Fashion-MNIST as Debian packages it (IDX files under /usr/share/datasets/fashion-mnist).
FROM debian:bookworm-slim AS data
RUN apt-get update && apt-get install -y --no-install-recommends dataset-fashion-mnist && rm -rf /var/lib/apt/lists/*

FROM mcr.microsoft.com/dotnet/runtime:10.0-noble AS silo
WORKDIR /app
COPY --from=build /out/silo .
COPY --from=data /usr/share/datasets/fashion-mnist /usr/share/datasets/fashion-mnist
ENV OMP_WAIT_POLICY=PASSIVE
# Silo-to-silo, gateway, and signal links between layers on different silos (a fixed port, so that it can be published).
ENV Silo__SignalPort=11112
EXPOSE 11111 30000 11112
ENTRYPOINT ["dotnet", "Countercurrent.Silo.dll"]

FROM mcr.microsoft.com/dotnet/runtime:10.0-noble AS client
WORKDIR /app
COPY --from=build /out/client .
COPY --from=data /usr/share/datasets/fashion-mnist /usr/share/datasets/fashion-mnist
ENTRYPOINT ["dotnet", "Countercurrent.Client.dll"]
