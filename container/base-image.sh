#!/bin/sh
# The base image `make image-test` builds the Containerfile on, made from Debian's packages:
# no image registry is needed (none is reachable where this was written). debootstrap installs
# a minimal Debian (python3 and its venv module, nothing else) into a folder, and `podman import`
# turns that folder into an image. Once per machine: an existing image is kept.
#   BASE=localhost/ismart-sms-kit-base:bookworm SUITE=bookworm MIRROR=http://deb.debian.org/debian
set -eu
BASE=${BASE:-localhost/ismart-sms-kit-base:bookworm}
SUITE=${SUITE:-bookworm}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
PODMAN=${PODMAN:-podman}

if $PODMAN image exists "$BASE"; then
    echo "image-test: base image $BASE exists (podman rmi $BASE to build it again)"
    exit 0
fi
rootfs=$(mktemp -d /var/tmp/ismart-sms-kit-rootfs.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
echo "image-test: building the base image $BASE: debootstrap $SUITE with python3 (a few minutes, once)"
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
    "$SUITE" "$rootfs" "$MIRROR" >"$rootfs.log" 2>&1 || { tail -20 "$rootfs.log" >&2; exit 1; }
rm -f "$rootfs.log"
chroot "$rootfs" apt-get clean
rm -rf "$rootfs"/var/lib/apt/lists/*
tar -C "$rootfs" -c . | $PODMAN import --quiet --change 'CMD ["/bin/bash"]' - "$BASE" >/dev/null
echo "image-test: base image $BASE: $($PODMAN image inspect --format '{{.Size}}' "$BASE") bytes"
