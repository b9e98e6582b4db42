/**
 * How deep a Kubernetes object may nest, for backup and restore alike: both walk objects recursively somewhere
 * (JSON.stringify, the restore's stages), and an object nested some thousands of levels overflows the stack there.
 * Kubernetes' own objects nest a few dozen levels at most; a custom resource with x-kubernetes-preserve-unknown-fields
 * can hold any JSON the API server's decoder takes (Go's encoding/json stops at 10,000 levels).
 */

/** The deepest object Ferry backs up or restores: deeper ones are refused, each with its reason. */
export const MAX_OBJECT_DEPTH = 1000;

/** True when `value` nests more than `limit` levels of objects and arrays (counted without recursion). */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}
