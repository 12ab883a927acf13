import { utils } from 'ssh2';

/**
 * A fresh ed25519 host key for a test SSH server. ssh2's generateKeyPairSync('ed25519') strips leading
 * zero bytes of the public key and so makes a key its own parser refuses about once in 256 calls
 * (mscdex/ssh2 issues #1390, #1513: "Malformed OpenSSH private key"); a refused one is made again.
 */
export function sshHostKey(): string {
  for (let i = 0; i < 20; i++) {
    const pair = utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(pair.private) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error)) return pair.private;
  }
  throw new Error('ssh2 made no usable ed25519 key in 20 tries');
}
