# persist-reboot: persist a configuration with the systemd method, reboot, find it in effect;
# on kernels without 'zpool', a config naming it fails loudly at boot and changes nothing.
. ./lib.sh
P=/sys/module/zswap/parameters
kdefault() { sed -n "s/^$1=\"\{0,1\}\([^\"]*\)\"\{0,1\}$/\1/p" "/boot/config-$(uname -r)"; }
case $(stage) in
1)
	check install install_deb
	# values that differ from the kernel's defaults, so that their effect is visible
	if [ "$(param compressor)" = lz4 ]; then comp=lzo; else comp=lz4; fi
	{
		echo "enabled: true"
		echo "compressor: $comp"
		echo "max_pool_percent: 33"
		if [ -e $P/zpool ]; then
			if [ "$(param zpool)" = zsmalloc ]; then zp=z3fold; else zp=zsmalloc; fi
			echo "zpool: $zp"
		fi
	} >/root/zswap.yaml
	cat /root/zswap.yaml
	cp /root/zswap.yaml expected.yaml
	check persist zswapctl persist -f /root/zswap.yaml
	check unit-enabled systemctl is-enabled zswap-apply.service
	next_boot 2
	;;
2)
	journalctl -b -u zswap-apply.service --no-pager
	st=$(systemctl show -p Result --value zswap-apply.service)
	act=$(systemctl show -p ActiveState --value zswap-apply.service)
	if [ "$st" = success ] && [ "$act" = active ]; then ok apply-unit-succeeded; else bad "apply-unit-succeeded: Result=$st ActiveState=$act"; fi
	while IFS=': ' read -r k v; do
		[ -n "$k" ] || continue
		got=$(param "$k")
		case $v in true) v=Y ;; false) v=N ;; esac
		if [ "$got" = "$v" ]; then ok "in-effect-$k"; else bad "in-effect-$k: '$got', persisted '$v'"; fi
	done <expected.yaml
	if ! [ -e $P/zpool ]; then
		# a config the booted kernel refuses: the unit must fail, and zswap stay as booted
		printf 'enabled: true\ncompressor: %s\nmax_pool_percent: 41\nzpool: zsmalloc\n' \
			"$(param compressor)" >/etc/zswap/zswap.yaml
		next_boot 3
	else
		finish
	fi
	;;
3)
	journalctl -b -u zswap-apply.service --no-pager >/root/journal 2>&1
	cat /root/journal
	check refused-unit-failed systemctl is-failed --quiet zswap-apply.service
	if grep -q "zpool" /root/journal; then ok refused-reason-in-journal; else bad "refused-reason-in-journal: no 'zpool' in the unit's journal"; fi
	# as booted: the kernel's built-in defaults (no zswap.* on the command line)
	if [ "$(param max_pool_percent)" = 20 ]; then ok refused-max-pool-as-booted; else bad "refused-max-pool-as-booted: '$(param max_pool_percent)'"; fi
	if [ "$(kdefault CONFIG_ZSWAP_DEFAULT_ON)" = y ]; then on=Y; else on=N; fi
	if [ "$(param enabled)" = "$on" ]; then ok refused-enabled-as-booted; else bad "refused-enabled-as-booted: '$(param enabled)', kernel default '$on'"; fi
	finish
	;;
esac
