import { strict as assert } from 'node:assert';
import helper from 'node-red-node-test-helper';
import serverNode from '../../../src/nodes/filebridge-server';
import csConnectionNode from '../../../src/nodes/filebridge-cs-connection';
import { servers } from '../../support/dev-servers';
import { coreNode, nodeRedPath } from '../../support/node-red-under-test';
import { loadFlow, startTestServer, stopTestServer } from '../../support/flow-helper';
import { startFtpTrap, startSshTrap, type CredentialTrap } from '../../support/credential-trap';

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
    // Only the first entries of the start folder are listed: an empty home makes the probe one of them.
    await s.clear();
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

/*
 * The endpoint acts with a deployed node's stored secrets. Played as an attacker with write access
 * to the admin API would: a deployed node's id plus a host of the attacker's choosing. The traps
 * are that host; they record every password that reaches them.
 */
describe('filebridge-server "Test connection" never hands a stored secret to another server', function () {
  this.timeout(60_000);
  const STORED = 'stored-secret-4471';
  let ftpTrap: CredentialTrap;
  let sshTrap: CredentialTrap;

  beforeEach(async () => {
    await startTestServer();
    ftpTrap = await startFtpTrap();
    sshTrap = await startSshTrap();
  });
  afterEach(async () => {
    await helper.unload();
    await stopTestServer();
    await ftpTrap.close();
    await sshTrap.close();
  });

  type Answer = { ok: boolean; error?: { code: string; message: string } };

  async function test(body: Record<string, unknown>): Promise<Answer> {
    const res = await helper.request().post('/filebridge/server/test').send(body).expect(200);
    const answer = res.body as Answer;
    assert.doesNotMatch(JSON.stringify(answer), new RegExp(STORED), 'the answer carried the stored secret');
    return answer;
  }

  function refusedAsUntyped(answer: Answer, secret = 'password'): void {
    // First what matters most: the secret reached no trap.
    for (const trap of [ftpTrap, sshTrap]) assert.equal(trap.saw(STORED), false, `the trap received the stored secret: ${trap.received.join(' | ')}`);
    assert.equal(answer.ok, false, JSON.stringify(answer));
    assert.equal(answer.error?.code, 'INVALID_INPUT', JSON.stringify(answer));
    assert.match(answer.error?.message ?? '', new RegExp(`type the ${secret} again`));
  }

  /** Deployed server nodes pointing at the traps: `at-ssh-trap` (sftp) and `at-ftp-trap`. */
  async function deployAtTraps(username = 'alice'): Promise<Record<'ssh' | 'ftp', Record<string, unknown>>> {
    const ssh = { protocol: 'sftp', host: sshTrap.host, port: sshTrap.port, username, hostKey: '', trustOnFirstUse: true };
    const ftp = { protocol: 'ftp', host: ftpTrap.host, port: ftpTrap.port, username };
    await loadFlow(
      [serverNode],
      [
        { id: 'at-ssh-trap', type: 'filebridge-server', ...ssh },
        { id: 'at-ftp-trap', type: 'filebridge-server', ...ftp },
      ],
      { 'at-ssh-trap': { password: STORED }, 'at-ftp-trap': { password: STORED } },
    );
    return { ssh, ftp };
  }

  it('another host, port or protocol than deployed: refused before connecting, the stored password reaches no one', async () => {
    const s = servers();
    // Deployed for the real sshd; the attacker keeps the id and the user and points elsewhere.
    await loadFlow(
      [serverNode],
      [{ id: 'srv', type: 'filebridge-server', protocol: 'sftp', host: s.sftp.host, port: s.sftp.port, username: s.username, trustOnFirstUse: true }],
      { srv: { password: STORED } },
    );
    const asDeployed = { id: 'srv', protocol: 'sftp', host: s.sftp.host, port: s.sftp.port, username: s.username, trustOnFirstUse: true };
    refusedAsUntyped(await test({ ...asDeployed, port: sshTrap.port, credentials: { password: '__PWRD__' } }));
    refusedAsUntyped(await test({ ...asDeployed, host: 'localhost', port: sshTrap.port, credentials: { password: '__PWRD__' } }));
    refusedAsUntyped(await test({ ...asDeployed, protocol: 'ftp', port: ftpTrap.port, credentials: { password: '__PWRD__' } }));
    // Leaving the secret out entirely is no way around it: nothing stored is used, so there is no password.
    const omitted = await test({ ...asDeployed, port: sshTrap.port });
    assert.equal(omitted.ok, false);
    assert.equal(omitted.error?.code, 'INVALID_INPUT');
    assert.match(omitted.error?.message ?? '', /No password or private key is set/);
    assert.equal(sshTrap.saw(STORED), false, sshTrap.received.join('\n'));
    assert.equal(ftpTrap.saw(STORED), false, ftpTrap.received.join('\n'));
    assert.equal(sshTrap.connections + ftpTrap.connections, 0, 'a trap was contacted');
  });

  it('another user than deployed: refused, the same server never sees the password under a different account', async () => {
    const deployed = await deployAtTraps();
    refusedAsUntyped(await test({ id: 'at-ssh-trap', ...deployed.ssh, username: 'mallory', credentials: { password: '__PWRD__' } }));
    refusedAsUntyped(await test({ id: 'at-ftp-trap', ...deployed.ftp, username: 'mallory', credentials: { password: '__PWRD__' } }));
    assert.equal(sshTrap.connections + ftpTrap.connections, 0, 'a trap was contacted');
  });

  it('the id of a Content Server connection or of a core http request node lends no secret', async () => {
    await loadFlow(
      [serverNode, csConnectionNode, coreNode('network/21-httprequest.js')],
      [
        { id: 'tab', type: 'tab', label: 'secrets' },
        { id: 'cs', type: 'filebridge-cs-connection', baseUrl: 'http://127.0.0.1:1/api', authMode: 'password', username: 'Admin' },
        { id: 'web', type: 'http request', z: 'tab', method: 'GET', url: 'http://127.0.0.1:1/', authType: 'basic', wires: [[]] },
      ],
      { cs: { password: STORED }, web: { user: 'alice', password: STORED } },
    );
    for (const id of ['cs', 'web']) {
      refusedAsUntyped(await test({ id, protocol: 'ftp', host: ftpTrap.host, port: ftpTrap.port, username: 'alice', credentials: { password: '__PWRD__' } }));
      refusedAsUntyped(
        await test({
          id,
          protocol: 'sftp',
          host: sshTrap.host,
          port: sshTrap.port,
          username: 'Admin',
          trustOnFirstUse: true,
          credentials: { password: '__PWRD__' },
        }),
      );
    }
    assert.equal(sshTrap.connections + ftpTrap.connections, 0, 'a trap was contacted');
    assert.equal(ftpTrap.saw(STORED) || sshTrap.saw(STORED), false);
  });

  it('a configuration that is not deployed has no stored secret to lend: the password must be typed', async () => {
    await loadFlow([serverNode], []);
    refusedAsUntyped(
      await test({ id: 'never-deployed', protocol: 'ftp', host: ftpTrap.host, port: ftpTrap.port, username: 'alice', credentials: { password: '__PWRD__' } }),
    );
    refusedAsUntyped(
      await test({
        id: 'never-deployed',
        protocol: 'sftp',
        host: sshTrap.host,
        port: sshTrap.port,
        username: 'alice',
        credentials: { password: '', privateKey: '__PWRD__', passphrase: '__PWRD__' },
      }),
      'private key and passphrase',
    );
    assert.equal(sshTrap.connections + ftpTrap.connections, 0, 'a trap was contacted');
  });

  it('unchanged settings use the stored password, whichever way the dialog writes the port', async () => {
    const s = servers();
    // The answer lists the first entries of the start folder only: an empty home makes the probe one of them.
    await s.clear();
    await s.writeFile('stored-secret-probe.txt', 'x');
    await loadFlow(
      [serverNode],
      [{ id: 'srv', type: 'filebridge-server', protocol: 'sftp', host: s.sftp.host, port: String(s.sftp.port), username: s.username, trustOnFirstUse: true }],
      { srv: { password: s.password } },
    );
    for (const port of [s.sftp.port, String(s.sftp.port), ` ${s.sftp.port} `]) {
      const res = await helper
        .request()
        .post('/filebridge/server/test')
        .send({
          id: 'srv',
          protocol: 'sftp',
          host: s.sftp.host,
          port,
          username: s.username,
          trustOnFirstUse: true,
          credentials: { password: '__PWRD__', privateKey: '', passphrase: '' },
        })
        .expect(200);
      const body = res.body as Answer & { entries?: { name: string }[] };
      assert.equal(body.ok, true, JSON.stringify(body));
      assert.ok(body.entries?.some((e) => e.name === 'stored-secret-probe.txt'));
    }
  });

  it('a typed password is used as typed for any host: the user supplied it for these settings', async () => {
    await deployAtTraps();
    const answer = await test({
      id: 'at-ftp-trap',
      protocol: 'ftp',
      host: ftpTrap.host,
      port: ftpTrap.port,
      username: 'bob',
      credentials: { password: 'typed-now' },
    });
    assert.equal(answer.ok, false);
    assert.equal(answer.error?.code, 'AUTHENTICATION', JSON.stringify(answer));
    assert.ok(ftpTrap.received.includes('PASS typed-now'), ftpTrap.received.join('\n'));
    assert.equal(ftpTrap.saw(STORED), false);
  });
});
