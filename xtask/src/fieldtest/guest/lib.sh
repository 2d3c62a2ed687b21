# Sourced by every fieldtest scenario, run by the guest's fieldtest.service from the host's
# share (the current directory). Each check appends 'ok NAME' or 'fail NAME: why' to
# 'checks'; 'finish' writes 'result' (PASS or FAIL), which tells the host the run is over.
# Lines in 'notes' are printed by the host as they are (measurements, not checks).
# 'next_boot N' asks for a reboot and makes the script's next run start at stage N.
set -u
export DEBIAN_FRONTEND=noninteractive PATH=/usr/sbin:/usr/bin:/sbin:/bin
ok() { echo "ok $*" >>checks; echo "fieldtest: ok $*"; }
bad() { echo "fail $*" >>checks; echo "fieldtest: FAIL $*"; }
# check NAME COMMAND...: ok when the command succeeds; its output goes to the log
check() {
	name=$1
	shift
	if "$@"; then ok "$name"; else bad "$name: '$*' failed"; fi
}
finish() {
	if grep -q '^fail' checks 2>/dev/null || ! [ -s checks ]; then echo FAIL >result; else echo PASS >result; fi
	sync
}
stage() { cat stage 2>/dev/null || echo 1; }
next_boot() {
	echo "$1" >stage
	touch reboot-requested
	sync
}
install_deb() {
	# apt's sandbox user cannot read the share: install from a local copy, offline
	cp zswap-tools.deb /root/zswap-tools.deb
	apt-get install -y /root/zswap-tools.deb
}
param() { cat "/sys/module/zswap/parameters/$1"; }
# waits up to $2 seconds for the file $1 to appear in the share
wait_file() {
	i=0
	while ! [ -e "$1" ]; do
		i=$((i + 1))
		[ "$i" -gt "$2" ] && return 1
		sleep 1
	done
}
