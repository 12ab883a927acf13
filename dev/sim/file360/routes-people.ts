/**
 * Groups, user and group search, and the administrator session (shared/reference/file360-rest.md,
 * "Groups and users" and "What OpenText's own client sends"; the shapes are those of the example
 * answers in opentext/pyxecm, pyxecm/coreshare.py):
 * - `GET /api/v1/groups?offset=0&count=25` -> `{"results":[...],"_links":{"self":{"href"},"next":{"href"}}}`
 *   (`next` only while more remain; pyxecm pages by following `_links.next.href`);
 *   `POST /api/v1/groups` `{"name","description"}` -> the group; `GET /api/v1/groups/{id}`.
 * - Members: `GET /api/v1/groups/{id}/members` -> `{"groupMembers":[..],"pending":[],"count":n}`;
 *   `POST` / `DELETE` with `{"members":[<email>],"specificGroupRole":false}` ->
 *   `[{"member","success",("user"|"errors")}]` (`add_group_member`, `remove_group_member`).
 * - `GET /api/v1/groups/{id}/shares/incoming` -> `{"shares":[{"id","name"}]}` (`get_group_shares`).
 * - Search: `GET /search/v1/user/group-all?q=` (`search_groups`), `GET /search/v1/user/<status>?q=&pageSize=`
 *   (`search_users`; statuses internal-enabled|-pending|-locked|-native|-sso from its docstring) and the
 *   older `GET /search/v1/user?q=`: `{"results":[...],"total":n}`. A query matches names and emails,
 *   case-insensitively, as a substring (how the service matches is not public: unverified).
 * - `POST /api/v1/sessions?client={'type':'web'}&email=..&password=..` (empty body): the answer sets an
 *   `AccessToken` cookie; pyxecm (`authenticate_admin`) strips a leading `s%3A` and the last `.part`
 *   (a signed cookie) and sends the rest as Bearer: the simulator's cookie has that form.
 */
import { checkId, intParam, str } from './checks';
import type { Ctx, Reply, RouteDef } from './context';
import { badRequest, conflict, notFound, unauthorized, type Json, type JsonObject } from './errors';
import type { Group, User } from './store';
import { displayName, groupJson, userJson, userRef } from './views';

const USER_STATUSES = ['internal-enabled', 'internal-pending', 'internal-locked', 'internal-native', 'internal-sso'];

const matches = (q: string, ...values: string[]): boolean => q === '' || values.some((v) => v.toLowerCase().includes(q));

export function peopleRoutes(): RouteDef[] {
  const groupOf = (ctx: Ctx): Group => {
    const g = ctx.core.store.groups.get(checkId(ctx.params.id, 'group id'));
    if (!g) throw notFound(`No group with id ${ctx.params.id ?? ''}`);
    return g;
  };

  const listGroups = (ctx: Ctx): Reply => {
    const offset = intParam(ctx.url, 'offset', 0);
    const count = intParam(ctx.url, 'count', 25, 100);
    if (count === 0) throw badRequest('count must be at least 1');
    const all = [...ctx.core.store.groups.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const links: JsonObject = { self: { href: `/api/v1/groups?offset=${offset}&count=${count}` } };
    if (offset + count < all.length) links.next = { href: `/api/v1/groups?offset=${offset + count}&count=${count}` };
    return { json: { results: all.slice(offset, offset + count).map(groupJson), _links: links } };
  };

  const addGroup = (ctx: Ctx): Reply => {
    const name = str(ctx.body, 'name');
    if (!name || name.trim() === '' || name.length > 255) throw badRequest('name must be a non-empty string of at most 255 characters');
    if ([...ctx.core.store.groups.values()].some((g) => g.name === name)) throw conflict(`A group named '${name}' exists`);
    return { status: 201, json: groupJson(ctx.core.store.addGroup(name, str(ctx.body, 'description') ?? '')) };
  };

  const members = (ctx: Ctx): Reply => {
    const g = groupOf(ctx);
    const list = [...g.members].map((id) => ctx.core.store.users.get(id)).filter((u): u is User => u !== undefined);
    return { json: { groupMembers: list.map((u) => ({ ...userRef(u), isSpecificGroupAdmin: false })), pending: [], count: list.length } };
  };

  const changeMembers = (ctx: Ctx, add: boolean): Reply => {
    const g = groupOf(ctx);
    const emails = ctx.body.members;
    if (!Array.isArray(emails) || emails.length === 0 || emails.some((e) => typeof e !== 'string'))
      throw badRequest('members must be a non-empty array of email addresses');
    if (ctx.body.specificGroupRole !== undefined && typeof ctx.body.specificGroupRole !== 'boolean') throw badRequest('specificGroupRole must be a boolean');
    const users = [...ctx.core.store.users.values()];
    const answer: Json[] = (emails as string[]).map((email): JsonObject => {
      const u = users.find((x) => x.email.toLowerCase() === email.toLowerCase());
      if (!u) return { member: email, success: false, errors: [{ code: 'userNotFound', message: 'No user with this email address' }] };
      if (add) g.members.add(u.id);
      else g.members.delete(u.id);
      return add ? { member: email, success: true, user: userJson(u) } : { member: email, success: true };
    });
    return { json: answer };
  };

  const incoming = (ctx: Ctx): Reply => {
    const g = groupOf(ctx);
    const shares: Json[] = [];
    for (const r of ctx.core.store.resources.values())
      if (r.kind === 'folder' && r.collaborators.has(g.id) && ctx.core.store.live(r.id)) shares.push({ id: r.id, name: r.name });
    return { json: { shares } };
  };

  const searchGroups = (ctx: Ctx): Reply => {
    const q = (ctx.url.searchParams.get('q') ?? '').toLowerCase();
    const found = [...ctx.core.store.groups.values()].filter((g) => matches(q, g.name, g.description));
    return { json: { results: found.map(groupJson), total: found.length } };
  };

  const searchUsers = (ctx: Ctx): Reply => {
    const status = ctx.params.status;
    if (status !== undefined && !USER_STATUSES.includes(status)) throw notFound(`Unknown user search '${status.slice(0, 40)}'`);
    const pageSize = intParam(ctx.url, 'pageSize', 25, 1000);
    const q = (ctx.url.searchParams.get('q') ?? '').toLowerCase();
    // Every simulated user is enabled, confirmed and native (no SSO): pending, locked and sso find nobody.
    const pool = status === 'internal-pending' || status === 'internal-locked' || status === 'internal-sso' ? [] : [...ctx.core.store.users.values()];
    const found = pool.filter((u) => matches(q, u.email, u.firstName, u.lastName, displayName(u)));
    return { json: { results: found.slice(0, pageSize).map(userJson), total: found.length } };
  };

  const session = (ctx: Ctx): Reply => {
    const { creds } = ctx.core.auth;
    const email = ctx.url.searchParams.get('email') ?? '';
    const password = ctx.url.searchParams.get('password') ?? '';
    if (email.toLowerCase() !== creds.user.toLowerCase() || password !== creds.password) throw unauthorized('wrong email or password');
    const { token } = ctx.core.auth.issue();
    return {
      json: userJson(ctx.core.user),
      headers: { 'Set-Cookie': `AccessToken=s%3A${token}.simsignature; Path=/; HttpOnly; SameSite=Lax` },
    };
  };

  return [
    { method: 'GET', pattern: '/api/v1/groups', body: 'optional', fields: [], handler: listGroups },
    { method: 'POST', pattern: '/api/v1/groups', body: 'required', fields: ['name', 'description'], handler: addGroup },
    { method: 'GET', pattern: '/api/v1/groups/{id}', body: 'optional', fields: [], handler: (ctx) => ({ json: groupJson(groupOf(ctx)) }) },
    { method: 'GET', pattern: '/api/v1/groups/{id}/members', body: 'optional', fields: [], handler: members },
    {
      method: 'POST',
      pattern: '/api/v1/groups/{id}/members',
      body: 'required',
      fields: ['members', 'specificGroupRole'],
      handler: (ctx) => changeMembers(ctx, true),
    },
    {
      method: 'DELETE',
      pattern: '/api/v1/groups/{id}/members',
      body: 'required',
      fields: ['members', 'specificGroupRole'],
      handler: (ctx) => changeMembers(ctx, false),
    },
    { method: 'GET', pattern: '/api/v1/groups/{id}/shares/incoming', body: 'optional', fields: [], handler: incoming },
    { method: 'GET', pattern: '/search/v1/user/group-all', body: 'optional', fields: [], handler: searchGroups },
    { method: 'GET', pattern: '/search/v1/user', body: 'optional', fields: [], handler: searchUsers },
    { method: 'GET', pattern: '/search/v1/user/{status}', body: 'optional', fields: [], handler: searchUsers },
    { method: 'POST', pattern: '/api/v1/sessions', body: 'optional', fields: [], public: true, handler: session },
  ];
}
