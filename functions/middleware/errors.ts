import { SpecError, type Problem } from '../../lib/spec/problems.js';

/** Thrown before a handler runs when its event is not what it takes; lists every problem with its field path. */
export class EventValidationError extends SpecError {
  override name = 'EventValidationError';
  constructor(readonly what: string, problems: readonly Problem[], options?: { cause?: unknown }) {
    super(problems, options);
    this.message = `invalid ${what}: ${this.message}`;
  }
}
