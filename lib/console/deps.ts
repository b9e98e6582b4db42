/** What the console's services need: one storage location, the functions it starts, the schedules, a clock. */
import type { BucketLayout } from '../store/layout.js';
import type { ObjectStore } from '../store/object-store.js';

/** The functions the console starts: a port, so tests pass a recording one and the handler the Lambda API. */
export interface FunctionInvoker {
  /** Invokes a function and waits for its answer; throws with the function's error when it fails. */
  call<T = unknown>(name: 'restore' | 'backup', event: unknown): Promise<T>;
  /** Starts a function without waiting (an asynchronous invocation). */
  start(name: 'restore' | 'backup', event: unknown): Promise<void>;
}

/** Everything the routes need. */
export interface ConsoleDeps {
  store: ObjectStore;
  layout: BucketLayout;
  /** The storage location's name (for messages). */
  location: string;
  /** The clusters of Ferry's config, by name: the restore form's targets. */
  clusters: string[];
  /** The cluster backups are taken from when a schedule names none. */
  defaultCluster?: string;
  /** The BackupSchedules' YAML (what the deploy turns into EventBridge rules), empty when there are none. */
  schedulesYaml: string;
  functions: FunctionInvoker;
  now: () => Date;
}
