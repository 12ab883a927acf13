import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { ContentServerClient } from '../../../../../src/core/content-server';
import { startContentServerSim, type ContentServerSim } from '../../../../../dev/sim/content-server';

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

async function get(url: string): Promise<{ status: number; type: string; text: string; headers: Headers }> {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text(), headers: res.headers };
}

/** The page without its style sheet, so assertions look at content only. */
function content(html: string): string {
  return html.replace(/<style>[\s\S]*?<\/style>/, '');
}

describe('CS simulator web page', function () {
  this.timeout(60_000);
  let sim: ContentServerSim;
  let client: ContentServerClient;
  // Names come from flows: this one has every character HTML treats specially.
  const name = `Invoice <b>ACME</b> & "Sons" 'x'.pdf`;
  const escapedName = 'Invoice &lt;b&gt;ACME&lt;/b&gt; &amp; &quot;Sons&quot; &#39;x&#39;.pdf';
  const v1 = '%PDF-1.7 first version';
  const v2 = '%PDF-1.7 second version, signed';
  let docId: number;

  before(async () => {
    sim = await startContentServerSim();
    client = new ContentServerClient({
      baseUrl: sim.apiBase,
      auth: { kind: 'password', username: 'Admin', password: 'livelink' },
      classificationRoot: 2500,
      categoryTemplates: [2470],
    });
    const first = await client.upload({
      target: 'Enterprise:Inbound',
      name,
      open: () => Readable.from([Buffer.from(v1)]),
      categories: { Invoice: { Vendor: 'ACME <Co> & Sons', Amount: 1234.5, Status: 'Approved' } },
    });
    docId = first.id;
    const second = await client.upload({
      target: 'Enterprise:Inbound',
      name,
      open: () => Readable.from([Buffer.from(v2)]),
      categories: { Invoice: { Status: 'Paid' } },
    });
    assert.deepEqual([second.action, second.version], ['versioned', 2]);
    await client.governance.classify(docId, 'Finance/Invoices');
    await client.governance.applyHolds(docId, ['Litigation ACME 2026']);
    await client.governance.grant(docId, 'Finance', ['see', 'see_contents', 'modify']);
    await client.workflows.start({ workflowId: 2401, docIds: [docId], comment: 'Please approve <today>' });
  });
  after(async () => {
    await client.close();
    await sim.stop();
  });

  it('shows the overview at / and /__sim/ui without a ticket, with versions, sha256 and categories by name', async () => {
    const root = await get(`${sim.url}/`);
    assert.equal(root.status, 200);
    assert.match(root.type, /^text\/html/);
    const ui = await get(`${sim.url}/__sim/ui`);
    assert.equal(ui.status, 200);
    const page = content(ui.text);
    assert.ok(page.includes(escapedName), 'the document name, escaped');
    assert.ok(!page.includes('<b>ACME</b>'), 'no raw markup from a name');
    assert.ok(page.includes(sha(v2).slice(0, 12)), "the latest version's sha256 prefix");
    assert.match(page, />v2</);
    assert.ok(page.includes('<i>Invoice</i>'), 'the category by name');
    assert.ok(page.includes('Vendor: <b>ACME &lt;Co&gt; &amp; Sons</b>'), 'the attribute by name, its value escaped');
    assert.ok(page.includes('Status: <b>Paid</b>'));
    assert.ok(!/9830_\d/.test(page), 'no attribute keys, only names');
    assert.ok(page.includes('RM Finance / Invoices'));
    assert.ok(page.includes('hold Litigation ACME 2026'));
    // The folder tree, the seeded business workspaces with their business object, the workflow.
    assert.ok(page.includes('Enterprise Workspace') && page.includes('>Inbound</a>'));
    assert.ok(page.includes('Initech (0000100010)') && page.includes('SAP / KNA1 / 0000100010'));
    assert.ok(page.includes('Please approve &lt;today&gt;'));
    assert.match(page, /Invoice Approval<\/a><\/td><td><a href="\/__sim\/ui\/nodes\/\d+">Invoice &lt;b&gt;/);
    assert.match(ui.text, /<meta http-equiv="refresh" content="5">/, 'a watcher sees documents arrive');
    assert.doesNotMatch(content((await get(`${sim.url}/__sim/ui?refresh=0`)).text), /http-equiv="refresh"/);
    assert.doesNotMatch(ui.text, /<script|https?:\/\/(?!127\.0\.0\.1)/, 'no script, no external assets');
    assert.match(ui.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  });

  it('shows a node page with every version, categories, records, permissions and workflows by name', async () => {
    const res = await get(`${sim.url}/__sim/ui/nodes/${docId}`);
    assert.equal(res.status, 200);
    const page = content(res.text);
    assert.ok(page.includes(`<h2>${escapedName}</h2>`));
    assert.ok(!page.includes('<b>ACME</b>'));
    for (const [n, text] of [
      [1, v1],
      [2, v2],
    ] as const) {
      assert.ok(page.includes(`<td>v${n}</td>`), `version ${n}`);
      assert.ok(page.includes(`<code title="${sha(text)}">${sha(text).slice(0, 12)}</code>`), `sha256 of version ${n}`);
      assert.ok(page.includes(`<td>${Buffer.byteLength(text)} B</td>`), `size of version ${n}`);
    }
    assert.ok(page.includes('<h3>Invoice</h3>'));
    assert.ok(page.includes('<td>Vendor</td><td>ACME &lt;Co&gt; &amp; Sons</td>'));
    assert.ok(page.includes('<td>Amount</td><td>1234.5</td>'));
    assert.ok(page.includes('<td>Status</td><td>Paid</td>'));
    assert.ok(page.includes('<td>Finance / Invoices</td>'));
    assert.ok(page.includes('Holds: Litigation ACME 2026'));
    assert.ok(page.includes('<td>custom</td><td>Finance</td><td>see, see_contents, modify</td>'));
    assert.ok(page.includes('Please approve &lt;today&gt;'));
    assert.ok(page.includes('<a href="/__sim/ui/nodes/2000">Enterprise Workspace</a> / <a href="/__sim/ui/nodes/2200">Inbound</a>'), 'the path');
  });

  it('downloads the bytes of each version as an attachment', async () => {
    for (const [n, text] of [
      [1, v1],
      [2, v2],
    ] as const) {
      const res = await fetch(`${sim.url}/__sim/ui/nodes/${docId}/versions/${n}/content`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename\*=UTF-8''Invoice%20%3Cb%3EACME/);
      assert.equal(await res.text(), text);
    }
    assert.equal((await get(`${sim.url}/__sim/ui/nodes/${docId}/versions/9/content`)).status, 404);
  });

  it('answers unknown and deleted nodes with 404, and refuses writes', async () => {
    const missing = await get(`${sim.url}/__sim/ui/nodes/99999999`);
    assert.equal(missing.status, 404);
    assert.match(missing.text, /There is no node 99999999/);
    const gone = await client.upload({ target: 'Enterprise:Inbound', name: 'to-delete.txt', open: () => Readable.from([Buffer.from('x')]) });
    await client.nodes.delete(gone.id);
    assert.equal((await get(`${sim.url}/__sim/ui/nodes/${gone.id}`)).status, 404);
    assert.equal((await fetch(`${sim.url}/__sim/ui`, { method: 'POST' })).status, 405);
    // The API base still answers as before: the page lives outside it.
    assert.equal((await fetch(`${sim.apiBase}/v1/nodes/2000`)).status, 401);
  });

  it('the default seed has what the sandbox shows: workspaces by business object, category templates, groups', async () => {
    const ws = await client.workspaces.byBusinessObject({ extSystemId: 'SAP', boType: 'KNA1', boId: '0000100020' });
    assert.equal(ws?.name, 'Umbrella Corp (0000100020)');
    assert.equal((await client.workspaces.find({ workspaceTypeId: 10 })).length >= 3, true);
    const contract = await client.upload({
      target: 'Enterprise:Inbound',
      name: 'contract.pdf',
      open: () => Readable.from([Buffer.from('c')]),
      categories: { Contract: { 'Contract Number': 'C-1', Parties: ['ACME', 'Initech'], Signed: true } },
    });
    const values = await client.readCategories(contract.id);
    assert.deepEqual([values.Contract['Contract Number'], values.Contract.Parties, values.Contract.Signed], ['C-1', ['ACME', 'Initech'], true]);
    assert.equal((await client.governance.member('Partners', 1)).id, 2004);
    assert.equal((await client.governance.member('Legal', 1)).id, 2003);
    assert.equal((await client.getNode(2402)).name, 'Contract Review');
  });
});
