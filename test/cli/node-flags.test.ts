// The V8 flags kigen runs with are written in the places that Node reads before any of our code:
// bin/kigen.js's shebang, the flags its launcher gives the bundled Node 24, and the npm scripts that
// start kigen. They must say what node-flags.ts says.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KIGEN_NODE_FLAGS } from '../../src/cli/node-flags.ts';

const root = new URL('../../', import.meta.url);
const flags = KIGEN_NODE_FLAGS.join(' ');
const bin = readFileSync(new URL('bin/kigen.js', root), 'utf8');

describe('kigen node flags', () => {
  it('are heap limits and --liftoff-only: no single V8 helper thread, no --optimize-for-size (issue 11)', () => {
    for (const flag of KIGEN_NODE_FLAGS)
      expect(flag).toMatch(/^(--max-(semi|old)-space-size=\d+|--liftoff-only)$/);
  });

  it('bin/kigen.js starts node with them', () => {
    expect(bin.split('\n')[0]).toBe(`#!/usr/bin/env -S node ${flags}`);
  });

  it("bin/kigen.js's launcher gives them to the bundled Node 24", () => {
    const launcher = /const HEAP_FLAGS = (\[[^\]]*\]);/.exec(bin)?.[1];
    expect(JSON.parse((launcher ?? '').replaceAll("'", '"'))).toEqual([...KIGEN_NODE_FLAGS]);
  });

  it('the npm scripts that start kigen pass them', () => {
    const { scripts } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const starters = Object.entries(scripts).filter(([, cmd]) => cmd.includes('src/cli/main.ts'));
    expect(starters.map(([name]) => name).sort()).toEqual(['demo', 'kigen']);
    for (const [, cmd] of starters) expect(cmd.startsWith(`node ${flags} src/cli/main.ts`)).toBe(true);
  });
});
