// The V8 flags kigen runs with are written in three places that Node reads before any of our code:
// bin/kigen.js's shebang and the npm scripts that start kigen. They must say what node-flags.ts says.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KIGEN_NODE_FLAGS } from '../../src/cli/node-flags.ts';

const root = new URL('../../', import.meta.url);
const flags = KIGEN_NODE_FLAGS.join(' ');

describe('kigen node flags', () => {
  it('bin/kigen.js starts node with them', () => {
    const shebang = readFileSync(new URL('bin/kigen.js', root), 'utf8').split('\n')[0];
    expect(shebang).toBe(`#!/usr/bin/env -S node ${flags}`);
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
