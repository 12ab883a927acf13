import type { FlowNode } from './flows';

/** One entry of Node-RED's `GET /nodes` (JSON): a node set of a module. */
export interface NodeSet {
  id: string;
  module: string;
  types: string[];
  enabled: boolean;
  /** Absent in the list form of `GET /nodes` (Node-RED 4.1); present per module. */
  loaded?: boolean;
  err?: string;
}

async function failure(res: Response, what: string): Promise<Error> {
  const body = await res.text().catch(() => '');
  return new Error(`${what} failed: HTTP ${res.status} ${res.statusText}${body ? `: ${body.slice(0, 2000)}` : ''}`);
}

export async function getNodeSets(url: string): Promise<NodeSet[]> {
  const res = await fetch(`${url}/nodes`, { headers: { Accept: 'application/json' } });
  if (!res.ok) throw await failure(res, 'GET /nodes');
  return (await res.json()) as NodeSet[];
}

/** Enabled and not reported as failed to load. */
export function usable(set: NodeSet): boolean {
  return set.enabled && set.loaded !== false;
}

/**
 * Checks that Node-RED really loaded our module with every node type package.json declares, and
 * without a load error: a broken symlink or a stale build would otherwise show up only as tabs
 * full of "unknown node" placeholders.
 */
export function checkModuleLoaded(sets: readonly NodeSet[], moduleName: string, expectedTypes: readonly string[], where: string): void {
  const ours = sets.filter((s) => s.module === moduleName);
  if (ours.length === 0) {
    throw new Error(`Node-RED did not load ${moduleName} from ${where}. Check that the link points at the repository and that \`npm run build\` succeeded.`);
  }
  const broken = ours.filter((s) => s.err !== undefined && s.err !== null && s.err !== '');
  if (broken.length > 0) {
    throw new Error(`Node-RED could not load ${moduleName}:\n${broken.map((s) => `  ${s.id}: ${String(s.err)}`).join('\n')}`);
  }
  const types = new Set(ours.filter(usable).flatMap((s) => s.types));
  const absent = expectedTypes.filter((t) => !types.has(t));
  if (absent.length > 0) throw new Error(`Node-RED loaded ${moduleName} without the node types ${absent.join(', ')}.`);
}

/** Replaces all flows, as the editor's "Deploy" (full) does. */
export async function deployFlows(url: string, nodes: readonly FlowNode[]): Promise<void> {
  const res = await fetch(`${url}/flows`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
    body: JSON.stringify(nodes),
  });
  if (!res.ok) throw await failure(res, 'Deploying the example flows (POST /flows)');
}
