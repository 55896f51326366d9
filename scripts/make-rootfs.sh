#!/bin/sh
# Builds a minimal busybox root filesystem in DIR from Debian's busybox-static.
# Used by the tests, the benchmarks and the README's example.
set -eu
dir=${1:?usage: make-rootfs.sh DIR}
# busybox-static installs /bin/busybox; a dynamic busybox would not run inside
# the rootfs, so insist on the static one.
busybox=/bin/busybox
if ! [ -x "$busybox" ] || ! dpkg -s busybox-static >/dev/null 2>&1; then
  echo "make-rootfs.sh: static $busybox not found; install Debian's busybox-static (apt-get install busybox-static)" >&2
  exit 1
fi
tmp="$dir.tmp.$$"
rm -rf "$tmp"
mkdir -p "$tmp/bin" "$tmp/sbin" "$tmp/usr/bin" "$tmp/usr/sbin" "$tmp/etc" "$tmp/proc" "$tmp/sys" \
  "$tmp/dev" "$tmp/tmp" "$tmp/root" "$tmp/home/user" "$tmp/var/tmp" "$tmp/run" "$tmp/mnt"
chmod 1777 "$tmp/tmp" "$tmp/var/tmp"
cp "$busybox" "$tmp/bin/busybox"
for applet in $("$tmp/bin/busybox" --list); do
  [ "$applet" = busybox ] && continue
  [ -e "$tmp/bin/$applet" ] || ln -s busybox "$tmp/bin/$applet"
done
cat > "$tmp/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat > "$tmp/etc/group" <<'GROUP'
root:x:0:
user:x:1000:
nogroup:x:65534:
GROUP
echo berth > "$tmp/etc/hostname"
chown 1000:1000 "$tmp/home/user"
rm -rf "$dir"
mv "$tmp" "$dir"
