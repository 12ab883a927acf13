import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileBridgeError } from '../../../../src/core/errors';
import { fingerprintOf, hostKeyAlgorithmsFor, keyTypeOf, parseHostKeyPins, verifyHostKey } from '../../../../src/core/remote/host-key';
import { servers } from '../../../support/dev-servers';

function blobOf(publicKeyLine: string): Buffer {
  const base64 = publicKeyLine.trim().split(/\s+/)[1];
  assert.ok(base64, `no key in ${publicKeyLine}`);
  return Buffer.from(base64, 'base64');
}

function expectCode(code: string, pattern?: RegExp): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof FileBridgeError, `expected a FileBridgeError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (pattern) assert.match(err.message, pattern);
    return true;
  };
}

describe('host key pins', () => {
  let dir: string;
  let ecdsaLine: string;
  let ecdsaFingerprint: string;
  let hashedLine: string;

  before(() => {
    // Key material and the expected text straight from OpenSSH's own tools.
    dir = mkdtempSync(join(tmpdir(), 'filebridge-hostkey-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ecdsa', '-b', '256', '-N', '', '-C', 'ecdsa comment', '-f', join(dir, 'k')]);
    ecdsaLine = readFileSync(join(dir, 'k.pub'), 'utf8').trim();
    ecdsaFingerprint = execFileSync('ssh-keygen', ['-lf', join(dir, 'k.pub')], { encoding: 'utf8' }).split(/\s+/)[1] ?? '';
    writeFileSync(join(dir, 'known_hosts'), `sftp.example.com ${ecdsaLine}\n`);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', join(dir, 'known_hosts')], { stdio: 'ignore' });
    hashedLine = readFileSync(join(dir, 'known_hosts'), 'utf8').trim();
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('computes fingerprints exactly as ssh-keygen -lf prints them', () => {
    const sftp = servers().sftp;
    assert.equal(fingerprintOf(blobOf(sftp.hostPublicKeys.ed25519)), sftp.hostKeyFingerprints.ed25519);
    assert.equal(fingerprintOf(blobOf(sftp.hostPublicKeys.rsa)), sftp.hostKeyFingerprints.rsa);
    assert.equal(fingerprintOf(blobOf(ecdsaLine)), ecdsaFingerprint);
    assert.equal(keyTypeOf(blobOf(sftp.hostPublicKeys.rsa)), 'ssh-rsa');
    assert.equal(keyTypeOf(blobOf(ecdsaLine)), 'ecdsa-sha2-nistp256');
  });

  it('accepts fingerprints as ssh and ssh-keygen print them, padded, lower-case prefix, with whitespace', () => {
    const fp = servers().sftp.hostKeyFingerprints.ed25519;
    const body = fp.slice('SHA256:'.length);
    const variants = [fp, `  ${fp}=  `, `sha256:${body}`, `256 ${fp} root@host (ED25519)`, `ED25519 key fingerprint is ${fp}.`];
    for (const variant of variants) {
      const set = parseHostKeyPins([variant]);
      assert.deepEqual(
        set.accepted.map((p) => p.fingerprint),
        [fp],
        variant,
      );
    }
  });

  it('accepts known_hosts lines (plain, several hosts, hashed, with comment) and public key lines', () => {
    const sftp = servers().sftp;
    const ed = sftp.hostKeyFingerprints.ed25519;
    const text = [
      '# pasted from ~/.ssh/known_hosts',
      '',
      `${sftp.knownHostsLines[0]}`,
      `sftp.example.com,10.0.0.5 ${ecdsaLine}`,
      hashedLine,
      sftp.hostPublicKeys.rsa,
    ].join('\r\n');
    const set = parseHostKeyPins([text]);
    assert.deepEqual(
      set.accepted.map((p) => p.fingerprint),
      [ed, ecdsaFingerprint, ecdsaFingerprint, sftp.hostKeyFingerprints.rsa],
    );
    assert.deepEqual(
      set.accepted.map((p) => p.keyType),
      ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp256', 'ssh-rsa'],
    );
    assert.equal(set.revoked.length, 0);
  });

  it('refuses unusable pin text with INVALID_INPUT naming the line', () => {
    const sftp = servers().sftp;
    const [type, base64] = sftp.hostPublicKeys.ed25519.split(' ') as [string, string];
    const cases: [string, RegExp][] = [
      ['SHA256:tooShort', /43 base64 characters/],
      [`SHA256:${'A'.repeat(42)}B`, /not a valid SHA-256 fingerprint/],
      ['MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48', /MD5 fingerprints/],
      [`host ssh-rsa ${base64}`, /says "ssh-rsa" but the key inside is "ssh-ed25519"/],
      [`host ${type} ${base64.slice(0, 10)}`, /does not decode to an SSH public key/],
      [`host ${type} not*base64`, /not base64/],
      ['host', /key type and a base64 key are missing/],
      [`@marker host ${type} ${base64}`, /not a known_hosts marker/],
      [`|1|abc host ${type} ${base64}`.replace(' host', ''), /hashed host name/],
      [`@cert-authority *.example.com ${type} ${base64}`, /@cert-authority.*cannot serve as a pin/],
    ];
    for (const [line, pattern] of cases) {
      assert.throws(
        () => parseHostKeyPins([`${sftp.hostKeyFingerprints.rsa}\n${line}`]),
        (err: unknown) => {
          expectCode('INVALID_INPUT', pattern)(err);
          assert.ok((err as Error).message.includes(line.slice(0, 20)), `message should quote the bad line: ${(err as Error).message}`);
          return true;
        },
        line,
      );
    }
  });

  it('accepts a matching key and reports it was not learned', () => {
    const sftp = servers().sftp;
    const verdict = verifyHostKey(blobOf(sftp.hostPublicKeys.ed25519), [sftp.hostKeyFingerprints.rsa, sftp.knownHostsLines[0] ?? ''], false);
    assert.deepEqual(verdict, { fingerprint: sftp.hostKeyFingerprints.ed25519, keyType: 'ssh-ed25519', learned: false });
  });

  it('learns the key on first use when no pin is set', () => {
    const sftp = servers().sftp;
    const verdict = verifyHostKey(blobOf(sftp.hostPublicKeys.rsa), ['', '# nothing yet'], true);
    assert.deepEqual(verdict, { fingerprint: sftp.hostKeyFingerprints.rsa, keyType: 'ssh-rsa', learned: true });
  });

  it('refuses without pins and without trust on first use, telling what to paste', () => {
    const sftp = servers().sftp;
    const fp = sftp.hostKeyFingerprints.ed25519;
    assert.throws(
      () => verifyHostKey(blobOf(sftp.hostPublicKeys.ed25519), [], false, 'sftp.example.com:22'),
      (err: unknown) => {
        expectCode('HOST_KEY_MISMATCH')(err);
        const e = err as FileBridgeError;
        assert.ok(e.message.includes(fp));
        assert.match(e.message, /sftp\.example\.com:22/);
        assert.match(e.message, /paste .* into the Host key field/);
        assert.match(e.message, /Trust on first use/);
        assert.equal(e.details.fingerprint, fp);
        return true;
      },
    );
  });

  it('refuses a different key, showing the presented and the expected fingerprints', () => {
    const sftp = servers().sftp;
    assert.throws(
      () => verifyHostKey(blobOf(sftp.hostPublicKeys.rsa), [ecdsaFingerprint, sftp.hostKeyFingerprints.ed25519], true),
      (err: unknown) => {
        expectCode('HOST_KEY_MISMATCH')(err);
        const e = err as FileBridgeError;
        assert.ok(e.message.includes(sftp.hostKeyFingerprints.rsa));
        assert.ok(e.message.includes(ecdsaFingerprint));
        assert.ok(e.message.includes(sftp.hostKeyFingerprints.ed25519));
        assert.equal(e.details.fingerprint, sftp.hostKeyFingerprints.rsa);
        assert.deepEqual(e.details.expected, [ecdsaFingerprint, sftp.hostKeyFingerprints.ed25519]);
        return true;
      },
    );
  });

  it('refuses a @revoked key even when it is also pinned or trust on first use is on', () => {
    const sftp = servers().sftp;
    const revoked = `@revoked * ${sftp.hostPublicKeys.ed25519}`;
    const blob = blobOf(sftp.hostPublicKeys.ed25519);
    assert.throws(() => verifyHostKey(blob, [revoked], true), expectCode('HOST_KEY_MISMATCH', /@revoked/));
    assert.throws(() => verifyHostKey(blob, [revoked, sftp.hostKeyFingerprints.ed25519], false), expectCode('HOST_KEY_MISMATCH', /@revoked/));
    // A revoked line does not count as a pin for the other key.
    assert.equal(verifyHostKey(blobOf(sftp.hostPublicKeys.rsa), [revoked], true).learned, true);
  });

  it('asks the server for the pinned key types when every pin names one', () => {
    const sftp = servers().sftp;
    assert.deepEqual(hostKeyAlgorithmsFor(parseHostKeyPins([sftp.hostPublicKeys.rsa])), ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    assert.deepEqual(hostKeyAlgorithmsFor(parseHostKeyPins([ecdsaLine, sftp.knownHostsLines[0] ?? ''])), ['ecdsa-sha2-nistp256', 'ssh-ed25519']);
    assert.equal(hostKeyAlgorithmsFor(parseHostKeyPins([ecdsaLine, sftp.hostKeyFingerprints.rsa])), undefined);
    assert.equal(hostKeyAlgorithmsFor(parseHostKeyPins([])), undefined);
  });
});
