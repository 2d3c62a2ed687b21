# package: install the .deb with apt, use it, verify its units, purge it; nothing may remain.
. ./lib.sh
# every file outside the package manager's own bookkeeping, logs and volatile trees
files() {
	find / -xdev \( -path /proc -o -path /sys -o -path /run -o -path /tmp -o -path /dev \
		-o -path /var/log -o -path /var/cache -o -path /var/lib/apt -o -path /var/lib/systemd \
		-o -path /root/zswap-tools.deb -o -path /var/tmp \) -prune -o -print |
		grep -Ev '^/var/lib/dpkg/(status|status-old|available|lock.*|triggers/.*|diversions.*|statoverride.*)$' |
		LC_ALL=C sort
}
files >/run/ft-before
check install install_deb
check zswapctl-status zswapctl status
units=$(ls /usr/lib/systemd/system/zswap-* 2>/dev/null)
echo "units: $units"
if [ -z "$units" ]; then
	bad "units-installed: no zswap-* unit in /usr/lib/systemd/system"
else
	ok units-installed
	# verify prints problems on stderr and may still exit 0: any output is a failure
	out=$(systemd-analyze verify $units 2>&1)
	st=$?
	echo "$out"
	if [ "$st" -eq 0 ] && [ -z "$out" ]; then ok units-verify; else bad "units-verify: $out"; fi
fi
if systemctl is-active --quiet zswap-exporter.service; then
	bad "install-starts-nothing: zswap-exporter.service runs after a plain install"
else ok install-starts-nothing; fi
# the sandbox's exposure score (README), as systemd itself rates it on this distro
systemd-analyze security --no-pager zswap-exporter.service
echo "systemd-analyze security: $(systemd-analyze security --no-pager zswap-exporter.service | tail -n 1)" >>notes
# enabled and running, so that the purge has something to stop and unlink
check exporter-enable systemctl enable --now zswap-exporter.service
sleep 3
check exporter-active systemctl is-active zswap-exporter.service
check purge apt-get purge -y zswap-tools
if pgrep -x zswap-exporter >/dev/null || systemctl is-active --quiet zswap-exporter.service; then
	bad "purge-stops: zswap-exporter still runs after the purge"
else ok purge-stops; fi
files >/run/ft-after
left=$(LC_ALL=C comm -13 /run/ft-before /run/ft-after)
gone=$(LC_ALL=C comm -23 /run/ft-before /run/ft-after)
if [ -z "$left$gone" ]; then ok purge-leaves-nothing; else bad "purge-leaves-nothing: added '$left' removed '$gone'"; fi
finish
