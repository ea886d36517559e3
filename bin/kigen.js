#!/usr/bin/env -S node --single-threaded-gc --max-semi-space-size=4 --max-old-space-size=256
// Launcher for `npx kigen …`: the CLI is TypeScript run by Node 24's type stripping.
// The heap flags keep a run's memory flat (see src/cli/node-flags.ts); keep them in step.
import '../src/cli/main.ts';
