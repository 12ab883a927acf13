/**
 * Legal names near the 255-byte limit of one path component, with multi-byte UTF-8: what partners
 * send (German umlauts, the euro sign, an emoji from a mobile upload) and what broke claims.
 */
export function longName(bytes: number, ext = '.pdf'): string {
  let base = 'Rechnung Müller & Söhne € 😀 ';
  while (Buffer.byteLength(base + ext) < bytes) base += 'ä';
  while (Buffer.byteLength(base + ext) > bytes) base = base.slice(0, -1);
  // An odd budget cannot end in 2-byte characters only: pad with ASCII.
  while (Buffer.byteLength(base + ext) < bytes) base += 'x';
  return base + ext;
}

/** A 244-byte name: a claim prefix (34 bytes) pushed it past 255 before claim names were cut. */
export const NAME_244 = longName(244);
