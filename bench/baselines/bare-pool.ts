// P12'S REFERENCE: a bare nodemailer pool, no kigen code. It sends one pre-composed message (the
// size of kigen's average email in the same run) `--count` times to the sink kigen just used, over
// `--pool` pooled connections, so that kigen's CPU time per email can be compared with the least an
// SMTP client in Node spends per message. The harness runs it with bench/exit-stats.ts, which
// records the process's CPU time.
//
//   node --import ./bench/exit-stats.ts bench/baselines/bare-pool.ts --smtp-url smtp://127.0.0.1:PORT \
//        --count 4621 --pool 50 --bytes 24000
// Prints one JSON object: {model, wallMs, emails, emailsFailed, bytes}.
import { parseArgs } from 'node:util';
import nodemailer from 'nodemailer';

const { values } = parseArgs({
  options: {
    'smtp-url': { type: 'string' },
    count: { type: 'string' },
    pool: { type: 'string', default: '50' },
    bytes: { type: 'string', default: '24000' },
  },
  strict: true,
});
const count = Number(values.count);
const pool = Number(values.pool);
const bytes = Number(values.bytes);
if (!values['smtp-url'] || !Number.isInteger(count) || count < 1 || !(pool >= 1) || !(bytes >= 1000)) {
  process.stderr.write('usage: bare-pool.ts --smtp-url URL --count N [--pool P] [--bytes B]\n');
  process.exit(2);
}

/** One message of about `size` bytes on the wire: headers and a base64 text body in 76-column lines. */
function composeOnce(size: number): Buffer {
  const head = [
    'From: kigen bench <kigen@example.jp>',
    'To: bare@example.jp',
    'Subject: =?UTF-8?B?44CQa2lnZW7jgJE=?=',
    'Message-ID: <bare@example.jp>',
    'Date: Tue, 01 Dec 2026 09:00:00 +0900',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    '',
  ].join('\r\n');
  const body = Buffer.alloc(Math.max(1, Math.floor(((size - head.length) * 3) / 4)), 'あいう期限');
  const lines = body.toString('base64').match(/.{1,76}/g) ?? [];
  return Buffer.from(`${head}${lines.join('\r\n')}\r\n`);
}

const raw = composeOnce(bytes);
const transport = nodemailer.createTransport({
  url: values['smtp-url'],
  pool: true,
  maxConnections: pool,
  maxMessages: 1000, // kigen's SMTP_MAX_MESSAGES default
});
const envelope = { from: 'kigen@example.jp', to: ['bare@example.jp'] };
const started = performance.now();
let failed = 0;
await Promise.all(
  Array.from({ length: count }, () =>
    transport.sendMail({ envelope, raw }).catch(() => {
      failed++;
    }),
  ),
);
const wallMs = performance.now() - started;
transport.close();
process.stdout.write(
  `${JSON.stringify({ model: 'bare-nodemailer-pool', wallMs, emails: count - failed, emailsFailed: failed, bytes: raw.length })}\n`,
);
