#!/usr/bin/env node
// Thin launcher so `npx kigen …` works from a clone: the CLI is TypeScript run by Node 24's type stripping.
import '../src/cli/main.ts';
