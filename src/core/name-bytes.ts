/*
 * One path component (a file or folder name) may be at most 255 bytes on the file systems partner
 * servers use: NAME_MAX of Linux ext4/XFS/btrfs, passed on by OpenSSH's sftp-server and vsftpd as a
 * failed rename or store. Windows (NTFS) counts 255 UTF-16 units, never more than the UTF-8 bytes.
 * Names the pipeline makes from a partner's name (claim names, quarantine names, their reports)
 * add a prefix or a suffix, so they are cut to fit where the original name is kept elsewhere.
 */

/** Bytes one path component may have. */
export const MAX_NAME_BYTES = 255;

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** The longest start of `text` within `maxBytes` of UTF-8, never splitting a character. */
export function cutToBytes(text: string, maxBytes: number): string {
  if (utf8Bytes(text) <= maxBytes) return text;
  let bytes = 0;
  let out = '';
  for (const ch of text) {
    const n = utf8Bytes(ch);
    if (bytes + n > maxBytes) break;
    bytes += n;
    out += ch;
  }
  return out;
}

/**
 * `name` within `maxBytes`, cut at the end of its base so that a short extension stays (a cut
 * `report....pdf` still opens as a PDF). Unchanged when it fits.
 */
export function fitName(name: string, maxBytes: number): string {
  if (utf8Bytes(name) <= maxBytes) return name;
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot) : '';
  const extBytes = utf8Bytes(ext);
  if (ext !== '' && extBytes <= 16 && extBytes * 2 <= maxBytes) return cutToBytes(name.slice(0, dot), maxBytes - extBytes) + ext;
  return cutToBytes(name, maxBytes);
}
