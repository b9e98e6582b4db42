import type { MiddlewareObj } from '@middy/core';
import { isRecord } from '../../lib/model/object.js';
import { SpecError } from '../../lib/spec/problems.js';
import { EventValidationError } from './errors.js';

/** Options of validateEvent. */
export interface ValidateEventOptions<T> {
  /** Turns the raw event into what the handler takes; throws SpecError (every problem) or any error for a bad event. */
  parse: (event: Record<string, unknown>) => T;
  /** Names the event in messages: "backup request", "S3 event". */
  what: string;
}

/**
 * Parses and validates the event before the handler runs; the handler receives the parsed value. A bad event is
 * answered with an EventValidationError naming every problem, and the handler never runs.
 */
export function validateEvent<T>(options: ValidateEventOptions<T>): MiddlewareObj<unknown, unknown> {
  const validateEventBefore = (request: { event: unknown }): void => {
    const event = request.event;
    if (!isRecord(event)) {
      const got = event === null ? 'null' : Array.isArray(event) ? 'an array' : typeof event === 'string' ? 'a string (was the payload JSON-encoded twice?)' : typeof event;
      throw new EventValidationError(options.what, [{ document: options.what, path: '', message: `expected a JSON object, got ${got}` }]);
    }
    try {
      request.event = options.parse(event);
    } catch (err) {
      if (err instanceof EventValidationError) throw err;
      if (err instanceof SpecError) throw new EventValidationError(options.what, err.problems, { cause: err });
      throw new EventValidationError(options.what, [{ document: options.what, path: '', message: (err as Error).message }], { cause: err });
    }
  };
  return { name: 'validateEvent', before: validateEventBefore };
}
