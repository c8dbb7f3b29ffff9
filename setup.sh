#!/usr/bin/env bash
# Installs what Countercurrent needs on Debian/Ubuntu, and only what is missing: g++ and patchelf (the TorchSharp fix
# for Debian 12's libstdc++), the Fashion-MNIST dataset, and redis-server (cluster tests). Idempotent; safe to run
# before every command. Needs root or sudo when something is missing. The .NET 10 SDK must already be installed.
set -euo pipefail

if ! command -v dotnet >/dev/null || ! dotnet --list-sdks 2>/dev/null | grep -q '^10\.'; then
    echo "setup: the .NET 10 SDK is missing: install it (https://learn.microsoft.com/dotnet/core/install/linux-debian), then run this again." >&2
    exit 1
fi

wanted=(g++ patchelf dataset-fashion-mnist redis-server)
missing=()
for package in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

if ! command -v apt-get >/dev/null; then
    echo "setup: missing ${missing[*]} and this system has no apt-get: install them by hand." >&2
    exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: run as root (or install sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo=sudo
fi
echo "setup: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
