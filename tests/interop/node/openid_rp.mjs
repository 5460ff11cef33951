// A relying party built on panva's openid-client (a certified OpenID Connect RP library),
// driven step by step by tests/interop/test_openid_client.py: it reads one JSON request a
// line on stdin and answers each with one JSON line on stdout (one process serves a whole
// test module). A request names its step and the client ("issuer", "client_id",
// "client_secret", "redirect_uri"):
//
//   {"step": "authorize", "params": {...}}
//     -> {"url", "verifier", "state", "nonce"}   (discovery, PKCE S256, state, nonce)
//   {"step": "callback", "callback", "verifier", "state", "nonce", "max_age"?}
//     -> {"tokens", "claims", "userinfo"} or {"error", "error_description"}
//   {"step": "refresh", "refresh_token"}
//     -> {"tokens", "claims"} or {"error", "error_description"}
//
// By hand: echo '{"step": "authorize", ...}' | node openid_rp.mjs
//
// openid-client validates everything the specifications ask of a relying party: the
// discovery document, `iss` in the authorization response (RFC 9207), state, the ID
// token's signature (from jwks_uri), iss, aud, exp, iat, nonce and, with max_age, its
// auth_time; userinfo's `sub` against the ID token's.
import * as readline from "node:readline";

import * as client from "openid-client";

function failure(error) {
  // AuthorizationResponseError / ResponseBodyError carry the OAuth error; others a code
  return {
    error: error.error ?? error.code ?? error.name,
    error_description: error.error_description ?? error.message,
    name: error.name,
  };
}

async function configuration(input) {
  // loopback http only: Tenantry's tests serve it on 127.0.0.1
  return client.discovery(new URL(input.issuer), input.client_id, input.client_secret, undefined, {
    execute: [client.allowInsecureRequests],
  });
}

function tokenSet(tokens) {
  return {
    access_token: tokens.access_token,
    refresh_token: tokens.refresh_token,
    id_token: tokens.id_token,
    token_type: tokens.token_type,
    expires_in: tokens.expires_in,
    scope: tokens.scope,
  };
}

async function authorize(input) {
  const config = await configuration(input);
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: input.redirect_uri,
    scope: "openid profile email offline_access",
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
    nonce,
    ...(input.params ?? {}),
  });
  return { url: url.href, verifier, state, nonce };
}

async function callback(input) {
  const config = await configuration(input);
  try {
    const tokens = await client.authorizationCodeGrant(config, new URL(input.callback), {
      pkceCodeVerifier: input.verifier,
      expectedState: input.state,
      expectedNonce: input.nonce,
      idTokenExpected: true,
      ...(input.max_age === undefined ? {} : { maxAge: input.max_age }),
    });
    const claims = tokens.claims();
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    return { tokens: tokenSet(tokens), claims, userinfo };
  } catch (error) {
    return failure(error);
  }
}

async function refresh(input) {
  const config = await configuration(input);
  try {
    const tokens = await client.refreshTokenGrant(config, input.refresh_token);
    return { tokens: tokenSet(tokens), claims: tokens.claims() ?? null };
  } catch (error) {
    return failure(error);
  }
}

const steps = { authorize, callback, refresh };

for await (const line of readline.createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  if (!line.trim()) continue;
  let answer;
  try {
    const request = JSON.parse(line);
    const step = steps[request.step];
    answer = step ? await step(request) : { error: "unknown_step", error_description: String(request.step) };
  } catch (error) {
    answer = { error: "rp_failure", error_description: String(error?.stack ?? error) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
}
