import type { Readable } from 'node:stream';

/** What a listing or a head returns about one object. */
export interface ObjectInfo {
  key: string;
  size: number;
  etag: string;
  lastModified?: Date;
}

/** A multipart upload that was started and neither completed nor aborted (its parts are stored and billed). */
export interface OpenUpload {
  key: string;
  uploadId: string;
  initiated?: Date;
}

/** Conditions for a write: create only (`ifNoneMatch: '*'`) or replace only a known version (`ifMatch`). */
export interface PutOptions {
  contentType?: string;
  ifNoneMatch?: '*';
  ifMatch?: string;
}

/**
 * The object-store port. Keys are full keys inside one bucket; the adapter owns the bucket, the
 * endpoint and the credentials. Missing objects raise NotFoundError; lost conditions raise
 * PreconditionFailedError (lib/store/errors.ts).
 */
export interface ObjectStore {
  /** Writes a whole object from memory. */
  put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<{ etag: string }>;
  /** Streams a body of unknown length into the object (multipart); aborts the upload if the stream fails. */
  upload(key: string, body: Readable, options?: { contentType?: string }): Promise<{ etag: string }>;
  /** Reads an object as a stream. */
  get(key: string): Promise<{ body: Readable; etag: string; size: number }>;
  /** Reads a whole object into memory (for small objects: specs, manifests, catalog entries). */
  getBytes(key: string): Promise<{ bytes: Uint8Array; etag: string }>;
  /** The object's size and ETag, or undefined when it does not exist. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Every object whose key starts with `prefix`, in key order, page by page. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Deletes an object; deleting a missing object is not an error. */
  delete(key: string): Promise<void>;
  /** Multipart uploads still open under `prefix`. */
  listUploads(prefix: string): AsyncIterable<OpenUpload>;
  /** Aborts an open multipart upload, freeing its parts; aborting one that is gone is not an error. */
  abortUpload(upload: OpenUpload): Promise<void>;
}
