#!/usr/bin/env bash
# Builds a base image for Switchboard's container without any registry, as a docker-save tarball
# that Jib takes as its base (`-Pimage,local-base`, see docs/deploy.md):
#   /opt/java/openjdk   a Java runtime made by jlink from the newest JDK >= 21 on this machine
#                       (laid out as in the eclipse-temurin images, so the same entrypoint runs on both)
#   /lib..., /lib64     the C library and the libraries the runtime and Netty's native code load,
#                       copied from this machine
#   /etc, /tmp          the users (root, switchboard 65532), name resolution, a writable /tmp
#                       (Netty unpacks its native libraries there)
# Usage: local-base.sh OUTPUT_DIR  -> OUTPUT_DIR/base.tar
set -euo pipefail
OUT=${1:?usage: local-base.sh OUTPUT_DIR}

pick_jdk() {
  local best="" bestv=0 d v
  for d in ${JAVA_HOME:+"$JAVA_HOME"} /usr/lib/jvm/* /opt/java/*; do
    [ -x "$d/bin/jlink" ] || continue
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$d/release" 2>/dev/null || true)
    [ -n "$v" ] || continue
    if [ "$v" -ge 21 ] && [ "$v" -gt "$bestv" ]; then best=$d; bestv=$v; fi
  done
  [ -n "$best" ] || { echo "local-base.sh: no JDK >= 21 with jlink found (set JAVA_HOME)" >&2; exit 1; }
  JDK=$best
}

case "$(uname -m)" in
  x86_64) ARCH=amd64 ;;
  aarch64) ARCH=arm64 ;;
  *) echo "local-base.sh: unsupported machine $(uname -m)" >&2; exit 1 ;;
esac
command -v ldd >/dev/null || { echo "local-base.sh: needs ldd (a glibc system)" >&2; exit 1; }

pick_jdk
rm -rf "$OUT"
ROOT="$OUT/rootfs"
mkdir -p "$ROOT"

# Java SE and what the server's libraries use beyond it (Netty: jdk.unsupported; DNS lookups;
# JVM metrics; flight recordings and jcmd for operators).
MODULES=java.se,jdk.unsupported,jdk.naming.dns,jdk.management,jdk.jfr,jdk.crypto.cryptoki,jdk.zipfs,jdk.jcmd
"$JDK/bin/jlink" --add-modules "$MODULES" --strip-debug --no-man-pages --no-header-files \
  --output "$ROOT/opt/java/openjdk"

# The libraries every binary of the runtime loads, plus those glibc and Netty's native code load by
# name at run time (libgcc_s for thread cancellation; NSS and resolver modules where glibc has them
# apart).
copy_lib() {
  local lib=$1
  [ -e "$lib" ] || return 0
  mkdir -p "$ROOT$(dirname "$lib")"
  cp -L "$lib" "$ROOT$lib"
}
# AWT's X11 and sound libraries are left out: the server is headless (java.awt.headless=true).
libs=$(find "$ROOT/opt/java/openjdk" -type f \( -name '*.so' -o -path '*/bin/*' \) \
    ! -name libawt_xawt.so ! -name libjawt.so ! -name libsplashscreen.so ! -name libjsound.so -print0 \
  | xargs -0 ldd 2>/dev/null \
  | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\/.*ld-linux/ {print $1}' \
  | grep -v "^$ROOT/" | sort -u)
multiarch=$(dirname "$(ldd "$JDK/bin/java" | awk '$1 == "libc.so.6" {print $3}')")
for name in libc.so.6 libm.so.6 libdl.so.2 libpthread.so.0 librt.so.1 libgcc_s.so.1 libresolv.so.2 \
            libnss_files.so.2 libnss_dns.so.2; do
  libs="$libs $multiarch/$name"
done
for lib in $libs; do copy_lib "$lib"; done
[ -e /usr/share/doc/libc6/copyright ] && { mkdir -p "$ROOT/usr/share/doc/libc6"; cp /usr/share/doc/libc6/copyright "$ROOT/usr/share/doc/libc6/"; }

mkdir -p "$ROOT/etc" "$ROOT/tmp" "$ROOT/root"
chmod 1777 "$ROOT/tmp"
chmod 0700 "$ROOT/root"
printf 'root:x:0:0:root:/root:/sbin/nologin\nswitchboard:x:65532:0:switchboard:/data:/sbin/nologin\n' >"$ROOT/etc/passwd"
printf 'root:x:0:\n' >"$ROOT/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$ROOT/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n' >"$ROOT/etc/hosts"

# One layer, reproducible: fixed owner, times and order.
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='@0' -C "$ROOT" -cf "$OUT/layer.tar" .
diff_id=$(sha256sum "$OUT/layer.tar" | cut -d' ' -f1)
version=$(sed -n 's/^JAVA_RUNTIME_VERSION="\(.*\)"/\1/p' "$JDK/release")
cat >"$OUT/config.json" <<JSON
{"architecture":"$ARCH","os":"linux","created":"1970-01-01T00:00:00Z",
 "config":{"Env":["PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                  "JAVA_HOME=/opt/java/openjdk","JAVA_VERSION=$version","LANG=C.UTF-8"]},
 "rootfs":{"type":"layers","diff_ids":["sha256:$diff_id"]},
 "history":[{"created":"1970-01-01T00:00:00Z","created_by":"server/src/image/local-base.sh",
             "comment":"jlink runtime of $version and this machine's C library"}]}
JSON
printf '[{"Config":"config.json","RepoTags":["switchboard-base:local"],"Layers":["layer.tar"]}]\n' >"$OUT/manifest.json"
tar --owner=0 --group=0 --numeric-owner --mtime='@0' -C "$OUT" -cf "$OUT/base.tar" manifest.json config.json layer.tar
rm -rf "$ROOT" "$OUT/layer.tar"
echo "local-base.sh: $OUT/base.tar (Java $version, $ARCH)" >&2
