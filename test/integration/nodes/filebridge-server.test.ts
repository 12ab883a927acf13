import { strict as assert } from 'node:assert';
import helper from 'node-red-node-test-helper';
import serverNode from '../../../src/nodes/filebridge-server';
import { servers } from '../../support/dev-servers';
import { nodeRedPath } from '../../support/node-red-under-test';
import { loadFlow, startTestServer, stopTestServer } from '../../support/flow-helper';

helper.init(nodeRedPath());

describe('filebridge-server "Test connection" admin endpoint', function () {
  this.timeout(60_000);
  beforeEach(() => startTestServer());
  afterEach(async () => {
    await helper.unload();
    await stopTestServer();
  });

  it('sftp: reports the host key fingerprint and the start folder listing, and never echoes the password', async () => {
    const s = servers();
    await s.writeFile('probe-file.txt', 'x');
    await loadFlow([serverNode], []);
    const res = await helper
      .request()
      .post('/filebridge/server/test')
      .send({
        protocol: 'sftp',
        host: s.sftp.host,
        port: s.sftp.port,
        username: s.username,
        hostKey: '',
        trustOnFirstUse: true,
        credentials: { password: s.password },
      })
      .expect(200);
    const body = res.body as { ok: boolean; hostKey: { fingerprint: string }; entries: { name: string }[] };
    assert.equal(body.ok, true, JSON.stringify(body));
    assert.ok(Object.values(s.sftp.hostKeyFingerprints).includes(body.hostKey.fingerprint));
    assert.ok(body.entries.some((e) => e.name === 'probe-file.txt'));
    assert.doesNotMatch(JSON.stringify(res.body), new RegExp(s.password));
  });

  it('sftp: without a pin and without trust-on-first-use it refuses but shows the presented key', async () => {
    const s = servers();
    await loadFlow([serverNode], []);
    const res = await helper
      .request()
      .post('/filebridge/server/test')
      .send({
        protocol: 'sftp',
        host: s.sftp.host,
        port: s.sftp.port,
        username: s.username,
        hostKey: '',
        credentials: { password: s.password },
      })
      .expect(200);
    assert.equal(res.body.ok, false);
    assert.equal(res.body.error.code, 'HOST_KEY_MISMATCH');
    assert.ok(Object.values(s.sftp.hostKeyFingerprints).includes(res.body.hostKey.fingerprint));
  });

  it('ftps: reports the certificate; uses the deployed credentials when the dialog sends the placeholder', async () => {
    const s = servers();
    await loadFlow(
      [serverNode],
      [
        {
          id: 'srv',
          type: 'filebridge-server',
          protocol: 'ftps-implicit',
          host: s.ftpsImplicit.host,
          port: s.ftpsImplicit.port,
          username: s.username,
          tlsCa: s.certs.ca.cert.pem,
        },
      ],
      { srv: { password: s.password } },
    );
    const res = await helper
      .request()
      .post('/filebridge/server/test')
      .send({
        id: 'srv',
        protocol: 'ftps-implicit',
        host: s.ftpsImplicit.host,
        port: s.ftpsImplicit.port,
        username: s.username,
        tlsCa: s.certs.ca.cert.pem,
        credentials: { password: '__PWRD__' },
      })
      .expect(200);
    assert.equal(res.body.ok, true, JSON.stringify(res.body));
    assert.equal(res.body.certificate.fingerprint256, s.certs.server.fingerprint256);
    assert.equal(res.body.certificate.chainVerified, true);
  });

  it('ftps: a pinned certificate fingerprint replaces CA trust; a wrong pin is refused before login', async () => {
    const s = servers();
    await loadFlow([serverNode], []);
    const base = { protocol: 'ftps-explicit', host: s.ftp.host, port: s.ftp.port, username: s.username, credentials: { password: s.password } };
    const ok = await helper
      .request()
      .post('/filebridge/server/test')
      .send({ ...base, tlsFingerprint: s.certs.server.fingerprint256.replace(/:/g, '').toLowerCase() })
      .expect(200);
    assert.equal(ok.body.ok, true, JSON.stringify(ok.body));
    assert.equal(ok.body.certificate.chainVerified, false);
    const wrong = await helper
      .request()
      .post('/filebridge/server/test')
      .send({ ...base, tlsFingerprint: s.certs.selfSigned.fingerprint256 })
      .expect(200);
    assert.equal(wrong.body.ok, false);
    assert.equal(wrong.body.error.code, 'TLS');
    assert.equal(wrong.body.certificate.fingerprint256, s.certs.server.fingerprint256);
  });

  it('ftps: an untrusted certificate is refused, and shown so the user can decide to pin it', async () => {
    const s = servers();
    await loadFlow([serverNode], []);
    const res = await helper
      .request()
      .post('/filebridge/server/test')
      .send({
        protocol: 'ftps-explicit',
        host: s.ftp.host,
        port: s.ftp.port,
        username: s.username,
        credentials: { password: s.password },
      })
      .expect(200);
    assert.equal(res.body.ok, false);
    assert.equal(res.body.error.code, 'TLS');
    assert.equal(res.body.certificate.fingerprint256, s.certs.server.fingerprint256);
    assert.match(res.body.certificate.issuer, /FileBridge Test CA/);
  });

  it('reports a missing host as INVALID_INPUT without trying to connect', async () => {
    await loadFlow([serverNode], []);
    const res = await helper
      .request()
      .post('/filebridge/server/test')
      .send({ protocol: 'ftp', host: '', username: 'x', credentials: { password: 'y' } })
      .expect(200);
    assert.equal(res.body.ok, false);
    assert.equal(res.body.error.code, 'INVALID_INPUT');
    assert.match(res.body.error.message, /host/);
  });
});
