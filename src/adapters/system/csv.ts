/**
 * One CSV record per RFC 4180: fields with a comma, a double quote, CR or LF are quoted, with quotes
 * doubled; records end with CRLF. https://www.rfc-editor.org/rfc/rfc4180
 */
export function csvRecord(fields: ReadonlyArray<string | number | boolean | undefined>): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

function csvField(value: string | number | boolean | undefined): string {
  const text = value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
