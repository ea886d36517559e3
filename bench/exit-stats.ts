// Loaded into a child of the harness (`node --import ./bench/exit-stats.ts …`): when the process
// exits it writes its CPU time (user and system, all threads) and its peak RSS as the kernel counted
// them (getrusage; pages given back with madvise escape that count, so the harness's sampling stays) to $TMPDIR/kigen-exit-stats-<pid>.json, for P11 (start-up memory) and P12 (CPU
// per email). Nothing is sampled while the child runs, so it costs the child nothing measurable.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

process.on('exit', () => {
  const u = process.resourceUsage();
  const stats = {
    userMs: u.userCPUTime / 1000,
    systemMs: u.systemCPUTime / 1000,
    maxRssBytes: u.maxRSS * 1024,
  };
  writeFileSync(join(tmpdir(), `kigen-exit-stats-${process.pid}.json`), JSON.stringify(stats));
});
