import { cloneJson, isRecord } from '../../model/object.js';

/**
 * RFC 7386 JSON merge patch: objects merge key by key, `null` deletes a key, anything else (arrays included)
 * replaces. Returns a new value; neither argument is mutated.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return cloneJson(patch);
  const result: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}
