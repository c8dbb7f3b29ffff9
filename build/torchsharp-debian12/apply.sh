#!/usr/bin/env bash
# Makes TorchSharp's native library load on systems whose libstdc++ predates GCC 13 (Debian 12).
#   usage: apply.sh <output folder holding libLibTorchSharp.so>
# Idempotent; patches only the copy in the output folder (never the NuGet cache); does nothing where the
# system libstdc++ already provides GLIBCXX_3.4.32. Why and how: docs/design.md ("TorchSharp on Debian 12").
set -euo pipefail

out=${1:?usage: apply.sh <output folder>}
lib="$out/libLibTorchSharp.so"
[ -f "$lib" ] || exit 0

here=$(cd "$(dirname "$0")" && pwd)
version=GLIBCXX_3.4.32
shim=libstdcxx-compat.so

system_stdcxx=$(/sbin/ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}')
[ -n "$system_stdcxx" ] || system_stdcxx=/usr/lib/x86_64-linux-gnu/libstdc++.so.6
if grep -q "$version" "$system_stdcxx" 2>/dev/null; then
    exit 0 # the system library is new enough: nothing to patch
fi

missing=()
command -v g++ >/dev/null || missing+=(g++)
command -v patchelf >/dev/null || missing+=(patchelf)
if [ ${#missing[@]} -gt 0 ]; then
    echo "error TSFIX001: TorchSharp needs $version, which $system_stdcxx lacks; the automatic fix needs ${missing[*]}: run 'sudo apt-get install ${missing[*]}' (or ./setup.sh)." >&2
    exit 1
fi

if patchelf --print-needed "$lib" | grep -qx "$shim" && [ -f "$out/$shim" ]; then
    exit 0 # already patched
fi

# Tools are built once per checkout; a lock keeps parallel project builds from racing.
tools="$here/../../.torchsharp-fix"
mkdir -p "$tools"
(
    flock 9
    if [ ! -x "$tools/weaken-version-need" ] || [ "$here/weaken-version-need.cpp" -nt "$tools/weaken-version-need" ]; then
        g++ -O2 -o "$tools/weaken-version-need.tmp" "$here/weaken-version-need.cpp"
        mv "$tools/weaken-version-need.tmp" "$tools/weaken-version-need"
    fi
    if [ ! -f "$tools/$shim" ] || [ "$here/stdcxx-compat.cpp" -nt "$tools/$shim" ]; then
        g++ -O2 -shared -fPIC -o "$tools/$shim.tmp" "$here/stdcxx-compat.cpp"
        mv "$tools/$shim.tmp" "$tools/$shim"
    fi
) 9>"$tools/.lock"

# Work on a private copy so that a hard link into the NuGet cache can never be written through.
tmp="$lib.patching"
cp "$lib" "$tmp"
"$tools/weaken-version-need" "$tmp" "$version"
patchelf --add-needed "$shim" "$tmp"
cp "$tools/$shim" "$out/$shim"
mv -f "$tmp" "$lib"
echo "TorchSharp: patched $lib for $system_stdcxx (weak $version + $shim)"
