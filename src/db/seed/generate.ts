// Deterministic demo data: the same seed and base date give the same rows, batch by batch,
// so that a large data set streams into the database with flat memory.
import { createECDH, createHash } from 'node:crypto';
import { addDays } from '../../domain/calendar-date.ts';
import type { CalendarDate } from '../../domain/types.ts';
import { DELIVERABLE_TYPES, THRESHOLD_DAYS } from '../../domain/types.ts';
import { FIRST_NAMES, LAST_NAMES, PLACES, SERVICES } from './names.ts';

export interface SeedOptions {
  offices: number;
  staffPerOffice: number;
  recipientsPerOffice: number;
  seed: number;
  /** Deadlines are spread over baseDate −10 … +120 days. */
  baseDate: CalendarDate;
  /** Push endpoints are this URL plus an id. */
  pushEndpointBase: string;
  /** Share of offices (with their people) flagged is_test_data. */
  testDataShare: number;
}

export const DEFAULT_SEED_OPTIONS = {
  staffPerOffice: 10,
  recipientsPerOffice: 20,
  seed: 42,
  pushEndpointBase: 'https://fcm.googleapis.com/fcm/send/',
  testDataShare: 0.02,
} as const;

/** Rows of one batch of offices, as column arrays ready for COPY. */
export interface SeedBatch {
  offices: unknown[][];
  staffs: unknown[][];
  officeStaffs: unknown[][];
  recipients: unknown[][];
  cycles: unknown[][];
  deliverables: unknown[][];
  pushSubscriptions: unknown[][];
}

export const SEED_COLUMNS = {
  offices: ['id', 'name', 'is_test_data'],
  staffs: [
    'id',
    'email',
    'last_name',
    'first_name',
    'full_name',
    'role',
    'is_test_data',
    'email_notification',
    'system_notification',
    'in_app_notification',
    'email_threshold_days',
    'push_threshold_days',
  ],
  officeStaffs: ['staff_id', 'office_id', 'is_primary'],
  recipients: ['id', 'last_name', 'first_name', 'is_test_data'],
  cycles: [
    'id',
    'welfare_recipient_id',
    'office_id',
    'cycle_number',
    'next_renewal_deadline',
    'is_latest_cycle',
  ],
  deliverables: ['id', 'plan_cycle_id', 'deliverable_type'],
  pushSubscriptions: ['id', 'staff_id', 'endpoint', 'p256dh_key', 'auth_key', 'user_agent'],
} as const;

export const SEED_TABLES = {
  offices: 'offices',
  staffs: 'staffs',
  officeStaffs: 'office_staffs',
  recipients: 'welfare_recipients',
  cycles: 'support_plan_cycles',
  deliverables: 'plan_deliverables',
  pushSubscriptions: 'push_subscriptions',
} as const;

/** mulberry32: small, fast, deterministic. */
function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A v4-shaped uuid derived from the seed and a name: stable across runs. */
function seededUuid(seed: number, name: string): string {
  const h = createHash('sha256').update(`${seed}:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((Number.parseInt(h[16] ?? '0', 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const pick = <T>(rnd: () => number, list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;

/** Yields the data set in batches of `batchOffices` offices. */
export function* generateSeed(options: SeedOptions, batchOffices = 500): Generator<SeedBatch> {
  const rnd = createRandom(options.seed);
  const b64url = (buf: Buffer) => buf.toString('base64url');
  for (let start = 0; start < options.offices; start += batchOffices) {
    const end = Math.min(options.offices, start + batchOffices);
    const batch: SeedBatch = {
      offices: [],
      staffs: [],
      officeStaffs: [],
      recipients: [],
      cycles: [],
      deliverables: [],
      pushSubscriptions: [],
    };
    let previousOffice: { id: string; testData: boolean } | null = null;
    for (let o = start; o < end; o++) {
      const officeId = seededUuid(options.seed, `office:${o}`);
      const testData = rnd() < options.testDataShare;
      batch.offices.push([officeId, `${pick(rnd, PLACES)}${pick(rnd, SERVICES)} ${o + 1}`, testData]);
      for (let s = 0; s < options.staffPerOffice; s++) {
        const staffId = seededUuid(options.seed, `staff:${o}:${s}`);
        const [last, lastRoman] = pick(rnd, LAST_NAMES);
        const [first, firstRoman] = pick(rnd, FIRST_NAMES);
        const role = s === 0 ? 'owner' : s === 1 ? 'manager' : 'employee';
        const pushOn = rnd() < 1 / 3;
        // A few people want push only: their email is off (the original never pushed to them).
        const emailOn = !pushOn || rnd() > 0.15;
        batch.staffs.push([
          staffId,
          `${firstRoman}.${lastRoman}.${o + 1}-${s + 1}@office${o + 1}.example.jp`,
          last,
          first,
          `${last} ${first}`,
          role,
          testData,
          emailOn,
          pushOn,
          true,
          pick(rnd, THRESHOLD_DAYS),
          pick(rnd, THRESHOLD_DAYS),
        ]);
        batch.officeStaffs.push([staffId, officeId, true]);
        // About 5% also work at the previous office of the batch (same data scope).
        if (previousOffice && previousOffice.testData === testData && rnd() < 0.05) {
          batch.officeStaffs.push([staffId, previousOffice.id, false]);
        }
        if (pushOn) {
          const devices = rnd() < 0.5 ? 1 : 2;
          for (let d = 0; d < devices; d++) {
            const ecdh = createECDH('prime256v1');
            ecdh.setPrivateKey(createHash('sha256').update(`${options.seed}:ecdh:${o}:${s}:${d}`).digest());
            const auth = createHash('sha256')
              .update(`${options.seed}:auth:${o}:${s}:${d}`)
              .digest()
              .subarray(0, 16);
            const subId = seededUuid(options.seed, `push:${o}:${s}:${d}`);
            batch.pushSubscriptions.push([
              subId,
              staffId,
              `${options.pushEndpointBase}${subId}`,
              b64url(ecdh.getPublicKey()),
              b64url(auth),
              d === 0
                ? 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)'
                : 'Mozilla/5.0 (Windows NT 10.0) Chrome/130',
            ]);
          }
        }
      }
      for (let r = 0; r < options.recipientsPerOffice; r++) {
        const recipientId = seededUuid(options.seed, `recipient:${o}:${r}`);
        batch.recipients.push([recipientId, pick(rnd, LAST_NAMES)[0], pick(rnd, FIRST_NAMES)[0], testData]);
        const cycles = 1 + Math.floor(rnd() * 3);
        for (let c = 1; c <= cycles; c++) {
          const latest = c === cycles;
          const cycleId = seededUuid(options.seed, `cycle:${o}:${r}:${c}`);
          const offset = latest ? -10 + Math.floor(rnd() * 131) : -10 - 180 * (cycles - c);
          // A few latest cycles have no deadline set yet.
          const deadline = latest && rnd() < 0.03 ? null : addDays(options.baseDate, offset);
          batch.cycles.push([cycleId, recipientId, officeId, c, deadline, latest]);
          const hasAssessment = !latest || rnd() >= 1 / 3;
          const types = hasAssessment
            ? DELIVERABLE_TYPES.slice(0, latest ? 1 + Math.floor(rnd() * 3) : 5)
            : [];
          for (const type of types) {
            batch.deliverables.push([
              seededUuid(options.seed, `deliverable:${cycleId}:${type}`),
              cycleId,
              type,
            ]);
          }
        }
      }
      previousOffice = { id: officeId, testData };
    }
    yield batch;
  }
}
