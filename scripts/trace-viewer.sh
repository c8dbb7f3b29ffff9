#!/usr/bin/env bash
# Starts a local trace viewer: the Aspire dashboard (NuGet package Aspire.Dashboard.Sdk.linux-x64), an OTLP receiver
# with a web UI. Point silos and clients at it with OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4317.
#   scripts/trace-viewer.sh            UI on http://127.0.0.1:18888, OTLP/gRPC on 127.0.0.1:4317 (loopback only)
# Ports: TRACE_VIEWER_UI_PORT, TRACE_VIEWER_OTLP_PORT.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
version=13.6.5
dotnet restore "$here/../tools/trace-viewer/TraceViewer.csproj" >/dev/null
packages=$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')
dashboard="$packages/aspire.dashboard.sdk.linux-x64/$version/tools/Aspire.Dashboard"
[ -x "$dashboard" ] || { echo "trace-viewer: $dashboard not found after restore" >&2; exit 1; }
export ASPNETCORE_URLS="http://127.0.0.1:${TRACE_VIEWER_UI_PORT:-18888}"
export ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL="http://127.0.0.1:${TRACE_VIEWER_OTLP_PORT:-4317}"
export ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS=true
export ASPIRE_DASHBOARD_TELEMETRY_OPTOUT=true
echo "trace viewer: UI $ASPNETCORE_URLS, OTLP $ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"
exec "$dashboard"
