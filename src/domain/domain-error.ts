// Typed errors thrown by the pure domain rules. domain/ imports nothing from the project, so it
// keeps its own base class; it has the same shape as config's KigenError (a stable `code`, a
// message that says what to do next, an optional `cause`) so the CLI can map either by `code`.

export class DomainError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DomainError';
    this.code = code;
  }
}
