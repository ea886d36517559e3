// DASHBOARD_URL against the address `kigen serve` listens on (the child-process test in socket.test.ts
// checks that the warning is printed at start).
import { describe, expect, it } from 'vitest';
import { publicOriginProblem } from '../../src/http/public-origin.ts';

describe('publicOriginProblem', () => {
  it.each([
    ['http://localhost:3000/', 'http://127.0.0.1:3000', 'loopback names on the same port'],
    ['http://127.0.0.1:3000/kigen/', 'http://127.0.0.1:3000', 'the same origin with a path'],
    ['https://kigen.example.jp/', 'http://127.0.0.1:3000', 'a reverse proxy on another host'],
    ['http://10.0.0.5/', 'http://10.0.0.6:3000', 'another host'],
  ])('accepts %s for a server on %s (%s)', (dashboard, listening) => {
    expect(publicOriginProblem(dashboard, listening)).toBeNull();
  });

  it.each([
    ['http://localhost:3000/', 'http://127.0.0.1:4000', /--port 3000/],
    ['http://localhost/', 'http://127.0.0.1:3000', /--port 80\b/],
    ['https://localhost:3000/', 'http://127.0.0.1:3000', /DASHBOARD_URL=http:\/\/127\.0\.0\.1:3000\//],
    ['http://10.0.0.5:8080/', 'http://10.0.0.5:3000', /--port 8080/],
  ])('warns about %s for a server on %s', (dashboard, listening, hint) => {
    const problem = publicOriginProblem(dashboard, listening);
    expect(problem).toMatch(/403 CROSS_ORIGIN/);
    expect(problem).toMatch(hint);
  });
});
