import { isAbsolute, join, resolve } from 'node:path';

/** What `npm start` can be told, from the command line or the environment. */
export interface SandboxOptions {
  /** Node-RED editor and admin API port on 127.0.0.1. */
  port: number;
  /** Everything the sandbox writes lives here (Node-RED user dir, server temp folders, status file). */
  dataDir: string;
  /** How often a new sample file lands in `inbox/`; 0 turns it off. */
  sampleIntervalMs: number;
  /** Where the flows to deploy come from: the package's `examples/` unless told otherwise. */
  examplesDir: string;
  /** Preferred port of the Content Server simulator on 127.0.0.1 (a free one when taken; 0 = any). */
  csPort: number;
  /** Preferred port of the Dropbox simulator on 127.0.0.1 (a free one when taken; 0 = any). */
  dropboxPort: number;
  /** Preferred port of the File 360 simulator on 127.0.0.1 (a free one when taken; 0 = any). */
  file360Port: number;
  /** Preferred port of the REST simulator on 127.0.0.1 (a free one when taken; 0 = any). */
  restPort: number;
  /** Do not echo Node-RED's own log. */
  quiet: boolean;
  help: boolean;
}

/** A mistake on the command line: shown with the usage text, never with a stack trace. */
export class UsageError extends Error {}

export const USAGE = `Usage: npm start -- [options]

  --port <n>              Node-RED editor port on 127.0.0.1 (default 1880, or $PORT)
  --data <dir>            where the sandbox keeps its data (default <repo>/.sandbox,
                          or $FILEBRIDGE_SANDBOX_DATA)
  --sample-interval <s>   seconds between new sample files in inbox/ and the examples' watched folders (default 30, 0 = off)
  --examples <dir>        deploy the flows in this folder instead of the package's examples/
  --cs-port <n>           Content Server simulator port on 127.0.0.1 (default 8181;
                          another free one when taken; 0 = any)
  --dropbox-port <n>      Dropbox simulator port on 127.0.0.1 (default 8282;
                          another free one when taken; 0 = any)
  --f360-port <n>         File 360 simulator port on 127.0.0.1 (default 8383;
                          another free one when taken; 0 = any)
  --rest-port <n>         REST simulator port on 127.0.0.1 (default 8484;
                          another free one when taken; 0 = any)
  --quiet                 do not echo Node-RED's log
  --help                  this text
`;

const DEFAULT_PORT = 1880;
const DEFAULT_SAMPLE_SECONDS = 30;
const DEFAULT_CS_PORT = 8181;
const DEFAULT_DROPBOX_PORT = 8282;
const DEFAULT_FILE360_PORT = 8383;
const DEFAULT_REST_PORT = 8484;

function parsePort(text: string, from: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`${from} must be a port number from 1 to 65535, got "${text}".`);
  return port;
}

function parseSeconds(text: string, from: string): number {
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < 0) throw new UsageError(`${from} must be a number of seconds (0 turns it off), got "${text}".`);
  return seconds;
}

/**
 * Reads `argv` (without node and script) and the environment. Both `--port 1881` and `--port=1881`
 * work, because `npm start -- --port=1881` is what people type after reading npm's own docs.
 */
export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv, repoRoot: string): SandboxOptions {
  const options: SandboxOptions = {
    port: env.PORT ? parsePort(env.PORT, 'PORT') : DEFAULT_PORT,
    dataDir: env.FILEBRIDGE_SANDBOX_DATA ? resolve(env.FILEBRIDGE_SANDBOX_DATA) : join(repoRoot, '.sandbox'),
    sampleIntervalMs: DEFAULT_SAMPLE_SECONDS * 1000,
    csPort: DEFAULT_CS_PORT,
    dropboxPort: DEFAULT_DROPBOX_PORT,
    file360Port: DEFAULT_FILE360_PORT,
    restPort: DEFAULT_REST_PORT,
    examplesDir: join(repoRoot, 'examples'),
    quiet: false,
    help: false,
  };
  const args = [...argv];
  while (args.length > 0) {
    const arg = args.shift() ?? '';
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      const v = inline ?? args.shift();
      if (v === undefined || v === '') throw new UsageError(`${name} needs a value.`);
      return v;
    };
    switch (name) {
      case '--port':
        options.port = parsePort(value(), '--port');
        break;
      case '--data': {
        const dir = value();
        options.dataDir = isAbsolute(dir) ? dir : resolve(dir);
        break;
      }
      case '--sample-interval':
        options.sampleIntervalMs = parseSeconds(value(), '--sample-interval') * 1000;
        break;
      case '--examples': {
        const dir = value();
        options.examplesDir = isAbsolute(dir) ? dir : resolve(dir);
        break;
      }
      case '--cs-port': {
        const v = value();
        options.csPort = v === '0' ? 0 : parsePort(v, '--cs-port');
        break;
      }
      case '--dropbox-port': {
        const v = value();
        options.dropboxPort = v === '0' ? 0 : parsePort(v, '--dropbox-port');
        break;
      }
      case '--f360-port': {
        const v = value();
        options.file360Port = v === '0' ? 0 : parsePort(v, '--f360-port');
        break;
      }
      case '--rest-port': {
        const v = value();
        options.restPort = v === '0' ? 0 : parsePort(v, '--rest-port');
        break;
      }
      case '--quiet':
        options.quiet = true;
        break;
      case '--help':
      case '-h':
        options.help = true;
        break;
      default:
        throw new UsageError(`Unknown option "${arg}".`);
    }
  }
  return options;
}
