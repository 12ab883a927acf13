import { strict as assert } from 'node:assert';
import {
  claimFileName,
  claimKey,
  leaseMarkerName,
  nameRecordName,
  parseClaimFileName,
  parseLeaseMarkerName,
  parseNameRecordName,
  resolveBelow,
} from '../../../../src/core/pipeline/claim';
import { longName, NAME_244 } from '../../../support/long-names';

const T0 = Date.parse('2026-11-02T10:00:00.000Z');
const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

describe('pipeline: claim names', () => {
  describe('claim names', () => {
    it('round-trip the claim time, token, attempt, owner and the original name (tildes, dashes, hashes included)', () => {
      const name = claimFileName('a-b~c #1.pdf', T0, 3, 'a1b2c3d4', '0123abcd');
      assert.equal(name, `${T0}-0123abcd-3-a1b2c3d4~a-b~c #1.pdf`);
      assert.deepEqual(parseClaimFileName(name), { claimedAt: T0, token: '0123abcd', attempt: 3, owner: 'a1b2c3d4', name: 'a-b~c #1.pdf', cut: false });
      assert.equal(parseClaimFileName('INV.pdf'), undefined);
      assert.notEqual(claimFileName('x', T0, 1, 'a1b2c3d4'), claimFileName('x', T0, 1, 'a1b2c3d4'), 'random tokens keep two claims apart');
      assert.equal(claimKey(parseClaimFileName(name)!), `${T0}-0123abcd`);
    });

    it('read claims of the version before owners (no owner: they wait for their lease)', () => {
      assert.deepEqual(parseClaimFileName(`${T0}-0123abcd-2~INV-7~x.pdf`), { claimedAt: T0, token: '0123abcd', attempt: 2, name: 'INV-7~x.pdf', cut: false });
      // A name of the old format that looks like an owner is still the name.
      assert.equal(parseClaimFileName(`${T0}-0123abcd-2~-a1b2c3d4~x`)?.name, '-a1b2c3d4~x');
    });

    it('fit 255 bytes: a 244-byte UTF-8 name is cut (extension kept, no broken character) and marked with #', () => {
      const fileName = claimFileName(NAME_244, T0, 1, 'a1b2c3d4', '0123abcd');
      assert.ok(bytes(fileName) <= 255, `${bytes(fileName)} bytes`);
      assert.ok(bytes(fileName) >= 252, 'as much of the name as fits');
      assert.equal(Buffer.from(fileName, 'utf8').toString('utf8'), fileName);
      const parsed = parseClaimFileName(fileName)!;
      assert.equal(parsed.cut, true);
      assert.ok(parsed.name.endsWith('.pdf'));
      assert.ok(NAME_244.startsWith(parsed.name.slice(0, -4)));
      assert.equal(parsed.owner, 'a1b2c3d4');
      // The longest name that fits whole, and one byte more.
      const fits = longName(255 - bytes(`${T0}-0123abcd-1-a1b2c3d4~`));
      assert.equal(parseClaimFileName(claimFileName(fits, T0, 1, 'a1b2c3d4', '0123abcd'))!.cut, false);
      assert.equal(parseClaimFileName(claimFileName(`${fits}x`, T0, 1, 'a1b2c3d4', '0123abcd'))!.cut, true);
      // A later attempt has a longer prefix: the same name may need cutting then.
      assert.equal(parseClaimFileName(claimFileName(fits, T0, 10, 'a1b2c3d4', '0123abcd'))!.cut, true);
      for (const n of [longName(255), longName(255, ''), 'é'.repeat(127)]) assert.ok(bytes(claimFileName(n, T0, 999, 'a1b2c3d4')) <= 255);
    });

    it('lease markers and name records are named by the claim key and are never taken for claims', () => {
      const claim = { claimedAt: T0, token: '0123abcd' };
      const marker = leaseMarkerName(claim, T0 + 60_000);
      assert.equal(marker, `${T0}-0123abcd.lease-${T0 + 60_000}`);
      assert.deepEqual(parseLeaseMarkerName(marker), { key: `${T0}-0123abcd`, renewedAt: T0 + 60_000 });
      assert.equal(nameRecordName(claim), `${T0}-0123abcd.name`);
      assert.deepEqual(parseNameRecordName(nameRecordName(claim)), { key: `${T0}-0123abcd`, claimedAt: T0 });
      for (const n of [marker, nameRecordName(claim)]) assert.equal(parseClaimFileName(n), undefined);
      const claimName = claimFileName('x.lease-1762077600000', T0, 1, 'a1b2c3d4', '0123abcd');
      assert.equal(parseLeaseMarkerName(claimName), undefined);
      assert.equal(parseNameRecordName(claimFileName('y.name', T0, 1, 'a1b2c3d4', '0123abcd')), undefined);
    });

    it('resolve the claim folder below the watched folder unless absolute', () => {
      assert.equal(resolveBelow('/inbox', '.filebridge/processing'), '/inbox/.filebridge/processing');
      assert.equal(resolveBelow('in', '/work/claims'), '/work/claims');
    });
  });
});
