// Typed errors with a stable code. The CLI maps them to exit codes; messages say what to do next.
import { maskSecretsIn } from '../domain/mask.ts';

export class KigenError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KigenError';
    this.code = code;
  }
}

/** Bad configuration or usage: the CLI exits with code 2. */
export class ConfigError extends KigenError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(
      'CONFIG_INVALID',
      `invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}\nSee README.md, section "Configuration".`,
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** The database could not be reached or opened. */
export class DatabaseUnavailableError extends KigenError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DATABASE_UNAVAILABLE', message, options);
    this.name = 'DatabaseUnavailableError';
  }
}

/**
 * Replaces the secrets of a connection URL so it can be shown or logged: the password of
 * `user:pass@` and password-like parameters such as `?password=` or `&sslpassword=`.
 */
export function maskUrlPassword(url: string): string {
  return maskSecretsIn(url);
}
