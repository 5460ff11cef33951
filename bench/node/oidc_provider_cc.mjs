// The client-credentials ceiling of bench/ceilings.py (issue 18): Node's oidc-provider (the one
// tests/interop/node installs; `npm ci --prefix tests/interop/node`) issuing RS256-signed JWT
// access tokens to one confidential client, with its default in-memory adapter.
// Usage: node bench/node/oidc_provider_cc.mjs PORT CLIENT_ID CLIENT_SECRET
// OIDC_PROVIDER_TOKEN_FORMAT=opaque issues opaque tokens, kept in the in-memory adapter, instead.
// Serves the token endpoint at POST /oauth/token (client_secret_basic or client_secret_post)
// and GET /healthz (so bench/common.py can wait for it like any other server).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', '..', 'tests', 'interop', 'node', 'package.json'));
const { default: Provider } = await import(require.resolve('oidc-provider'));

const [portArg, clientId, clientSecret] = process.argv.slice(2);
if (!portArg || !clientId || !clientSecret) {
  console.error('usage: node oidc_provider_cc.mjs PORT CLIENT_ID CLIENT_SECRET');
  process.exit(2);
}
const port = Number(portArg);
const issuer = `http://127.0.0.1:${port}`;
const resource = 'urn:tenantry:bench';

// RSA 2048 + RS256, like Tenantry's signing keys.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), use: 'sig', alg: 'RS256' };

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: 'api',
  }],
  clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
  jwks: { keys: [jwk] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  scopes: ['api'],
  routes: { token: '/oauth/token' },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => resource,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'api',
        audience: resource,
        accessTokenTTL: 3600,
        accessTokenFormat: process.env.OIDC_PROVIDER_TOKEN_FORMAT || 'jwt',
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
});

const callback = provider.callback();
http
  .createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
      return;
    }
    callback(req, res);
  })
  .listen(port, '127.0.0.1', () => console.log(`oidc-provider on ${issuer}`));
