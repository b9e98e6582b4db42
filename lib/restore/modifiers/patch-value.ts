/** A JSON patch or `matches` value typed the way Velero types it, or the reason it cannot be. */
export type TypedValue = { ok: true; value: unknown } | { ok: false; message: string };

// Go's strconv.ParseFloat accepts these decimal forms (JSON accepts fewer: "+1", ".5", "5." and "01" too here).
const GO_DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const GO_SPECIAL = /^[+-]?(inf|infinity|nan)$/i;
const GO_HEX_FLOAT = /^[+-]?0[xX]([0-9a-fA-F_]+\.?[0-9a-fA-F_]*|\.[0-9a-fA-F_]+)[pP][+-]?\d+$/;

/**
 * Types a `value` as Velero does. Velero reads it as a string and puts it in the JSON patch raw when it is
 * `null`, `true`/`false` (any case), a number, or starts with `{` or `[`; otherwise as a JSON string.
 * A value wrapped in double quotes (`"\"true\""`) is the string inside them. A missing value is `""`.
 * YAML-typed values (`value: 3`, `value: true`, a mapping or a list) mean the same as their text, and an explicit
 * YAML null is JSON null.
 */
export function typeVeleroValue(raw: unknown): TypedValue {
  if (raw === undefined) return { ok: true, value: '' };
  if (raw === null || typeof raw === 'boolean' || typeof raw === 'number' || typeof raw === 'object') return { ok: true, value: raw };
  if (typeof raw !== 'string') return { ok: false, message: `expected a string, number, boolean, null, object or list, got ${typeof raw}` };
  return typeVeleroString(raw);
}

function typeVeleroString(s: string): TypedValue {
  if (s === '') return { ok: true, value: '' };
  if (s.startsWith('"') && s.endsWith('"')) return { ok: true, value: unquote(s.length === 1 ? '' : s.slice(1, -1)) };
  if (s === 'null') return { ok: true, value: null };
  const lower = s.toLowerCase();
  if (lower === 'true' || lower === 'false') return { ok: true, value: lower === 'true' };
  if (s.startsWith('{') || s.startsWith('[')) {
    try {
      return { ok: true, value: JSON.parse(s) as unknown };
    } catch (err) {
      return {
        ok: false,
        message: `starts with "${s[0]}", so Velero reads it as JSON, but it is not valid JSON (${(err as Error).message}); ` +
          `write it as JSON, or quote it as "\\"...\\"" to mean the string`,
      };
    }
  }
  if (GO_DECIMAL.test(s)) {
    const n = Number(s);
    // Go's ParseFloat fails on overflow, and Velero then quotes the text.
    return { ok: true, value: Number.isFinite(n) ? n : s };
  }
  if (GO_SPECIAL.test(s) || GO_HEX_FLOAT.test(s)) {
    return { ok: false, message: `"${s}" is a number to Velero but cannot be written in JSON; quote it as "\\"${s}\\"" to mean the string` };
  }
  return { ok: true, value: s };
}

/** The text between Velero's quotes is a JSON string body: escapes such as `\n` apply when they are valid. */
function unquote(body: string): string {
  try {
    const parsed: unknown = JSON.parse(`"${body}"`);
    return typeof parsed === 'string' ? parsed : body;
  } catch {
    return body;
  }
}
