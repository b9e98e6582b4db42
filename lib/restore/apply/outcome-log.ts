/**
 * The outcomes of a restore's objects, by their entry number in the restore's plan: one byte each (status and
 * warning flag), and the messages beside them up to a byte bound, so that what a restore keeps (and checkpoints)
 * per object is a byte, not a record. Messages past the bound are counted, not kept: the object's status still is.
 */
import { isRecord } from '../../model/object.js';
import type { ApplyProgress } from './apply-all.js';
import type { ItemStatus } from './outcome.js';

/** The status codes of a byte: 0 is "not done yet"; the 8 bit marks a warning. */
const STATUSES: readonly ItemStatus[] = ['created', 'updated', 'unchanged', 'skipped', 'failed'];
const WARNING = 8;

/** What a checkpoint keeps of an OutcomeLog. */
export interface SavedOutcomes {
  /** One byte per entry, base64. */
  codes: string;
  /** Messages by entry number. */
  notes: Record<string, string>;
  /** Messages not kept (past the bound). */
  notesOmitted: number;
}

/** One entry's outcome, without its object's identity. */
export interface EntryOutcome {
  status: ItemStatus;
  message?: string;
  warning?: boolean;
}

/** Outcomes by entry number (apply's progress for a restore's plan); `maxNoteBytes` bounds the messages kept (each counts its length and 16). */
export class OutcomeLog implements ApplyProgress<number> {
  private readonly codes: Uint8Array;
  private readonly notes = new Map<number, string>();
  private noteBytes = 0;
  private omitted = 0;
  private doneCount = 0;

  constructor(readonly entries: number, private readonly maxNoteBytes: number) {
    this.codes = new Uint8Array(entries);
  }

  /** A log restored from a checkpoint, or a problem saying why it cannot be (the caller then starts over). */
  static restore(saved: unknown, entries: number, maxNoteBytes: number): OutcomeLog | string {
    if (!isRecord(saved) || typeof saved.codes !== 'string' || !isRecord(saved.notes) || !Number.isSafeInteger(saved.notesOmitted)) {
      return 'outcomes need codes, notes and notesOmitted';
    }
    const codes = Buffer.from(saved.codes, 'base64');
    if (codes.length !== entries) return `outcomes hold ${codes.length} entries, the plan ${entries}`;
    const log = new OutcomeLog(entries, maxNoteBytes);
    for (let i = 0; i < entries; i++) {
      const code = codes[i]!;
      if (code !== 0 && STATUSES[(code & ~WARNING) - 1] === undefined) return `outcome code ${code} of entry ${i} is not one of the known codes`;
      log.codes[i] = code;
      if (code !== 0) log.doneCount++;
    }
    for (const [key, message] of Object.entries(saved.notes)) {
      const entry = Number(key);
      if (!Number.isSafeInteger(entry) || entry < 0 || entry >= entries || typeof message !== 'string') return `note "${key}" is not a message of an entry`;
      log.keepNote(entry, message);
    }
    log.omitted += saved.notesOmitted as number;
    return log;
  }

  /** Entries with an outcome. */
  get done(): number {
    return this.doneCount;
  }

  /** Messages not kept, past the bound. */
  get notesOmitted(): number {
    return this.omitted;
  }

  has(entry: number): boolean {
    return this.codes[entry] !== 0;
  }

  failed(entry: number): boolean {
    return this.get(entry)?.status === 'failed';
  }

  /** Records an entry's outcome (replacing an earlier one). */
  record(entry: number, outcome: EntryOutcome): void {
    if (this.codes[entry] === 0) this.doneCount++;
    this.codes[entry] = (STATUSES.indexOf(outcome.status) + 1) | (outcome.warning ? WARNING : 0);
    const old = this.notes.get(entry);
    if (old !== undefined) {
      this.notes.delete(entry);
      this.noteBytes -= old.length + 16;
    }
    if (outcome.message) this.keepNote(entry, outcome.message);
  }

  /** An entry's outcome, or undefined when it has none. */
  get(entry: number): EntryOutcome | undefined {
    const code = this.codes[entry]!;
    if (code === 0) return undefined;
    const message = this.notes.get(entry);
    return { status: STATUSES[(code & ~WARNING) - 1]!, ...(message !== undefined ? { message } : {}), ...(code & WARNING ? { warning: true } : {}) };
  }

  /** The entries that have a message kept, in entry order. */
  noted(): number[] {
    return [...this.notes.keys()].sort((a, b) => a - b);
  }

  /** Counts by status, and the total of entries with an outcome. */
  counts(): Record<ItemStatus, number> & { total: number } {
    const counts = { created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0, total: this.doneCount };
    for (const code of this.codes) if (code !== 0) counts[STATUSES[(code & ~WARNING) - 1]!]++;
    return counts;
  }

  /** Outcomes of the given entries by status (entries without one are not counted). */
  byStatus(entries: readonly number[]): Partial<Record<ItemStatus, number>> {
    const counts: Partial<Record<ItemStatus, number>> = {};
    for (const entry of entries) {
      const code = this.codes[entry]!;
      if (code === 0) continue;
      const status = STATUSES[(code & ~WARNING) - 1]!;
      counts[status] = (counts[status] ?? 0) + 1;
    }
    return counts;
  }

  /** What a checkpoint keeps. */
  save(): SavedOutcomes {
    return { codes: Buffer.from(this.codes.buffer, this.codes.byteOffset, this.codes.length).toString('base64'), notes: Object.fromEntries(this.notes), notesOmitted: this.omitted };
  }

  private keepNote(entry: number, message: string): void {
    if (this.noteBytes + message.length + 16 > this.maxNoteBytes) {
      this.omitted++;
      return;
    }
    this.notes.set(entry, message);
    this.noteBytes += message.length + 16;
  }
}
