// Quick timings for `kigen worker` process tests: a dead worker's job is retried after ~11 s, its
// leases are free after 10 s; a send attempt times out after 5 s (a loaded machine must not turn a slow accept into a retry and a duplicate), and a finished run is noticed within a second.
export const QUICK_WORKER_ENV = {
  KIGEN_WATCH_SECONDS: '1',
  KIGEN_QUEUE_MONITOR_SECONDS: '1',
  KIGEN_JOB_HEARTBEAT_SECONDS: '10',
  KIGEN_LEASE_SECONDS: '10',
  KIGEN_SEND_TIMEOUT_MS: '5000',
  KIGEN_OUTCOME_FLUSH_MS: '100',
} as const;
