// The values of one CSV cell, as an office's Excel sheet writes them: full-width digits and spaces,
// dates in Western or Japanese-era form, 1/0 or はい/いいえ for yes and no.
import { isCalendarDate } from '../domain/calendar-date.ts';
import { parseEmailAddress } from '../domain/email-address.ts';
import type { CalendarDate } from '../domain/types.ts';

/** A parsed cell or the reason it is wrong (said to the person who typed it). */
export type CellResult<T> = { ok: true; value: T } | { ok: false; problem: string };

const ok = <T>(value: T): CellResult<T> => ({ ok: true, value });
const bad = (problem: string): CellResult<never> => ({ ok: false, problem });

/** NFKC (full-width digits, letters and spaces become ASCII) and trimmed. For ids, numbers, dates, mail. */
export function normalizeCode(raw: string): string {
  // Printable ASCII is already NFKC: skip the costly normalisation for the common case.
  return (/^[\x20-\x7e]*$/.test(raw) ? raw : raw.normalize('NFKC')).trim();
}

/** Names stay as typed (NFKC would change some kanji), only surrounding spaces, full-width too, go. */
export function normalizeName(raw: string): string {
  return raw.replace(/^[\s\u3000]+|[\s\u3000]+$/gu, '');
}

/** Japanese eras: first day and, for the closed ones, last day. */
const ERAS = [
  { names: ['令和', 'R'], first: '2019-05-01', last: null },
  { names: ['平成', 'H'], first: '1989-01-08', last: '2019-04-30' },
  { names: ['昭和', 'S'], first: '1926-12-25', last: '1989-01-07' },
  { names: ['大正', 'T'], first: '1912-07-30', last: '1926-12-24' },
  { names: ['明治', 'M'], first: '1868-01-25', last: '1912-07-29' },
] as const;

const WESTERN = /^(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*日?$/;
const ERA =
  /^(令和|平成|昭和|大正|明治|[RHSTM])\s*(元|\d{1,2})\s*(?:年|[-/.])\s*(\d{1,2})\s*(?:月|[-/.])\s*(\d{1,2})\s*日?$/i;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** 2026-12-01, 2026/12/1, 2026年12月1日, 令和8年12月1日, R8.12.1 (元年 too) → '2026-12-01'. */
export function parseDateCell(raw: string): CellResult<CalendarDate> {
  const text = normalizeCode(raw);
  const western = WESTERN.exec(text);
  if (western) {
    const date = `${western[1]}-${pad(Number(western[2]))}-${pad(Number(western[3]))}`;
    return isCalendarDate(date) ? ok(date) : bad('no such date (check day and month)');
  }
  const era = ERA.exec(text);
  if (era) {
    const name = (era[1] as string).toUpperCase();
    const info = ERAS.find((e) => (e.names as readonly string[]).includes(name));
    if (!info) return bad('unknown era');
    const year = Number(info.first.slice(0, 4)) + (era[2] === '元' ? 1 : Number(era[2])) - 1;
    const date = `${year}-${pad(Number(era[3]))}-${pad(Number(era[4]))}`;
    if (!isCalendarDate(date)) return bad('no such date (check day and month)');
    if (date < info.first || (info.last !== null && date > info.last)) {
      return bad(`${info.names[0]} runs ${info.first}…${info.last ?? ''}; this date is outside it`);
    }
    return ok(date);
  }
  return bad('not a date; write 2026-12-01, 2026/12/01 or 令和8年12月1日');
}

const TRUE_WORDS = new Set(['true', 'yes', 'y', '1', 'on', 'はい', '有', 'あり', '○', '〇', '◯']);
const FALSE_WORDS = new Set(['false', 'no', 'n', '0', 'off', 'いいえ', '無', 'なし', '×', '-']);

export function parseBooleanCell(raw: string): CellResult<boolean> {
  const text = normalizeCode(raw).toLowerCase();
  if (TRUE_WORDS.has(text)) return ok(true);
  if (FALSE_WORDS.has(text)) return ok(false);
  return bad('expected true/false (also 1/0, yes/no, はい/いいえ)');
}

export function parseIntegerCell(raw: string, min: number, max: number): CellResult<number> {
  const text = normalizeCode(raw).replace(/,/g, '');
  if (!/^\d+$/.test(text)) return bad('not a whole number');
  const n = Number(text);
  return n < min || n > max ? bad(`must be ${min}–${max}`) : ok(n);
}

export function parseChoiceCell<T extends number | string>(
  raw: string,
  choices: readonly T[],
  aliases: Readonly<Record<string, T>> = {},
): CellResult<T> {
  const text = normalizeCode(raw);
  const hit = choices.find((c) => String(c) === text.toLowerCase()) ?? aliases[text];
  return hit === undefined ? bad(`must be one of ${choices.join(', ')}`) : ok(hit);
}

/**
 * The address rule of the whole of kigen (src/domain/email-address.ts: the CHECK on staffs.email, the
 * API and the email channel use it too), after full-width characters are read as half-width.
 */
export function parseEmailCell(raw: string): CellResult<string> {
  const text = normalizeCode(raw);
  const parsed = parseEmailAddress(text);
  return parsed.ok ? ok(text) : bad(`not an e-mail address (like name@example.jp): ${parsed.reason}`);
}

/** An office's own id: 1–100 characters, no control characters, none of the list separators. */
export function parseKeyCell(raw: string): CellResult<string> {
  const text = normalizeCode(raw);
  if (text === '') return bad('empty; every row needs its id');
  if (text.length > 100) return bad('longer than 100 characters');
  if (/[\p{Cc};,、]/u.test(text)) return bad('must not contain control characters or ; , 、');
  return ok(text);
}

/** A list of ids in one cell, separated by ; , 、 or spaces. */
export function parseKeyListCell(raw: string): CellResult<string[]> {
  const parts = normalizeCode(raw)
    .split(/[;,、\s]+/u)
    .filter((p) => p !== '');
  if (parts.length === 0) return bad('empty; list at least one office id');
  for (const part of parts) {
    const key = parseKeyCell(part);
    if (!key.ok) return bad(`"${part}": ${key.problem}`);
  }
  return ok([...new Set(parts)]);
}

export function parseNameCell(raw: string): CellResult<string> {
  const text = normalizeName(raw);
  if (text === '') return bad('empty');
  if (text.length > 255) return bad('longer than 255 characters');
  if (/\p{Cc}/u.test(text)) return bad('contains control characters (a line break inside the cell?)');
  return ok(text);
}
