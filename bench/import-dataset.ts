// Writes the five CSV files of `kigen import` for N offices, shaped like `kigen seed` (10 staff and
// 20 recipients per office, 1–3 plan cycles each, deliverables), with furigana: the input of the
// import benchmark in BENCHMARKS.md. Deterministic for a seed. Usage:
//   node bench/import-dataset.ts --offices 50000 --out /tmp/kigen-import-50000
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { FIRST_NAMES, LAST_NAMES, PLACES, SERVICES } from '../src/db/seed/names.ts';
import { addDays } from '../src/domain/calendar-date.ts';
import { DELIVERABLE_TYPES, THRESHOLD_DAYS } from '../src/domain/types.ts';
import { headerLine } from '../src/io/export-data.ts';
import { LAYOUTS } from '../src/io/layouts.ts';

const READINGS = [
  'サトウ',
  'スズキ',
  'タカハシ',
  'タナカ',
  'イトウ',
  'ワタナベ',
  'ヤマモト',
  'ナカムラ',
  'コバヤシ',
  'カトウ',
];
const FIRST_READINGS = [
  'ハナコ',
  'タロウ',
  'ユイ',
  'ソウタ',
  'メイ',
  'ハルト',
  'サクラ',
  'ケンジ',
  'アオイ',
  'リク',
];

const { values } = parseArgs({
  options: {
    offices: { type: 'string', default: '1000' },
    out: { type: 'string', default: 'bench-import' },
    seed: { type: 'string', default: '42' },
  },
});
const offices = Number(values.offices);
let state = Number(values.seed) >>> 0;
const rnd = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;

mkdirSync(values.out, { recursive: true });
const files = Object.fromEntries(
  Object.values(LAYOUTS).map((layout) => {
    const stream = createWriteStream(path.join(values.out, layout.file));
    stream.write(`\uFEFF${headerLine(layout)}`);
    return [layout.entity, { stream, buffer: [] as string[] }];
  }),
);
async function write(entity: string, line: string): Promise<void> {
  const file = files[entity];
  if (!file) throw new Error(entity);
  file.buffer.push(line);
  if (file.buffer.length >= 5000) {
    const ok = file.stream.write(`${file.buffer.join('\n')}\n`);
    file.buffer.length = 0;
    if (!ok) await new Promise((resolve) => file.stream.once('drain', resolve));
  }
}

for (let o = 1; o <= offices; o++) {
  const office = `J${String(o).padStart(9, '0')}`;
  await write('offices', `${office},${pick(PLACES)}${pick(SERVICES)} ${o},false`);
  for (let s = 1; s <= 10; s++) {
    const push = rnd() < 1 / 3;
    const [last, lastRoman] = pick(LAST_NAMES);
    const [first, firstRoman] = pick(FIRST_NAMES);
    const also = s > 2 && o > 1 && rnd() < 0.05 ? `;J${String(o - 1).padStart(9, '0')}` : '';
    await write(
      'staff',
      `${office}-S${s},${firstRoman}.${lastRoman}.${o}-${s}@office${o}.example.jp,${last},${first},${pick(READINGS)},${pick(FIRST_READINGS)},` +
        `${s === 1 ? 'owner' : s === 2 ? 'manager' : 'employee'},${office}${also},${!push || rnd() > 0.15},${push},true,` +
        `${pick(THRESHOLD_DAYS)},${pick(THRESHOLD_DAYS)},false`,
    );
  }
  for (let r = 1; r <= 20; r++) {
    const recipient = `R${String(r).padStart(4, '0')}`;
    await write(
      'recipients',
      `${office},${recipient},${pick(LAST_NAMES)[0]},${pick(FIRST_NAMES)[0]},${pick(READINGS)},${pick(FIRST_READINGS)},false`,
    );
    const cycles = 1 + Math.floor(rnd() * 3);
    for (let c = 1; c <= cycles; c++) {
      const latest = c === cycles;
      const offset = latest ? -10 + Math.floor(rnd() * 131) : -10 - 180 * (cycles - c);
      const deadline = latest && rnd() < 0.03 ? '' : addDays('2026-12-01', offset);
      await write('cycles', `${office},${recipient},${c},${deadline}`);
      const types =
        !latest || rnd() >= 1 / 3 ? DELIVERABLE_TYPES.slice(0, latest ? 1 + Math.floor(rnd() * 3) : 5) : [];
      for (const type of types) await write('deliverables', `${office},${recipient},${c},${type}`);
    }
  }
}
for (const file of Object.values(files)) {
  if (file.buffer.length > 0) file.stream.write(`${file.buffer.join('\n')}\n`);
  file.stream.end();
  await finished(file.stream);
}
process.stdout.write(`wrote ${offices} offices' CSV files to ${values.out}\n`);
