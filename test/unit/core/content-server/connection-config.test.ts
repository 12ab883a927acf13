import { strict as assert } from 'node:assert';
import { csSecretScope } from '../../../../src/core/content-server/connection-config';

describe('Content Server connection configuration', () => {
  it('secret scope: the same for one destination, different for another URL, login method, user, OTDS URL or client id', () => {
    const password = csSecretScope({ baseUrl: 'https://cs.example/api', authMode: 'password', username: 'svc' });
    assert.equal(csSecretScope({ baseUrl: ' https://cs.example/api ', username: 'svc', timeout: '90', categoryTemplates: '1,2' }), password);
    assert.equal(csSecretScope({ baseUrl: 'https://cs.example/api', authMode: 'password', username: 'svc', otdsUrl: 'https://unused' }), password);
    for (const other of [
      { baseUrl: 'https://cs.example.evil/api', authMode: 'password', username: 'svc' },
      { baseUrl: 'https://cs.example/api', authMode: 'password', username: 'admin' },
      { baseUrl: 'https://cs.example/api', authMode: 'ticket', username: 'svc' },
    ] as const) {
      assert.notEqual(csSecretScope(other), password, JSON.stringify(other));
    }
    const otds = csSecretScope({ baseUrl: 'https://cs.example/api', authMode: 'otds', otdsUrl: 'https://otds.example', clientId: 'fb' });
    assert.equal(csSecretScope({ baseUrl: 'https://cs.example/api', authMode: 'otds', otdsUrl: 'https://otds.example', clientId: 'fb', username: 'x' }), otds);
    assert.notEqual(csSecretScope({ baseUrl: 'https://cs.example/api', authMode: 'otds', otdsUrl: 'https://otds.example.evil', clientId: 'fb' }), otds);
    assert.notEqual(csSecretScope({ baseUrl: 'https://cs.example/api', authMode: 'otds', otdsUrl: 'https://otds.example', clientId: 'other' }), otds);
  });
});
