#!/bin/sh
# Install pos-client's udev rules for barcode scanners, then apply them to plugged devices.
# Usage: sudo drivers/linux/install-udev-rules.sh [--uninstall]
# Afterwards unplug and replug the scanner (or log out and in) so the new access applies.
set -eu

RULES_NAME=60-pos-client-scanners.rules
SOURCE="$(dirname "$0")/$RULES_NAME"
TARGET_DIR="${POS_CLIENT_UDEV_DIR:-/etc/udev/rules.d}"
TARGET="$TARGET_DIR/$RULES_NAME"

if [ "$(id -u)" -ne 0 ] && [ -z "${POS_CLIENT_UDEV_DIR:-}" ]; then
  echo "Lancez ce script avec sudo : sudo $0 $*" >&2
  exit 1
fi

reload() {
  if command -v udevadm >/dev/null 2>&1 && [ -z "${POS_CLIENT_UDEV_DIR:-}" ]; then
    udevadm control --reload-rules
    udevadm trigger --action=change --subsystem-match=tty --subsystem-match=hidraw \
      --subsystem-match=input --subsystem-match=usb
  fi
}

if [ "${1:-}" = "--uninstall" ]; then
  rm -f "$TARGET"
  reload
  echo "Règles retirées : $TARGET"
  exit 0
fi

if [ ! -f "$SOURCE" ]; then
  echo "Fichier introuvable : $SOURCE" >&2
  exit 1
fi
mkdir -p "$TARGET_DIR"
install -m 0644 "$SOURCE" "$TARGET"
reload
echo "Règles installées : $TARGET"
echo "Débranchez puis rebranchez la douchette pour qu'elles s'appliquent."
