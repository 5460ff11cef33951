// The invitation reference of bench/ceilings.py (issue 18: "invitation ≥ better-auth's rate"):
// better-auth with its organization plugin on a SQLite file (better-sqlite3, WAL,
// synchronous=NORMAL, busy_timeout 30 s: the pragmas Tenantry's engine sets), behind Node's
// http server. Install: `npm ci --prefix bench/node/better_auth`.
// Usage: node bench/node/better_auth/server.mjs PORT DATABASE_FILE
//
// At start it creates the schema (better-auth's own migrations), signs up one user, creates one
// organization (the user is its owner) and serves, beside better-auth under /api/auth/*:
//   GET /healthz     {"status":"ok"} (so bench/common.py waits for it like any other server)
//   GET /bench/seed  {"cookie": "<the owner's session cookie>", "organizationId": "...", "origin": "..."}
// bench/wrk/better_auth_invite.lua then posts /api/auth/organization/invite-member with that
// cookie, a fresh e-mail each time; sendInvitationEmail is a no-op callback (Tenantry's bench
// writes its mails to an outbox table and sends none).
//
// Limits: membershipLimit and invitationLimit are set to Tenantry's bench seat limit (10,000,000).
// better-auth checks membershipLimit only when an invitation is accepted or a member added, not
// when inviting; invitationLimit is checked on invite by reading the organization's pending
// invitations (at most `defaultFindManyLimit`, 100 rows) and comparing their number.
import http from 'node:http';
import { randomBytes } from 'node:crypto';

import Database from 'better-sqlite3';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import { organization } from 'better-auth/plugins/organization';

const [portArg, file] = process.argv.slice(2);
if (!portArg || !file) {
  console.error('usage: node server.mjs PORT DATABASE_FILE');
  process.exit(2);
}
const port = Number(portArg);
const origin = `http://127.0.0.1:${port}`;
const SEATS = 10_000_000; // Tenantry's bench organization: max_allowed_users 10,000,000

// BENCH_SQL_LOG=1 prints every statement (to count what one invitation runs).
const database = new Database(file, process.env.BENCH_SQL_LOG ? { verbose: console.log } : {});
for (const pragma of ['journal_mode = WAL', 'foreign_keys = ON', 'synchronous = NORMAL', 'busy_timeout = 30000']) {
  database.pragma(pragma);
}

const options = {
  baseURL: origin,
  secret: randomBytes(32).toString('hex'),
  database,
  emailAndPassword: { enabled: true },
  rateLimit: { enabled: false }, // Tenantry's bench turns its invitation rate limit off too
  telemetry: { enabled: false },
  logger: { level: 'error' },
  plugins: [
    organization({
      membershipLimit: SEATS,
      invitationLimit: SEATS,
      async sendInvitationEmail() {}, // no mail leaves either system in the bench
    }),
  ],
};
const { runMigrations } = await getMigrations(options);
await runMigrations();
const auth = betterAuth(options);

// Seed through better-auth's own endpoints, as a browser would: sign up, create an organization.
async function call(path, body, cookie) {
  const headers = { 'content-type': 'application/json', origin };
  if (cookie) headers.cookie = cookie;
  const response = await auth.handler(
    new Request(`${origin}/api/auth${path}`, { method: 'POST', headers, body: JSON.stringify(body) }),
  );
  if (response.status !== 200) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response;
}
const signUp = await call('/sign-up/email', {
  email: 'owner@example.com',
  password: 'correct horse battery staple',
  name: 'Owner',
});
const cookie = signUp.headers
  .getSetCookie()
  .map((line) => line.split(';')[0])
  .join('; ');
const created = await (await call('/organization/create', { name: 'Invite here', slug: 'invite-here' }, cookie)).json();
const seed = JSON.stringify({ cookie, organizationId: created.id, origin });

// Exit cleanly on a signal (so `node --cpu-prof` writes its profile).
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));

const handler = toNodeHandler(auth);
http
  .createServer((req, res) => {
    if (req.url === '/healthz' || req.url === '/bench/seed') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(req.url === '/healthz' ? '{"status":"ok"}' : seed);
      return;
    }
    handler(req, res);
  })
  .listen(port, '127.0.0.1', () => console.log(`better-auth on ${origin}`));
