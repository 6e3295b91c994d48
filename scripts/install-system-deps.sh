#!/usr/bin/env bash
# System libraries voiceloop and its tests use (Debian/Ubuntu):
#   libportaudio2  microphone capture through sounddevice
#   espeak-ng      speaks the question aloud; tests synthesize answers with it
#   ffmpeg         tests make mp3/m4a fixtures with it (voiceloop itself decodes through PyAV)
#   chromium       the HTML report test takes a real browser screenshot
set -euo pipefail
packages=(libportaudio2 espeak-ng ffmpeg chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages already installed: ${packages[*]}"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "${missing[@]}"
