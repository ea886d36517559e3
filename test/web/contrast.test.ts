// WCAG 2 contrast of the stylesheet's colour pairs: every text colour on the background it is used
// on reaches 4.5:1 (AA for normal text); the focus ring reaches 3:1 against the page (non-text).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const css = readFileSync(new URL('../../src/web/static/app.css', import.meta.url), 'utf8');

function colour(name: string): string {
  if (name.startsWith('#')) return name;
  const match = new RegExp(`--${name}:\\s*(#[0-9a-fA-F]{6})`).exec(css);
  if (!match?.[1]) throw new Error(`--${name} is not defined as a #rrggbb colour in app.css`);
  return match[1];
}

function luminance(hex: string): number {
  const channels = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16) / 255);
  const [r, g, b] = channels.map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)) as [
    number,
    number,
    number,
  ];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(colour(a)), luminance(colour(b))].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

describe('colour contrast', () => {
  it.each([
    ['text', 'bg'],
    ['text', 'card'],
    ['muted', 'bg'],
    ['muted', 'card'],
    ['primary', 'card'],
    ['primary', 'bg'],
    ['#ffffff', 'primary'],
    ['#ffffff', 'primary-dark'],
    ['#ffffff', 'urgent'],
    ['urgent', 'urgent-bg'],
    ['urgent', 'card'],
    ['ok', 'ok-bg'],
    ['warn', 'warn-bg'],
    ['text', '#e5e7eb'],
    ['muted', '#f3f4f6'],
  ])('%s on %s is at least 4.5:1', (fg, bg) => {
    expect(contrast(fg, bg)).toBeGreaterThanOrEqual(4.5);
  });

  it.each([
    ['focus', 'bg'],
    ['focus', 'card'],
    ['#fde047', 'primary-dark'],
  ])('the focus ring %s on %s is at least 3:1', (ring, bg) => {
    expect(contrast(ring, bg)).toBeGreaterThanOrEqual(3);
  });

  it('computes the known ratios (black on white 21:1, equal colours 1:1)', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#777777', '#777777')).toBe(1);
  });
});
