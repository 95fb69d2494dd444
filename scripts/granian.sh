#!/bin/sh
# Start granian (WSGI) sized to the machine: used by scripts/serve.sh and the container image (deploy/Containerfile).
#
# Workers: WEB_WORKERS (or GRANIAN_WORKERS), default the CPUs this process may use — the cgroup CPU quota in a
# container (cpu.max), else nproc — at least 2. Blocking threads per worker: WEB_THREADS (or GRANIAN_THREADS),
# default twice PMIP_ADMISSION_CONCURRENCY (4) plus PMIP_ADMISSION_QUEUE_LENGTH (8): the admitted, the waiting, and
# as many spare threads as admissions, so when a worker is full its spare threads answer the excess with a fast 503
# instead of leaving it queued in the server (pmip/core/admission.py). Extra arguments (--host, --port, ...) go to
# granian.
set -eu
cpus() {
  if [ -r /sys/fs/cgroup/cpu.max ]; then
    read -r quota period < /sys/fs/cgroup/cpu.max || true
    if [ -n "${quota:-}" ] && [ "$quota" != "max" ] && [ "${period:-0}" -gt 0 ]; then
      echo $(( (quota + period - 1) / period ))
      return
    fi
  fi
  nproc 2>/dev/null || echo 2
}
n=$(cpus)
admission="${PMIP_ADMISSION_CONCURRENCY:-4}"
workers="${WEB_WORKERS:-${GRANIAN_WORKERS:-$(( n > 2 ? n : 2 ))}}"
queue="${PMIP_ADMISSION_QUEUE_LENGTH:-8}"
threads="${WEB_THREADS:-${GRANIAN_THREADS:-$(( admission > 0 ? 2 * admission + queue : 4 ))}}"
echo "granian: $workers workers × $threads threads, admission $admission + $queue waiting per worker ($n CPUs)" >&2
exec "${GRANIAN:-granian}" --interface wsgi --workers "$workers" --blocking-threads "$threads" \
  --backpressure "$threads" "$@" config.wsgi:application
