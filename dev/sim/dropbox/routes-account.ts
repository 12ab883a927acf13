/**
 * users/get_current_account (users.stone FullAccount, with common.stone RootInfo: TeamRootInfo when the
 * account has a team space, else UserRootInfo), users/get_space_usage, and shared links
 * (sharing/create_shared_link_with_settings with `shared_link_already_exists`, sharing/list_shared_links).
 */
import { randomBytes } from 'node:crypto';
import type { RouteDef } from './context';
import type { SimCore } from './core';
import { lookupError, routeError, type JsonObject } from './errors';
import { resolvePath } from './paths';
import type { SimEntry } from './store';

export function rootInfo(core: SimCore): JsonObject {
  if (core.teamRoot) return { '.tag': 'team', root_namespace_id: core.teamRoot.id, home_namespace_id: core.home.id, home_path: `/${core.account.displayName}` };
  return { '.tag': 'user', root_namespace_id: core.home.id, home_namespace_id: core.home.id };
}

export function accountRoutes(core: SimCore): Record<string, RouteDef> {
  const { store, account } = core;

  const linkMetadata = (entry: SimEntry, url: string): JsonObject => {
    // sharing.stone SharedLinkMetadata (FileLinkMetadata / FolderLinkMetadata).
    const withPermissions: JsonObject = {
      url,
      id: entry.id,
      name: entry.name,
      path_lower: entry.lower,
      link_permissions: { can_revoke: true, resolved_visibility: { '.tag': 'public' } },
    };
    if (entry.tag === 'folder') return { '.tag': 'folder', ...withPermissions };
    return {
      '.tag': 'file',
      ...withPermissions,
      client_modified: entry.clientModified,
      server_modified: entry.serverModified,
      rev: entry.rev,
      size: entry.size,
    };
  };

  return {
    'users/get_current_account': {
      kind: 'rpc',
      handler: () => ({
        json: {
          account_id: account.accountId,
          name: {
            given_name: account.givenName,
            surname: account.surname,
            familiar_name: account.givenName,
            display_name: account.displayName,
            abbreviated_name: `${account.givenName[0] ?? ''}${account.surname[0] ?? ''}`,
          },
          email: account.email,
          email_verified: true,
          disabled: false,
          country: 'DE',
          locale: 'en',
          referral_link: 'https://db.tt/sim',
          is_paired: false,
          account_type: { '.tag': core.teamRoot ? 'business' : 'basic' },
          root_info: rootInfo(core),
          ...(core.teamRoot
            ? {
                team: {
                  id: account.teamId,
                  name: account.teamName,
                  sharing_policies: {
                    shared_folder_member_policy: { '.tag': 'anyone' },
                    shared_folder_join_policy: { '.tag': 'from_anyone' },
                    shared_link_create_policy: { '.tag': 'default_public' },
                  },
                  office_addin_policy: { '.tag': 'disabled' },
                },
                team_member_id: account.teamMemberId,
              }
            : {}),
        },
      }),
    },
    'users/get_space_usage': {
      kind: 'rpc',
      handler: () => {
        let used = 0;
        for (const ns of [core.home, core.teamRoot]) if (ns) for (const e of ns.entries.values()) used += e.size;
        return { json: { used, allocation: { '.tag': 'individual', allocated: 2 * 1024 ** 4 } } };
      },
    },
    'sharing/create_shared_link_with_settings': {
      kind: 'rpc',
      fields: ['path', 'settings'],
      required: ['path'],
      handler: ({ arg, ns, route }) => {
        const target = resolvePath(core, ns, arg.path, route, 'path', 'path', false);
        const entry = store.get(target.ns, target.lower);
        if (!entry) throw lookupError('not_found');
        const existing = core.links.get(entry.id);
        // sharing.stone CreateSharedLinkWithSettingsError.shared_link_already_exists(SharedLinkAlreadyExistsMetadata?):
        // the link that exists is in `metadata`.
        if (existing)
          throw routeError({
            '.tag': 'shared_link_already_exists',
            shared_link_already_exists: { '.tag': 'metadata', metadata: linkMetadata(entry, existing.url) },
          });
        const url = `${core.url()}/s/${randomBytes(9).toString('base64url')}/${encodeURIComponent(entry.name)}?dl=0`;
        core.links.set(entry.id, { url, entryId: entry.id });
        return { json: linkMetadata(entry, url) };
      },
    },
    'sharing/list_shared_links': {
      kind: 'rpc',
      fields: ['path', 'cursor', 'direct_only'],
      handler: ({ arg, ns, route }) => {
        const links: JsonObject[] = [];
        let only: string | undefined;
        if (arg.path !== undefined) {
          const target = resolvePath(core, ns, arg.path, route, 'path', 'path', false);
          const entry = store.get(target.ns, target.lower);
          if (!entry) throw lookupError('not_found');
          only = entry.id;
        }
        for (const link of core.links.values()) {
          if (only && link.entryId !== only) continue;
          const at = store.ids.get(link.entryId);
          const entry = at ? at.ns.entries.get(at.lower) : undefined;
          if (entry) links.push(linkMetadata(entry, link.url));
        }
        return { json: { links, has_more: false } };
      },
    },
  };
}
