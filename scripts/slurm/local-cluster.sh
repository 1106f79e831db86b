#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, from Debian's packages, for tests/slurm.rs
# and for trying the job scripts beside this file.
#
#   scripts/slurm/local-cluster.sh [start]   install what is missing, start, wait until ready
#   scripts/slurm/local-cluster.sh status    say whether it runs
#   scripts/slurm/local-cluster.sh stop      stop the daemons it started
#
# Needs root and Debian (or Ubuntu): it installs `slurm-wlm` and `munge` with apt-get when
# they are missing, makes a munge key if there is none, writes /etc/slurm/slurm.conf (this
# host as the one node, every CPU schedulable, memory not a consumable), and starts
# `munged`, `slurmctld` and `slurmd` directly (no systemd). Running it again while the
# cluster is up does nothing but check it. A slurm.conf that this script did not write is
# never replaced.
set -euo pipefail

CONF=/etc/slurm/slurm.conf
MARKER="# Written by tbtrain's scripts/slurm/local-cluster.sh: a single-node test cluster."
MUNGE_KEY=/etc/munge/munge.key
MUNGE_PID=/run/munge/munged.pid
CTLD_PID=/run/slurm/slurmctld.pid
SLURMD_PID=/run/slurm/slurmd.pid
LOG_DIR=/var/log/slurm
STATE_DIR=/var/lib/slurm
READY_TIMEOUT=60

say() { printf 'local-cluster: %s\n' "$*"; }
die() { printf 'local-cluster: %s\n' "$*" >&2; exit 1; }

# The pid in file $1 if that process is alive and is the daemon the file is named after
# (a stale pid file from an earlier boot may name some other process).
alive_pid() {
    local pid name
    [ -r "$1" ] || return 1
    pid=$(cat "$1" 2>/dev/null) || return 1
    name=$(basename "$1" .pid)
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
        [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ] && printf '%s' "$pid"
}

install_packages() {
    local missing=()
    command -v slurmctld >/dev/null 2>&1 || missing+=(slurm-wlm)
    command -v munged >/dev/null 2>&1 || missing+=(munge)
    [ ${#missing[@]} -eq 0 ] && return
    command -v apt-get >/dev/null 2>&1 || die "needs ${missing[*]}, and apt-get is not here to install them"
    say "installing ${missing[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

write_conf() {
    if [ -e "$CONF" ] && ! grep -qxF "$MARKER" "$CONF"; then
        die "$CONF exists and was not written by this script; not replacing it"
    fi
    local host node
    host=$(hostname -s)
    # `slurmd -C` prints this machine as a node line: NodeName=... CPUs=... RealMemory=...
    node=$(slurmd -C | head -n 1)
    case "$node" in
        NodeName=*) ;;
        *) die "slurmd -C printed no node line: $node" ;;
    esac
    mkdir -p "$(dirname "$CONF")"
    local new
    new=$(cat <<EOF
$MARKER
ClusterName=tbtrain-local
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
# A requeued job waits cred_expire seconds before it starts again (default 120).
AuthInfo=cred_expire=5
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
# A job that becomes eligible by the clock (a requeued one) starts at the next pass of a
# scheduling loop (default every 60 and 30 s): pass every 2 s on this small cluster.
SchedulerParameters=sched_interval=2,bf_interval=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
StateSaveLocation=$STATE_DIR/slurmctld
SlurmdSpoolDir=$STATE_DIR/slurmd
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
# Seconds between SIGTERM and SIGKILL when a job is cancelled or hits its time limit.
KillWait=30
$node State=UNKNOWN
PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
)
    if [ ! -e "$CONF" ] || [ "$(cat "$CONF")" != "$new" ]; then
        printf '%s\n' "$new" > "$CONF"
        say "wrote $CONF"
        CONF_CHANGED=1
    fi
}

start_munge() {
    if [ ! -s "$MUNGE_KEY" ]; then
        say "making a munge key"
        mkdir -p "$(dirname "$MUNGE_KEY")"
        if command -v mungekey >/dev/null 2>&1; then
            mungekey --create --keyfile="$MUNGE_KEY"
        else
            dd if=/dev/urandom of="$MUNGE_KEY" bs=1024 count=1 status=none
        fi
        chown munge:munge "$MUNGE_KEY"
        chmod 0400 "$MUNGE_KEY"
    fi
    alive_pid "$MUNGE_PID" >/dev/null && return
    install -d -o munge -g munge -m 0755 /run/munge
    install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge
    runuser -u munge -- munged
}

start_slurm() {
    install -d -m 0755 /run/slurm "$LOG_DIR" "$STATE_DIR/slurmctld" "$STATE_DIR/slurmd"
    if [ "${CONF_CHANGED:-0}" = 1 ]; then
        # Daemons started with another slurm.conf: restart them with this one.
        stop_pids "$SLURMD_PID" "$CTLD_PID"
    fi
    alive_pid "$CTLD_PID" >/dev/null || slurmctld
    alive_pid "$SLURMD_PID" >/dev/null || slurmd
}

# Waits until the node takes jobs.
wait_ready() {
    local start=$SECONDS state=""
    while [ $((SECONDS - start)) -lt "$READY_TIMEOUT" ]; do
        state=$(sinfo --noheader --format=%T 2>/dev/null | head -n 1 || true)
        case "$state" in
            idle* | mixed* | allocated* | completing*) return 0 ;;
            down* | drained* | draining*)
                scontrol update nodename="$(hostname -s)" state=resume 2>/dev/null || true ;;
        esac
        sleep 0.5
    done
    die "the node is not ready after ${READY_TIMEOUT}s (state '${state:-none}'); see $LOG_DIR/slurmctld.log and $LOG_DIR/slurmd.log"
}

status() {
    local name file pid up=0
    for name in munged slurmctld slurmd; do
        case $name in
            munged) file=$MUNGE_PID ;;
            slurmctld) file=$CTLD_PID ;;
            slurmd) file=$SLURMD_PID ;;
        esac
        if pid=$(alive_pid "$file"); then
            say "$name running (pid $pid)"
            up=$((up + 1))
        else
            say "$name not running"
        fi
    done
    [ "$up" -eq 3 ] && sinfo
}

# Stops the daemons whose pid files are given, in that order.
stop_pids() {
    local file pid
    for file in "$@"; do
        if pid=$(alive_pid "$file"); then
            kill -TERM "$pid"
            for _ in $(seq 50); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
            say "stopped pid $pid ($(basename "$file" .pid))"
        fi
    done
}

stop() {
    # slurmd first (it runs the jobs), munged last (the others authenticate through it).
    stop_pids "$SLURMD_PID" "$CTLD_PID" "$MUNGE_PID"
}

case "${1:-start}" in
    start)
        [ "$(id -u)" -eq 0 ] || die "must run as root (it installs packages and starts daemons)"
        install_packages
        write_conf
        start_munge
        start_slurm
        wait_ready
        sinfo
        say "up. Stop it with: $0 stop"
        ;;
    status) status ;;
    stop) stop ;;
    *) die "usage: $0 [start|status|stop]" ;;
esac
