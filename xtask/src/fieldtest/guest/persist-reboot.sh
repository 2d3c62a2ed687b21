# persist-reboot: persist a configuration with the systemd method, reboot, find it in effect;
# a config the kernel refuses ('zpool' on 7.x) fails loudly at boot and changes nothing. Then
# the grub method: GRUB installed on the disk, 'update-grub', and the next boot goes through
# the firmware and GRUB (not QEMU's -kernel): its /proc/cmdline is grub.cfg's default entry,
# with the snippet's zswap.* words, and the parameters show them.
. ./lib.sh
P=/sys/module/zswap/parameters
# in_effect PREFIX FILE: one check per 'name: value' line of FILE against the parameters
in_effect() {
	while IFS=': ' read -r k v; do
		[ -n "$k" ] || continue
		got=$(param "$k")
		case $v in true) v=Y ;; false) v=N ;; esac
		if [ "$got" = "$v" ]; then ok "$1-$k"; else bad "$1-$k: '$got', persisted '$v'"; fi
	done <"$2"
}
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
	in_effect in-effect expected.yaml
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

	# The grub method. The systemd one goes off, so that only the command line can set zswap
	# at the next boot.
	check apply-unit-disabled systemctl disable zswap-apply.service
	# The operator's own part of the GRUB configuration: the serial console, the runner's
	# flag, no menu delay; the root file system mounted read-write through fstab as usual.
	sed -i -e 's/^GRUB_TIMEOUT=.*/GRUB_TIMEOUT=0/' \
		-e 's/^GRUB_CMDLINE_LINUX=.*/GRUB_CMDLINE_LINUX="console=ttyS0 fieldtest=1 no_timer_check"/' /etc/default/grub
	echo 'LABEL=fieldtest / ext4 rw 0 0' >/etc/fstab
	check grub-install grub-install --target=i386-pc /dev/vda
	# values the kernel can take at its own start: built in, not from a module (a module
	# cannot be loaded that early, and the kernel would fall back to its default silently)
	{
		if [ "$(kdefault CONFIG_ZSWAP_DEFAULT_ON)" = y ]; then echo "enabled: false"; else echo "enabled: true"; fi
		echo "max_pool_percent: 27"
		for c in lzo:LZO lz4:LZ4 zstd:ZSTD deflate:DEFLATE 842:842 lz4hc:LZ4HC; do
			[ "${c%%:*}" != "$(param compressor)" ] || continue
			if [ "$(kdefault "CONFIG_CRYPTO_${c#*:}")" = y ]; then
				echo "compressor: ${c%%:*}"
				break
			fi
		done
		if [ -e $P/zpool ]; then
			for zp in zsmalloc zbud z3fold; do
				[ "$zp" != "$(param zpool)" ] || continue
				if [ "$(kdefault "CONFIG_$(echo $zp | tr a-z A-Z)")" = y ]; then
					echo "zpool: $zp"
					break
				fi
			done
		fi
	} >/root/grub.yaml
	cat /root/grub.yaml
	cp /root/grub.yaml expected-grub.yaml
	check persist-grub zswapctl persist --method grub -f /root/grub.yaml
	cat /etc/default/grub.d/zswap.cfg
	check update-grub update-grub
	# the default entry (GRUB_DEFAULT=0, the first menuentry): its kernel and arguments
	awk '$1 == "linux" { $1 = ""; sub(/^ /, ""); print; exit }' /boot/grub/grub.cfg >grub-linux
	echo "grub.cfg: linux $(cat grub-linux)"
	[ -s grub-linux ] || bad "grub-cfg-entry: no 'linux' line in /boot/grub/grub.cfg"
	# from now on the host boots the disk through the firmware, with no kernel of its own
	touch boot-firmware
	next_boot 4
	;;
4)
	cmdline=$(tr -s ' ' </proc/cmdline | sed 's/ $//')
	echo "/proc/cmdline: $cmdline"
	want="BOOT_IMAGE=$(cat grub-linux)"
	if [ "$cmdline" = "$want" ]; then ok cmdline-is-grub-cfg; else bad "cmdline-is-grub-cfg: booted '$cmdline', grub.cfg has '$want'"; fi
	snippet=$(grep -o 'zswap\.[^ "]*' /etc/default/grub.d/zswap.cfg | tr '\n' ' ')
	booted=$(echo "$cmdline" | tr ' ' '\n' | grep '^zswap\.' | tr '\n' ' ')
	if [ -n "$snippet" ] && [ "$snippet" = "$booted" ]; then ok cmdline-has-snippet; else bad "cmdline-has-snippet: booted '$booted', snippet '$snippet'"; fi
	act=$(systemctl show -p ActiveState --value zswap-apply.service)
	if [ "$act" = inactive ]; then ok apply-unit-not-run; else bad "apply-unit-not-run: zswap-apply.service is '$act'"; fi
	in_effect grub-in-effect expected-grub.yaml
	finish
	;;
esac
