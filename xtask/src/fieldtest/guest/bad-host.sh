# bad-host: the package on a host whose kernel has no zswap. Every Debian kernel builds zswap
# in (CONFIG_ZSWAP=y), so this is an emulation: before the package is installed and its
# services start, /sys/module and debugfs are replaced by trees of bind mounts of every entry
# except zswap's, which is how a kernel without zswap (or with zswap a module not loaded)
# looks there. What it cannot hide: the kernel's zswap functions (the eBPF probe still finds
# them), the Zswap lines of /proc/meminfo and the zswap counters of /proc/vmstat.
. ./lib.sh
# hide DIR NAME: DIR becomes a tmpfs holding a bind mount of each of its entries but NAME
hide() {
	keep=/run/ft-orig$(echo "$1" | tr / _)
	mkdir -p "$keep"
	mount --bind "$1" "$keep" || return 1
	mount -t tmpfs -o "mode=$(stat -c %a "$keep")" hidden "$1" || return 1
	for e in "$keep"/* "$keep"/.[!.]*; do
		[ -e "$e" ] || [ -L "$e" ] || continue
		n=${e##*/}
		[ "$n" != "$2" ] || continue
		if [ -L "$e" ]; then
			ln -s "$(readlink "$e")" "$1/$n"
			continue
		fi
		if [ -d "$e" ]; then mkdir "$1/$n"; else touch "$1/$n"; fi
		mount --bind "$e" "$1/$n" || return 1
	done
}
check hide-sysfs hide /sys/module zswap
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
if [ -e /sys/kernel/debug/zswap ]; then check hide-debugfs hide /sys/kernel/debug zswap; fi
if [ -e /sys/module/zswap ] || [ -e /sys/kernel/debug/zswap ]; then bad "hidden: zswap still visible"; else ok hidden; fi
check install install_deb
zswapctl status >/root/status 2>&1
echo "zswapctl status: exit $?"
cat /root/status
# the plain words, from status's own explanation of what is missing
if grep -q 'this kernel has no zswap' /root/status; then ok status-says-no-zswap; else bad "status-says-no-zswap: not in the output of 'zswapctl status'"; fi
check exporter-start systemctl start zswap-exporter.service
sleep 5
check exporter-active systemctl is-active zswap-exporter.service
journalctl -b -u zswap-exporter.service --no-pager | tail -20
touch want-scrape-1
wait_file scraped-1 300 || bad "scrape-1: the host did not scrape"
check exporter-still-active systemctl is-active zswap-exporter.service
# the hidden trees come down again before the power-off: systemd-shutdown would otherwise
# take minutes over hundreds of bind mounts below /sys
systemctl stop zswap-exporter.service
for d in /sys/kernel/debug /sys/module; do
	if [ -e "/run/ft-orig$(echo "$d" | tr / _)" ]; then
		umount -R "$d" && umount "/run/ft-orig$(echo "$d" | tr / _)"
	fi
done
finish
