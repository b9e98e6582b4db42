// A failing integration test prints the tail of every stack log, so the cause is in the test output.
import { afterEach } from 'vitest';
import { stackLogTails } from '../support/stack.js';

afterEach((context) => {
  if (context.task.result?.state === 'fail') console.error(stackLogTails());
});
