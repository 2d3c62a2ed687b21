# persist-reboot: persist a configuration with the systemd method, reboot, find it in effect;
# a config the kernel refuses ('zpool' on 7.x) fails loudly at boot and changes nothing.
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
			# one the kernel has (built in or a module), other than the booted one: the
			# kernel falls back to its default, silently, when enable finds it missing
			for zp in zsmalloc zbud z3fold; do
				[ "$zp" != "$(param zpool)" ] || continue
				case $(kdefault "CONFIG_$(echo $zp | tr a-z A-Z)") in y | m) break ;; esac
			done
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
	# a config the booted kernel refuses: the unit must fail with the reason in the journal,
	# and zswap stay as the kernel booted it. On 7.x that is a 'zpool' line (the parameter
	# is gone); elsewhere a compressor the kernel does not have.
	if [ -e $P/zpool ]; then
		refused="compressor: nosuchalgo"
		echo nosuchalgo >refused-word
	else
		refused="zpool: zsmalloc"
		echo zpool >refused-word
	fi
	printf 'enabled: true\nmax_pool_percent: 41\n%s\n' "$refused" >/etc/zswap/zswap.yaml
	cat /etc/zswap/zswap.yaml
	next_boot 3
	;;
3)
	journalctl -b -u zswap-apply.service --no-pager >/root/journal 2>&1
	cat /root/journal
	check refused-unit-failed systemctl is-failed --quiet zswap-apply.service
	word=$(cat refused-word)
	if grep -q "$word" /root/journal; then ok refused-reason-in-journal; else bad "refused-reason-in-journal: no '$word' in the unit's journal"; fi
	# as booted: the kernel's built-in defaults (no zswap.* on the command line)
	if [ "$(param max_pool_percent)" = 20 ]; then ok refused-max-pool-as-booted; else bad "refused-max-pool-as-booted: '$(param max_pool_percent)'"; fi
	if [ "$(kdefault CONFIG_ZSWAP_DEFAULT_ON)" = y ]; then on=Y; else on=N; fi
	if [ "$(param enabled)" = "$on" ]; then ok refused-enabled-as-booted; else bad "refused-enabled-as-booted: '$(param enabled)', kernel default '$on'"; fi
	comp=$(kdefault CONFIG_ZSWAP_COMPRESSOR_DEFAULT)
	if [ "$(param compressor)" = "$comp" ]; then ok refused-compressor-as-booted; else bad "refused-compressor-as-booted: '$(param compressor)', kernel default '$comp'"; fi
	finish
	;;
esac
