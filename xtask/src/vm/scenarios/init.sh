#!/bin/sh
# The guest's /init (xtask/src/vm/initramfs.rs): mount the kernel file systems, load modules,
# put the swap disk in use, run the scenario, power off.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug
mount -t bpf bpf /sys/fs/bpf
mount -t cgroup2 cgroup2 /sys/fs/cgroup
echo +memory > /sys/fs/cgroup/cgroup.subtree_control
. /etc/vmtest/env
while read -r m; do
    # a module the scenario wants that does not load fails the run (console.rs reports
    # failed checks first), rather than leaving the scenario to run without it
    insmod "/lib/modules/$VMTEST_RELEASE/$m.ko" ||
        echo "VMTEST:CHECK fail module_loaded insmod '$m' failed"
done < /etc/vmtest/modules
echo "VMTEST:BOOTED $(uname -r)"
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
done
if [ -b /dev/vda ]; then
    mkswap /dev/vda > /dev/null && swapon /dev/vda || echo "VMTEST:NOTE swapon /dev/vda failed"
else
    echo "VMTEST:NOTE no /dev/vda: swap is off"
fi
cd /tmp
sh -c '. /scenario/common.sh && . "/scenario/$VMTEST_SCENARIO.sh"'
echo "VMTEST:EXIT $?"
sync
poweroff -f
