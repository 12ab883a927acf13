/**
 * The File 360 folder picker for any dialog with a folder field (watch, remote, file360 put, and the
 * File 360 server dialog itself): folders by name below the user's root, through the runtime's
 * `filebridge/server/file360/browse` endpoint. From a node's dialog it asks with the server's id only,
 * so the runtime browses through the deployed configuration and no secret leaves it; the server
 * dialog adds its typed settings (`settings`), which the runtime checks against the stored secrets.
 */
import { browseFolders, type PickerText } from './folder-picker';

/** Whether the `filebridge-server` config node `id`, as the editor has it now, is a File 360 connection. */
export function isFile360Server(id: unknown): boolean {
  if (typeof id !== 'string' || id === '' || id === '_ADD_') return false;
  const server = RED.nodes.node(id) as { protocol?: string } | null;
  return !!server && server.protocol === 'file360';
}

/**
 * Opens the picker under `after`, starting at `start` (a path such as `/Suppliers/ACME`; blank: the
 * root); "Select" calls `onSelect` with the chosen folder's path.
 */
export function browseFile360Folders(
  after: JQuery,
  serverId: string | undefined,
  start: string | undefined,
  onSelect: (path: string) => void,
  settings: object = {},
): void {
  const text = function (key: PickerText): string {
    return RED._('node-red-contrib-ecm-filebridge/filebridge-server:filebridge-server.file360Picker.' + key);
  };
  browseFolders(
    after,
    { kind: 'file360', connectionId: serverId, text: text },
    function (folder) {
      return { url: 'filebridge/server/file360/browse', body: { ...settings, id: serverId, folder: folder === undefined ? '' : folder } };
    },
    start && start.trim() !== '' ? start.trim() : undefined,
    onSelect,
  );
}
