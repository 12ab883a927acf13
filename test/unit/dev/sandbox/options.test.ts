import { strict as assert } from 'node:assert';
import { parseOptions, UsageError, USAGE } from '../../../../dev/sandbox/options';

describe('sandbox options: the File 360 simulator port', () => {
  it('defaults to 8383, takes --f360-port <n>, --f360-port=<n> and 0 (any free port), and lists it in the usage', () => {
    assert.equal(parseOptions([], {}, '/repo').file360Port, 8383);
    assert.equal(parseOptions(['--f360-port', '9393'], {}, '/repo').file360Port, 9393);
    assert.equal(parseOptions(['--f360-port=9394'], {}, '/repo').file360Port, 9394);
    assert.equal(parseOptions(['--f360-port', '0'], {}, '/repo').file360Port, 0);
    assert.match(USAGE, /--f360-port <n> +File 360 simulator port on 127\.0\.0\.1 \(default 8383;/);
  });

  it('refuses a port that is not one, naming the option', () => {
    assert.throws(
      () => parseOptions(['--f360-port', 'http'], {}, '/repo'),
      (err: Error) => err instanceof UsageError && /--f360-port must be a port number/.test(err.message),
    );
    assert.throws(
      () => parseOptions(['--f360-port'], {}, '/repo'),
      (err: Error) => err instanceof UsageError && /--f360-port needs a value/.test(err.message),
    );
  });
});
