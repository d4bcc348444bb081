/**
 * DynamoDB's limit on one item: 400 KB, counting the UTF-8 bytes of every attribute name and value.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-items
 */
export const MAX_ITEM_BYTES = 400 * 1024;

/** The UTF-8 length of a string (a percent-encoded `中`, `%E4%B8%AD`, is 9 bytes; `中` itself is 3). */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (const character of text) {
    const code = character.codePointAt(0) ?? 0;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/**
 * The stored size of one attribute value, by DynamoDB's published rules (an upper bound where they are
 * approximate): strings their UTF-8 bytes; numbers about one byte per two significant digits plus one;
 * booleans and null one byte; lists and maps 3 bytes plus 1 per element, map keys counted; string sets
 * their elements. `undefined` is not stored (the store removes undefined values).
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
 */
export function valueBytes(value: unknown): number {
  if (value === undefined) return 0;
  if (value === null || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return utf8Bytes(value);
  if (typeof value === 'number') return numberBytes(value);
  if (value instanceof Set) return [...value].reduce((sum: number, element) => sum + valueBytes(element), 0);
  if (Array.isArray(value)) return value.reduce((sum: number, element) => sum + 1 + valueBytes(element), 3);
  if (typeof value === 'object') return 3 + attributesBytes(value as Record<string, unknown>, 1);
  return utf8Bytes(String(value));
}

/** The stored size of an item: each top-level attribute's name and value. */
export function itemBytes(item: Record<string, unknown>): number {
  return attributesBytes(item, 0);
}

function attributesBytes(attributes: Record<string, unknown>, perElement: number): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    bytes += perElement + utf8Bytes(name) + valueBytes(value);
  }
  return bytes;
}

/** An upper bound: 1 byte, one per two significant digits, and one more for the sign and exponent. */
function numberBytes(value: number): number {
  const digits = value
    .toExponential()
    .replace(/e.*$/, '')
    .replace(/[^0-9]/g, '');
  return Math.min(21, 2 + Math.ceil(digits.length / 2) + (value < 0 ? 1 : 0));
}
