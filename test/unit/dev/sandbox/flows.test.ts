import { strict as assert } from 'node:assert';
import { prefixIds, prepareExample, type Example, type SandboxTargets } from '../../../../dev/sandbox/flows';

describe('sandbox flow preparation', () => {
  const example: Example = {
    name: 'basics/demo',
    nodes: [
      { id: 'tab1', type: 'tab', label: 'Demo', info: 'about' },
      { id: 'srv', type: 'filebridge-server', protocol: 'ftps-implicit', host: 'x.example', port: '990', username: 'u' },
      { id: 'inj', type: 'inject', z: 'tab1', name: 'srv', wires: [['op', 'lnk']] },
      { id: 'op', type: 'filebridge-remote', z: 'tab1', server: 'srv', wires: [[]] },
      { id: 'lnk', type: 'link out', z: 'tab1', links: ['lin', 'elsewhere'], wires: [] },
      { id: 'lin', type: 'link in', z: 'tab1', links: ['lnk'], wires: [['op']] },
      { id: 'c', type: 'catch', z: 'tab1', scope: ['op'], rules: [{ p: 'op', t: 'set' }], wires: [[]] },
    ],
  };

  it('prefixes ids and every reference to them, and leaves other strings alone', () => {
    const out = prefixIds(example.nodes, 'p-');
    const byId = new Map(out.map((n) => [n.id, n]));
    assert.deepEqual(
      out.map((n) => n.id),
      example.nodes.map((n) => `p-${n.id}`),
    );
    assert.equal(byId.get('p-inj')?.z, 'p-tab1');
    assert.deepEqual(byId.get('p-inj')?.wires, [['p-op', 'p-lnk']]);
    assert.equal(byId.get('p-op')?.server, 'p-srv');
    assert.deepEqual(byId.get('p-lnk')?.links, ['p-lin', 'elsewhere']);
    assert.deepEqual(byId.get('p-c')?.scope, ['p-op']);
    // Any string equal to an id counts as a reference, nested ones included (documented trade-off).
    assert.deepEqual(byId.get('p-c')?.rules, [{ p: 'p-op', t: 'set' }]);
    assert.equal(byId.get('p-op')?.type, 'filebridge-remote');
    assert.equal(example.nodes[2].z, 'tab1', 'the input must not be modified');
  });

  it('points config nodes at the sandbox servers, or disables the tab and says why', () => {
    const targets: SandboxTargets = {
      endpoints: { 'ftps-implicit': { host: '127.0.0.1', port: 4990, username: 'fbtest', credentials: { password: 'pw' } } },
      missing: {},
      hostKey: 'SHA256:abc',
      caPem: '-----BEGIN CERTIFICATE-----',
    };
    const ready = prepareExample(example, 0, targets);
    assert.equal(ready.prefix, 'sbx1-');
    assert.equal(ready.disabledBecause, undefined);
    const server = ready.nodes.find((n) => n.type === 'filebridge-server');
    assert.deepEqual(
      {
        host: server?.host,
        port: server?.port,
        username: server?.username,
        hostKey: server?.hostKey,
        tlsCa: server?.tlsCa,
        credentials: server?.credentials,
        d: server?.d,
      },
      {
        host: '127.0.0.1',
        port: '4990',
        username: 'fbtest',
        hostKey: 'SHA256:abc',
        tlsCa: '-----BEGIN CERTIFICATE-----',
        credentials: { password: 'pw' },
        d: undefined,
      },
    );

    const off = prepareExample(example, 1, { ...targets, endpoints: {}, missing: { 'ftps-implicit': 'needs root' } });
    const tab = off.nodes.find((n) => n.type === 'tab');
    assert.equal(tab?.disabled, true);
    assert.match(String(tab?.info), /Disabled in this sandbox.*needs root.*about/s);
    assert.equal(off.nodes.find((n) => n.type === 'filebridge-server')?.d, true);
    assert.equal(off.nodes.find((n) => n.type === 'filebridge-server')?.credentials, undefined);
  });

  const csExample: Example = {
    name: 'cs/demo',
    nodes: [
      { id: 'tab2', type: 'tab', label: 'CS demo' },
      {
        id: 'cs',
        type: 'filebridge-cs-connection',
        name: 'Production CS',
        baseUrl: 'https://cs.example.com/otcs/cs.exe/api',
        authMode: 'otds',
        otdsUrl: 'https://otds.example.com',
        clientId: 'filebridge',
        username: '',
        classificationRoot: '2500',
        categoryTemplates: '2470',
      },
      { id: 'up', type: 'filebridge-cs-upload', z: 'tab2', connection: 'cs', folder: 'Enterprise:Inbound', x: 300, y: 80, wires: [[]] },
    ],
  };
  const noServers: SandboxTargets = { endpoints: {}, missing: {}, hostKey: undefined, caPem: undefined };

  it("points Content Server connections at the simulator with a password login, keeping the example's ids", () => {
    const ready = prepareExample(csExample, 2, {
      ...noServers,
      contentServer: { baseUrl: 'http://127.0.0.1:8181/otcs/cs.exe/api', username: 'Admin', password: 'livelink' },
    });
    assert.equal(ready.disabledBecause, undefined);
    const cs = ready.nodes.find((n) => n.type === 'filebridge-cs-connection');
    assert.deepEqual(
      {
        id: cs?.id,
        baseUrl: cs?.baseUrl,
        authMode: cs?.authMode,
        username: cs?.username,
        otdsUrl: cs?.otdsUrl,
        clientId: cs?.clientId,
        credentials: cs?.credentials,
        d: cs?.d,
      },
      {
        id: 'sbx3-cs',
        baseUrl: 'http://127.0.0.1:8181/otcs/cs.exe/api',
        authMode: 'password',
        username: 'Admin',
        otdsUrl: '',
        clientId: '',
        credentials: { password: 'livelink' },
        d: undefined,
      },
    );
    assert.deepEqual([cs?.classificationRoot, cs?.categoryTemplates, cs?.name], ['2500', '2470', 'Production CS']);
    assert.equal(ready.nodes.find((n) => n.type === 'filebridge-cs-upload')?.connection, 'sbx3-cs');
    assert.equal(csExample.nodes[1].baseUrl, 'https://cs.example.com/otcs/cs.exe/api', 'the input must not be modified');

    const off = prepareExample(csExample, 2, { ...noServers, contentServerMissing: 'the simulator did not start' });
    assert.match(off.disabledBecause ?? '', /Content Server: the simulator did not start/);
    const offCs = off.nodes.find((n) => n.type === 'filebridge-cs-connection');
    assert.deepEqual([offCs?.d, offCs?.credentials, offCs?.baseUrl], [true, undefined, 'https://cs.example.com/otcs/cs.exe/api']);
    assert.equal(off.nodes.find((n) => n.type === 'tab')?.disabled, true);
  });

  it('points Dropbox configurations at the Dropbox simulator with its sign-in as a credential, or disables the tab without one', () => {
    const dbx: Example = {
      name: 'dbx-cs-09 demo',
      nodes: [
        { id: 't', type: 'tab', label: 'Dropbox demo' },
        { id: 'd', type: 'filebridge-server', protocol: 'dropbox', appKey: 'your-app-key', teamRoot: true, serviceUrl: '' },
        { id: 'w', type: 'filebridge-watch', z: 't', server: 'd', folder: '/Clients', wires: [[]] },
      ],
    };
    const base: SandboxTargets = { endpoints: {}, missing: {}, hostKey: undefined, caPem: undefined };
    const ready = prepareExample(dbx, 2, { ...base, dropbox: { url: 'http://127.0.0.1:8282', appKey: 'sim-app', refreshToken: 'sim-token' } });
    assert.equal(ready.disabledBecause, undefined);
    const server = ready.nodes.find((n) => n.type === 'filebridge-server');
    assert.deepEqual(
      [server?.serviceUrl, server?.appKey, server?.teamRoot, server?.credentials, server?.d],
      ['http://127.0.0.1:8282', 'sim-app', true, { refreshToken: 'sim-token' }, undefined],
    );
    const without = prepareExample(dbx, 2, base);
    assert.match(String(without.disabledBecause), /^Dropbox: no Dropbox simulator in this sandbox$/);
    assert.equal(without.nodes.find((n) => n.type === 'filebridge-server')?.d, true);
    assert.equal(without.nodes.find((n) => n.type === 'tab')?.disabled, true);
  });

  it('points File 360 configurations at the File 360 simulator with its client secret as a credential, or disables the tab without one', () => {
    const f360: Example = {
      name: 'f360-09 demo',
      nodes: [
        { id: 't', type: 'tab', label: 'File 360 demo' },
        {
          id: 'f',
          type: 'filebridge-server',
          protocol: 'file360',
          apiUrl: 'https://core.opentext.com',
          ssoUrl: 'https://sso.core.opentext.com',
          clientId: 'x',
          username: '',
        },
        { id: 'w', type: 'filebridge-watch', z: 't', server: 'f', folder: '/Marketing', take: 'inPlace', wires: [[]] },
      ],
    };
    const base: SandboxTargets = { endpoints: {}, missing: {}, hostKey: undefined, caPem: undefined };
    const target = { apiUrl: 'http://127.0.0.1:8383', ssoUrl: 'http://127.0.0.1:8383', clientId: 'filebridge-sim', clientSecret: 'sim-secret' };
    const ready = prepareExample(f360, 2, { ...base, file360: target });
    assert.equal(ready.disabledBecause, undefined);
    const server = ready.nodes.find((n) => n.type === 'filebridge-server');
    assert.deepEqual(
      [server?.apiUrl, server?.ssoUrl, server?.clientId, server?.username, server?.credentials, server?.d],
      ['http://127.0.0.1:8383', 'http://127.0.0.1:8383', 'filebridge-sim', '', { clientSecret: 'sim-secret' }, undefined],
    );
    assert.equal(f360.nodes[1].apiUrl, 'https://core.opentext.com', 'the input must not be modified');
    const without = prepareExample(f360, 2, base);
    assert.match(String(without.disabledBecause), /^File 360: no File 360 simulator in this sandbox$/);
    assert.equal(without.nodes.find((n) => n.type === 'filebridge-server')?.d, true);
    assert.equal(without.nodes.find((n) => n.type === 'tab')?.disabled, true);
  });
});
