/**
 * Strings from a backup or a cluster as they may reach a terminal: control characters shown as escapes (`\x1b`),
 * never sent. Kept apart from output.ts so that the command's entry point loads nothing else to use it.
 */

// C0 controls but tab and newline, DEL, C1 controls, and the Unicode bidi overrides and isolates.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
// The same, and newline and tab: for strings that must stay on one line.
const CONTROL_OR_BREAK = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Text with every control character but newline and tab shown as an escape (`\x1b`). */
export function printable(text: string): string {
  return text.replace(CONTROL, escapeChar);
}

/** One line of text: control characters, newlines and tabs escaped. For names, keys and problem messages. */
export function oneLine(text: string): string {
  return text.replace(CONTROL_OR_BREAK, escapeChar);
}
