# shellcheck shell=bash
# Writes the libvirt-lxc domain `virsh create` starts: the nearest libvirt
# equivalent of the native driver's isolation for /bin/true. libvirt-lxc
# always creates pid, mount, uts, ipc namespaces, mounts /proc, /sys
# read-only and a /dev tmpfs with the default devices and a devpts;
# <privnet/> gives a private network namespace with loopback only; memory is
# limited to 64 MiB. libvirt-lxc has no pids limit and no seccomp; its
# capability set is libvirt's default (it drops sys_module, sys_time,
# mknod, audit_control, mac_admin, ... from the bounding set).

# write_libvirt_domain FILE NAME ROOTFS
write_libvirt_domain() {
  local file=$1 name=$2 rootfs=$3
  cat > "$file" <<XML
<domain type='lxc'>
  <name>$name</name>
  <memory unit='KiB'>65536</memory>
  <vcpu>1</vcpu>
  <os>
    <type>exe</type>
    <init>/bin/true</init>
  </os>
  <features>
    <privnet/>
  </features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <filesystem type='mount'>
      <source dir='$rootfs'/>
      <target dir='/'/>
    </filesystem>
    <console type='pty'/>
  </devices>
</domain>
XML
}

# write_virsh_runner FILE URI XML NAME: one timed iteration — create the
# transient domain, then wait until it has stopped (a transient domain is
# gone from the list once stopped). Waiting polls `virsh domid`, each poll a
# new virsh connection; the domain has usually stopped by the first poll.
write_virsh_runner() {
  local file=$1 uri=$2 xml=$3 name=$4
  cat > "$file" <<SH
#!/bin/sh
set -e
virsh -q -c '$uri' create '$xml' >/dev/null
i=0
while virsh -q -c '$uri' domid '$name' >/dev/null 2>&1; do
  i=\$((i + 1))
  if [ \$i -gt 1000 ]; then
    echo "virsh runner: domain $name still running after 1000 polls" >&2
    exit 1
  fi
done
SH
  chmod +x "$file"
}
