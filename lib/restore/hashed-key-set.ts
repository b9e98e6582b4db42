/**
 * A set of strings kept as 96-bit hashes (sha256, truncated) in an open-addressing table: 12 to 24 bytes a member
 * instead of the string and a Set entry (about 100 bytes), so that a restore can tell, over every object of a large
 * backup, whether two restore to the same name. Two distinct keys share a hash with a chance of about n² / 2^96
 * (3e-19 for 200,000 keys): a false "already there" is that improbable.
 */
import { createHash } from 'node:crypto';

const WORDS = 3;

/** Strings by their 96-bit hashes; add and has only. */
export class HashedKeySet {
  private table = new Uint32Array(WORDS * 1024);
  private count = 0;

  /** Members so far. */
  get size(): number {
    return this.count;
  }

  has(key: string): boolean {
    return this.find(hashOf(key)).found;
  }

  /** Adds `key`; returns false when it was there already. */
  add(key: string): boolean {
    const hash = hashOf(key);
    const { slot, found } = this.find(hash);
    if (found) return false;
    this.table.set(hash, slot * WORDS);
    if (++this.count * 2 > this.slots) this.grow();
    return true;
  }

  private get slots(): number {
    return this.table.length / WORDS;
  }

  /** The slot holding `hash`, or the empty one where it would go (linear probing; the table is at most half full). */
  private find(hash: Uint32Array): { slot: number; found: boolean } {
    const mask = this.slots - 1;
    for (let slot = hash[1]! & mask; ; slot = (slot + 1) & mask) {
      const at = slot * WORDS;
      if (this.table[at] === 0) return { slot, found: false };
      if (this.table[at] === hash[0] && this.table[at + 1] === hash[1] && this.table[at + 2] === hash[2]) return { slot, found: true };
    }
  }

  private grow(): void {
    const old = this.table;
    this.table = new Uint32Array(old.length * 2);
    for (let at = 0; at < old.length; at += WORDS) {
      if (old[at] === 0) continue;
      const hash = old.subarray(at, at + WORDS);
      this.table.set(hash, this.find(hash).slot * WORDS);
    }
  }
}

/** The first 96 bits of the key's sha256; the first word never 0 (0 marks an empty slot). */
function hashOf(key: string): Uint32Array {
  const digest = createHash('sha256').update(key).digest();
  const hash = new Uint32Array([digest.readUInt32LE(0), digest.readUInt32LE(4), digest.readUInt32LE(8)]);
  hash[0] = hash[0]! | 1;
  return hash;
}
