# exporter-service: the packaged exporter under its own sandbox with eBPF on counts real swap
# traffic; the host scrapes it through QEMU's port forward; after kill -9 systemd restarts it.
# Then the same exporter through zswap-exporter.socket: started by the host's scrape.
. ./lib.sh
check install install_deb
# swap on a file, zswap on in front of it
check swapfile sh -c 'dd if=/dev/zero of=/swapfile bs=1M count=1024 status=none && chmod 600 /swapfile && mkswap /swapfile >/dev/null && swapon /swapfile'
check zswap-on zswapctl set enabled true
check exporter-start systemctl start zswap-exporter.service
sleep 5
check exporter-active systemctl is-active zswap-exporter.service
journalctl -b -u zswap-exporter.service --no-pager | tail -20
# about 1 GiB of compressible, non-zero pages in a guest of 768 MiB: stores, then loads as
# the string is read back
check pressure perl -e '$x = ("zswap" x 819) x 250000; $n = ($x =~ tr/z//); print "$n\n"'
grep -E '^(zswpout|zswpin|pswpout)' /proc/vmstat
touch want-scrape-1
wait_file scraped-1 300 || bad "scrape-1: the host did not scrape"
pid=$(systemctl show -p MainPID --value zswap-exporter.service)
check kill-9 kill -9 "$pid"
i=0
while :; do
	new=$(systemctl show -p MainPID --value zswap-exporter.service)
	if [ "$new" != 0 ] && [ "$new" != "$pid" ] && systemctl is-active --quiet zswap-exporter.service; then break; fi
	i=$((i + 1))
	if [ "$i" -gt 60 ]; then
		bad "restarted: not running again 60 s after kill -9"
		break
	fi
	sleep 1
done
[ "$i" -le 60 ] && ok restarted
sleep 5
touch want-scrape-2
wait_file scraped-2 300 || bad "scrape-2: the host did not scrape"
# socket activation: systemd listens, the first connection starts the exporter
check exporter-stop systemctl stop zswap-exporter.service
check socket-start systemctl start zswap-exporter.socket
check socket-listening systemctl is-active zswap-exporter.socket
if systemctl is-active --quiet zswap-exporter-activated.service; then
	bad "activated-idle: the activated exporter runs before any connection"
else
	ok activated-idle
fi
touch want-scrape-3
wait_file scraped-3 300 || bad "scrape-3: the host did not scrape"
check activated-running systemctl is-active zswap-exporter-activated.service
journalctl -b -u zswap-exporter-activated.service --no-pager | tail -20
finish
