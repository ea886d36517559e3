#!/usr/bin/env -S node --v8-pool-size=1 --optimize-for-size --max-semi-space-size=4 --max-old-space-size=256
// Launcher for `npx kigen …`: the CLI is TypeScript run by Node 24's type stripping.
// The heap flags keep a run's memory flat (see src/cli/node-flags.ts); keep them in step.
import '../src/cli/main.ts';
