import type { KubeObject } from '../../model/object.js';

/** What one conversion step produced: the object at the new version and anything the user should know. */
export interface ConversionOutcome {
  object: KubeObject;
  warnings: string[];
  errors: string[];
}

/**
 * Converts an object from one apiVersion to the next. It receives a private copy, already carrying the new
 * apiVersion, that it may change in place.
 */
export type Converter = (copy: KubeObject) => { warnings?: string[]; errors?: string[] } | void;

/** One edge of the conversion graph: `kinds` at `from` can become `to` by `convert` (no field change when absent). */
export interface Conversion {
  from: string;
  to: string;
  kinds: readonly string[];
  convert?: Converter;
}
