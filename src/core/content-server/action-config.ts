/**
 * cs-action's dialog fields and how they become a `CsActionRequest`. The node evaluates the
 * TypedInputs (msg, flow, global, env, JSONata need Node-RED); everything else is decided here.
 */
import { FileBridgeError } from '../errors';
import { isCsAction, type CsAction, type CsActionRequest, type Param } from './action-request';
import type { ApplyTo } from './governance';

/** Settings that are TypedInputs: `<name>` holds the value, `<name>Type` its type. */
export const ACTION_SETTINGS = [
  'nodeId',
  'categories',
  'classification',
  'holds',
  'permissions',
  'members',
  'workflowMap',
  'comment',
  'destination',
  'newName',
  'target',
] as const;
export type ActionSetting = (typeof ACTION_SETTINGS)[number];

/** How errors name each setting. */
export const ACTION_SETTING_LABELS: Record<ActionSetting, string> = {
  nodeId: 'Node id',
  categories: 'Categories',
  classification: 'Classification',
  holds: 'Holds',
  permissions: 'Permissions',
  members: 'Members',
  workflowMap: 'Workflow map',
  comment: 'Comment',
  destination: 'Destination',
  newName: 'New name',
  target: 'Target',
};

/** Which settings each action reads, so a leftover expression of another action is never evaluated. */
const USES: Record<CsAction, ActionSetting[]> = {
  categories: ['categories'],
  classify: ['classification'],
  hold: ['holds'],
  release: ['holds'],
  permissions: ['permissions', 'members'],
  workflow: ['workflowMap', 'comment'],
  move: ['destination'],
  rename: ['newName'],
  'apply-target': ['target'],
};

/** The node's fields as Node-RED stores them. */
export type ActionConfigFields = Partial<Record<ActionSetting | `${ActionSetting}Type`, string>> & {
  action?: string;
  permissionMode?: string;
  applyTo?: string | number;
  createFolders?: boolean;
  classificationRoot?: string | number;
};

/** The action the node is set to; a flow saved by a newer version (or edited by hand) fails clearly. */
export function actionFromConfig(fields: ActionConfigFields): CsAction {
  const action = fields.action;
  if (!isCsAction(action)) throw new FileBridgeError('INVALID_INPUT', `Unknown action '${String(action)}': open the node and choose one`);
  return action;
}

/** The TypedInput settings `action` reads besides the node id: grant reads the permissions, revoke the members. */
export function settingsReadBy(action: CsAction, fields: ActionConfigFields): ActionSetting[] {
  if (action === 'permissions') return [fields.permissionMode === 'revoke' ? 'members' : 'permissions'];
  return USES[action];
}

/** A setting's value and type; an empty value means "not set" (msg.filebridge.target may supply it). */
export function settingOf(fields: ActionConfigFields, name: ActionSetting): { value: string; type: string } | undefined {
  const value = fields[name] ?? '';
  if (value === '') return undefined;
  return { value, type: fields[`${name}Type`] || 'str' };
}

/** How an error names where a value came from: `msg.filebridge.cs.id`, or `the "Holds" setting`. */
export function settingOrigin(name: ActionSetting, value: string, type: string): string {
  return type === 'msg' || type === 'flow' || type === 'global' ? `${type}.${value}` : `the "${ACTION_SETTING_LABELS[name]}" setting`;
}

/** The request from the node's fields, the settings it evaluated, and `msg.filebridge.target`. */
export function actionRequestFromConfig(
  fields: ActionConfigFields,
  action: CsAction,
  evaluated: Partial<Record<ActionSetting, Param>>,
  target: unknown,
): CsActionRequest {
  const req: CsActionRequest = {
    action,
    nodeId: evaluated.nodeId ?? { value: undefined, from: `the "${ACTION_SETTING_LABELS.nodeId}" setting` },
    target,
    permissionMode: fields.permissionMode === 'revoke' ? 'revoke' : 'grant',
    applyTo: (Number(fields.applyTo) || 0) as ApplyTo,
    createFolders: fields.createFolders === true,
    classificationRoot: fields.classificationRoot === undefined || fields.classificationRoot === '' ? undefined : Number(fields.classificationRoot),
  };
  for (const name of settingsReadBy(action, fields)) {
    const param = evaluated[name];
    if (param) req[name === 'target' ? 'applyTarget' : name] = param;
  }
  return req;
}
