/**
 * State beyond the node tree: records management, holds, permissions, workflows, large-file uploads
 * and OTDS tokens. Kept in memory only (a restart forgets it, unlike nodes and content).
 */
import { randomBytes } from 'node:crypto';
import type { Seed, SeedGroup, SeedHold, SeedOtdsClient, SeedWorkspaceType } from './seed';

export const PERMISSIONS = [
  'see',
  'see_contents',
  'modify',
  'edit_attributes',
  'add_items',
  'reserve',
  'add_major_version',
  'delete_versions',
  'delete',
  'edit_permissions',
] as const;

export interface PermissionEntry {
  type: 'owner' | 'group' | 'public' | 'custom';
  right_id: number | null;
  permissions: string[];
}

export interface Classification {
  class_id: number;
  status: string;
  essential: boolean;
  official: boolean;
  applied: string;
}

export interface StartedProcess {
  process_id: number;
  workflow_id: number;
  doc_ids: number[];
  comment: string;
  started: string;
  initiator: number;
}

export interface Draft {
  draftprocess_id: number;
  workflow_id: number;
  doc_ids: number[];
}

export interface LargeUpload {
  key: string;
  file_name: string;
  file_size: number;
  mime_type: string;
  num_parts: number;
  part_size: number;
  /** Part number -> temporary file path and size. */
  parts: Map<number, { path: string; size: number }>;
  /** Set once completed: the assembled file, ready for a create or version call. */
  assembled?: { path: string; size: number; sha256: string };
}

export interface LargeFileSettings {
  enabled: boolean;
  minSize: number;
  maxSize: number;
  partSize: number;
}

export class Extras {
  readonly groups: SeedGroup[];
  readonly holds: SeedHold[];
  readonly workspaceTypes: SeedWorkspaceType[];
  readonly otdsClients: SeedOtdsClient[];
  readonly classifications = new Map<number, Classification[]>();
  /** Current rm_metadataToken per node: any other token is stale. */
  readonly rmTokens = new Map<number, string>();
  readonly nodeHolds = new Map<number, Set<number>>();
  readonly permissions = new Map<number, PermissionEntry[]>();
  readonly processes: StartedProcess[] = [];
  readonly drafts = new Map<number, Draft>();
  readonly uploads = new Map<string, LargeUpload>();
  readonly otdsTokens = new Map<string, { userId: number; expires: number }>();
  private nextProcess = 5000;
  /** A hold call is being processed: the reference says to send them one at a time. */
  holdBusy = false;
  /** How long a hold call takes; concurrent ones within that window are refused. */
  holdCallMs = 25;

  constructor(
    seed: Seed,
    readonly largeFile: LargeFileSettings,
  ) {
    this.groups = seed.groups ?? [];
    this.holds = seed.holds ?? [];
    this.workspaceTypes = seed.workspaceTypes ?? [];
    this.otdsClients = seed.otdsClients ?? [];
  }

  newRmToken(nodeId: number): string {
    const token = randomBytes(12).toString('hex');
    this.rmTokens.set(nodeId, token);
    return token;
  }

  nextProcessId(): number {
    return this.nextProcess++;
  }

  /** Everything for the inspection endpoint. */
  snapshot(): Record<string, unknown> {
    return {
      classifications: Object.fromEntries(this.classifications),
      holds: Object.fromEntries([...this.nodeHolds].map(([k, v]) => [k, [...v]])),
      permissions: Object.fromEntries(this.permissions),
      processes: this.processes,
      drafts: Object.fromEntries(this.drafts),
    };
  }
}
