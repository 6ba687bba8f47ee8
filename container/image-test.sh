#!/bin/sh
# make image-test: the Containerfile's image, proved with podman. Builds the image on a base made
# from Debian's packages (container/base-image.sh), runs it with its state on a named volume,
# waits for its health check, sends the vendor's sample request, reads the message back from the
# inbox API, restarts the container (the message must survive: state on the volume), checks
# that it runs as a non-root user and answers --version, and removes what it made (container,
# volume, image; the base image too when this run built it, unless KEEP_BASE=1), also when a step
# fails or it is interrupted. Names of its own (two runs at once do not collide) and a free port.
# Prints how long each step took. Not part of `make test` (minutes, and root for debootstrap).
#
# What this sandbox needed (root, cgroups v1/v2 hybrid, limits it may not raise, a TLS-inspecting
# proxy), each overridable:
#   PODMAN="podman --runtime runc"   crun refuses hybrid cgroups ("drop all controllers from
#                                    cgroupv2"); runc runs there
#   LIMITS="--ulimit nofile=4096:4096 --ulimit nproc=4096:4096"
#                                    podman's default limits could not be set (setrlimit: EPERM)
#   the host's /etc/pip.conf and the CA bundle it names are mounted into the build, so that pip
#   in the image trusts the same proxy as pip on the host (nothing of them stays in the image)
set -eu
cd "$(dirname "$0")/.."
PODMAN=${PODMAN:-podman --runtime runc}
LIMITS=${LIMITS:---ulimit nofile=4096:4096 --ulimit nproc=4096:4096}
BASE=${BASE:-localhost/ismart-sms-kit-base:bookworm}
KEEP_BASE=${KEEP_BASE:-0}
RUN_ID=$$-$(date +%s)
IMAGE=${IMAGE:-localhost/ismart-sms-kit:image-test-$RUN_ID}
NAME=ismart-sms-kit-image-test-$RUN_ID
VOLUME=ismart-sms-kit-image-test-$RUN_ID

missing=""
for tool in podman debootstrap runc curl python3; do
    command -v $tool >/dev/null || missing="$missing $tool"
done
if [ -n "$missing" ]; then
    echo "image-test: installing Debian's$missing"
    SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
    # another apt (unattended-upgrades, a second run) may hold the lock: wait for it, 10 min
    $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
        install -y -qq $missing >/dev/null
fi
# a free port on the loopback, unless PORT is given
PORT=${PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
URL=http://127.0.0.1:$PORT

errors=$(mktemp)
# podman run/restart/rm print errors where no systemd runs the health-check timers; the check
# itself is run by hand below (podman healthcheck run): show podman's messages only on failure
quiet() { "$@" 2>"$errors" || { cat "$errors" >&2; return 1; }; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
made_base=0
cleanup() {
    $PODMAN rm -f -t 2 "$NAME" >/dev/null 2>&1 || true
    $PODMAN volume rm -f "$VOLUME" >/dev/null 2>&1 || true
    $PODMAN rmi -f "$IMAGE" >/dev/null 2>&1 || true
    if [ "$made_base" = 1 ] && [ "$KEEP_BASE" != 1 ]; then
        $PODMAN rmi -f "$BASE" >/dev/null 2>&1 || true
        echo "image-test: removed the base image $BASE it built (KEEP_BASE=1 keeps it for the next run)"
    fi
    rm -f "$errors"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

$PODMAN image exists "$BASE" || made_base=1
PODMAN="$PODMAN" BASE="$BASE" sh container/base-image.sh

mounts=""
cert=${PIP_CERT:-$(sed -n 's/^ *cert *= *//p' /etc/pip.conf 2>/dev/null | head -n 1)}
for file in /etc/pip.conf "$cert"; do
    [ -n "$file" ] && [ -f "$file" ] && mounts="$mounts -v $file:$file:ro"
done
t=$(now)
quiet $PODMAN build $LIMITS --network host --format docker --layers=false $mounts \
    --build-arg "BASE=$BASE" -t "$IMAGE" -f Containerfile . >/dev/null
echo "image-test: built $IMAGE in $(since "$t"): $($PODMAN image inspect --format '{{.Size}}' "$IMAGE") bytes"

version=$(quiet $PODMAN run --rm --no-healthcheck $LIMITS "$IMAGE" --version)
echo "image-test: $version"

wait_healthy() {
    t=$(now)
    i=0
    until $PODMAN healthcheck run "$NAME" >/dev/null 2>&1; do
        i=$((i + 1))
        if [ $i -ge 300 ]; then
            echo "image-test: FAILED: $NAME not healthy after 30 s" >&2
            $PODMAN logs "$NAME" >&2
            exit 1
        fi
        sleep 0.1
    done
    echo "image-test: healthy $(since "$t") after $1"
}

quiet $PODMAN run -d --name "$NAME" $LIMITS --health-interval disable \
    -p "127.0.0.1:$PORT:8080" -v "$VOLUME:/data" "$IMAGE" >/dev/null
wait_healthy "start"
uid=$($PODMAN exec "$NAME" id -u)
[ "$uid" != 0 ] || { echo "image-test: FAILED: runs as root" >&2; exit 1; }
echo "image-test: runs as uid $uid"

code=$(curl -sS "$URL/iBulkSMS/HttpWS/SMSDynamicRefIntlAPI.aspx" \
    -d UserId=ismartsms -d Password=ismartsms -d MobileNo=96899123456 \
    -d Message=TestMessage --data-urlencode "PushDateTime=03/04/2018 07:30:00" \
    -d Lang=0 -d Header=AnyHeader -d referenceIds=101)
[ "$code" = 1 ] || { echo "image-test: FAILED: the sample answered '$code', not 1" >&2; exit 1; }
echo "image-test: the vendor's sample answered 1"

check_inbox() {
    curl -sS "$URL/_mock/api/messages" | python3 -c '
import json, sys
messages = json.load(sys.stdin)
assert any(m["to"] == "96899123456" and m["text"] == "TestMessage" for m in messages), messages
'
}
check_inbox
echo "image-test: the inbox API holds the message"

quiet $PODMAN restart -t 5 "$NAME" >/dev/null
wait_healthy "a restart"
check_inbox
echo "image-test: the message survived the restart (state on the volume $VOLUME)"
quiet $PODMAN stop -t 5 "$NAME" >/dev/null
echo "image-test: passed (removing $NAME, $VOLUME and $IMAGE)"
