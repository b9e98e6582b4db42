import { cloneJson, isRecord } from '../model/object.js';

// Small readers for untrusted object JSON: a field of the wrong type reads as absent, never throws.

/** The value as a plain object, or undefined. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return isRecord(value) ? value : undefined;
}

/** The value as a list of plain objects (other entries dropped), or an empty list. */
export function recordsOf(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

/** The value as a string, or undefined. */
export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The plain object at `path` below `root`, or undefined when any step is missing or not an object. */
export function recordAt(root: unknown, ...path: string[]): Record<string, unknown> | undefined {
  let node: unknown = root;
  for (const key of path) node = asRecord(node)?.[key];
  return asRecord(node);
}

/** The plain object at `path`, created (as `{}`) where missing; undefined when a step holds something else. */
export function ensureRecord(root: Record<string, unknown>, ...path: string[]): Record<string, unknown> | undefined {
  let node = root;
  for (const key of path) {
    if (node[key] === undefined || node[key] === null) node[key] = {};
    const next = asRecord(node[key]);
    if (!next) return undefined;
    node = next;
  }
  return node;
}

/** Deletes a key and, when that leaves the object empty, reports it so callers can drop the parent. */
export function deleteKey(obj: Record<string, unknown>, key: string): boolean {
  delete obj[key];
  return Object.keys(obj).length === 0;
}

/** A deep copy of JSON data (the shared one: lib/model/object.ts cloneJson). */
export const copyJson = cloneJson;
