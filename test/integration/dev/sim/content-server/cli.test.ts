/**
 * A 200 MB upload and download through the simulator running alone (the CLI in a child process), so
 * its RSS measures only the simulator: content must stream to and from disk, never sit in memory.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReadableStream } from 'node:stream/web';

const SIZE_MB = 200;

interface Started {
  child: ChildProcess;
  url: string;
  apiBase: string;
  ui: string;
}

function startCli(dataDir: string): Promise<Started> {
  const cli = join(__dirname, '../../../../../dev/sim/content-server/cli.js');
  const child = spawn(process.execPath, [cli, '--port', '0', '--data', dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`simulator exited with ${String(code)}`)));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) {
        const info = JSON.parse(line) as { url: string; apiBase: string; ui: string };
        resolve({ child, url: info.url, apiBase: info.apiBase, ui: info.ui });
      }
    });
  });
}

async function rss(url: string): Promise<number> {
  const stats = (await (await fetch(`${url}/__sim/stats`)).json()) as { rss: number };
  return stats.rss;
}

describe('Content Server simulator CLI: memory', function () {
  this.timeout(180000);
  let sim: Started;
  let dataDir: string;

  before(async function () {
    dataDir = mkdtempSync(join(tmpdir(), 'cs-sim-mem-'));
    sim = await startCli(dataDir);
  });
  after(async function () {
    sim.child.kill('SIGTERM');
    await new Promise((r) => sim.child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`streams a ${SIZE_MB} MB upload to disk and back without growing its memory`, async function () {
    const auth = await fetch(`${sim.apiBase}/v1/auth`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'username=Admin&password=livelink',
    });
    const { ticket } = (await auth.json()) as { ticket: string };
    const before = await rss(sim.url);

    // A hand-built multipart body from a generator: the test process does not hold the file either.
    const boundary = `----sim${Date.now()}`;
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="body"\r\n\r\n${JSON.stringify({ type: 144, parent_id: 2000, name: 'big.bin' })}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const block = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < block.length; i++) block[i] = (i * 31 + 7) & 0xff;
    // Boundary-like bytes inside the content must not confuse the parser.
    block.write(`\r\n--${boundary.slice(0, -2)}`, 1000);
    const hash = createHash('sha256');
    let sent = -1;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === -1) controller.enqueue(new Uint8Array(head));
        else if (sent < SIZE_MB) {
          hash.update(block);
          controller.enqueue(new Uint8Array(block));
        } else if (sent === SIZE_MB) controller.enqueue(new Uint8Array(tail));
        else controller.close();
        sent++;
      },
    });
    const init = { method: 'POST', headers: { OTCSTicket: ticket, 'Content-Type': `multipart/form-data; boundary=${boundary}` }, body, duplex: 'half' };
    const res = await fetch(`${sim.apiBase}/v2/nodes`, init as unknown as RequestInit);
    const answer = (await res.json()) as { results: { data: { properties: { id: number; size: number } } } };
    assert.equal(res.status, 200);
    const { id, size } = answer.results.data.properties;
    assert.equal(size, SIZE_MB * 1024 * 1024);
    const afterUpload = await rss(sim.url);

    const versions = (await (await fetch(`${sim.url}/__sim/versions/${id}`)).json()) as { sha256: string }[];
    assert.equal(versions[0]?.sha256, hash.digest('hex'));
    assert.deepEqual(readdirSync(join(dataDir, 'tmp')), []);

    const download = await fetch(`${sim.apiBase}/v2/nodes/${id}/content`, { headers: { OTCSTicket: ticket } });
    assert.equal(download.headers.get('content-length'), String(SIZE_MB * 1024 * 1024));
    const back = createHash('sha256');
    let bytes = 0;
    for await (const chunk of download.body as unknown as AsyncIterable<Uint8Array>) {
      back.update(chunk);
      bytes += chunk.length;
    }
    assert.equal(bytes, SIZE_MB * 1024 * 1024);
    assert.equal(back.digest('hex'), versions[0]?.sha256);
    // The web page's download link streams the same way.
    const page = await fetch(`${sim.ui}/nodes/${id}`);
    assert.equal(page.status, 200);
    const link = /href="([^"]*\/versions\/1\/content)"/.exec(await page.text())?.[1];
    assert.ok(link, 'no download link on the node page');
    const viaPage = createHash('sha256');
    for await (const chunk of (await fetch(`${sim.url}${link}`)).body as unknown as AsyncIterable<Uint8Array>) viaPage.update(chunk);
    assert.equal(viaPage.digest('hex'), versions[0]?.sha256);
    const afterDownload = await rss(sim.url);

    const growth = (Math.max(afterUpload, afterDownload) - before) / (1024 * 1024);
    if (this.test) this.test.title += ` (RSS +${growth.toFixed(1)} MB)`;
    assert.ok(growth < 64, `simulator RSS grew by ${growth.toFixed(1)} MB for a ${SIZE_MB} MB file`);
  });
});
