/** The disturbances a chaos run applies while files flow. */
import { sleep } from './node-red';
import type { Plan } from './ingest';

/**
 * kill -9 of a Node-RED process (a random one of the run's) `kills` times, each restarted at once
 * with the same user dir. Each kill falls at a random point of the ingest (when the documents so far
 * pass a random share of the files, or after a random time when the flow is slower than that), so
 * kills land while files are in flight, whatever the machine's speed.
 */
export function killAndRestart(kills: number, gapMs: [number, number] = [3000, 20_000]): Plan {
  return async (ctx) => {
    const points = Array.from({ length: kills }, () => ctx.random.int(1, Math.max(1, ctx.files - 1))).sort((a, b) => a - b);
    for (let k = 0; k < kills; k++) {
      const latest = Date.now() + ctx.random.int(gapMs[0], gapMs[1]);
      while (ctx.documents() < points[k] && Date.now() < latest) await sleep(20);
      const red = ctx.reds[ctx.random.int(0, ctx.reds.length - 1)];
      await red.kill();
      ctx.log(`  kill ${k + 1}/${kills}: ${ctx.documents()} documents so far`);
      await red.start();
    }
  };
}

/** The protocol's server (sshd or vsftpd) stopped and started again `times` times while files flow. */
export function restartServer(protocol: 'sftp' | 'ftp', times: number, gapMs: [number, number] = [3000, 15_000]): Plan {
  return async (ctx) => {
    const server = protocol === 'sftp' ? ctx.servers.sftp : ctx.servers.ftp;
    for (let k = 0; k < times; k++) {
      await sleep(ctx.random.int(gapMs[0], gapMs[1]));
      await server.stop();
      ctx.log(`  ${protocol} server down ${k + 1}/${times}: ${ctx.documents()} documents so far`);
      await sleep(ctx.random.int(500, 3000));
      await server.start();
    }
  };
}

/**
 * Content Server at its worst for `durationMs`: a fifth of the answers 503, a tenth of the uploads
 * dropped half way, tickets expiring every 30 s. Then it recovers.
 */
export function contentServerFaults(durationMs: number): Plan {
  return async (ctx) => {
    ctx.sim.setFaults({ errorRate: 0.2, dropUploadRate: 0.1, ticketTtlSeconds: 30 });
    try {
      await sleep(durationMs);
    } finally {
      ctx.sim.setFaults({ errorRate: 0, dropUploadRate: 0, ticketTtlSeconds: 0 });
    }
    ctx.log(`  faults off: ${ctx.documents()} documents so far`);
  };
}

/** Nothing but the flow itself (two runtimes racing for one inbox, for instance). */
export const undisturbed: Plan = async () => undefined;
