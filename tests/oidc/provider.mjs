// A real OpenID provider (the npm package oidc-provider) for Lernpool's tests, on loopback only.
//
//   node tests/oidc/provider.mjs   with OIDC_PORT, OIDC_CONFIG (a JSON file) in the environment
//
// OIDC_CONFIG holds {"clients": [...oidc-provider client metadata...], "jwks": {"keys": [...]},
// "accounts": {"<login>": {claims}}}. The file is read again for every login, so that a test
// can change a person's claims (their groups) between two logins. The login page asks for the
// login name and which methods the person used (amr, e.g. "pwd otp"): the provider then puts
// exactly those into the ID token, as a real provider does after a password and a one-time code.
import fs from 'node:fs';
import http from 'node:http';
import { URLSearchParams } from 'node:url';

import { pathToFileURL } from 'node:url';

// Installed by `make test-deps` into .cache/oidc, outside the tests' folder.
const { default: Provider } = await import(pathToFileURL(process.env.OIDC_PROVIDER_MODULE).href);

const port = Number(process.env.OIDC_PORT);
const configPath = process.env.OIDC_CONFIG;
const read = () => JSON.parse(fs.readFileSync(configPath, 'utf8'));
const config = read();
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: config.clients,
  jwks: config.jwks,
  cookies: { keys: ['lernpool-test-only'] },
  claims: {
    // As providers with step-up logins do: how the person logged in goes into every ID token.
    openid: ['sub', 'acr', 'amr', 'auth_time'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'locale', 'preferred_language'],
    groups: ['groups'],
  },
  scopes: ['openid', 'email', 'profile', 'groups'],
  features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
  ttl: { IdToken: 600, AccessToken: 600, AuthorizationCode: 60, Session: 3600, Interaction: 600, Grant: 3600 },
  async findAccount(ctx, id) {
    const claims = read().accounts[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
  // No consent screen: the test provider grants what the client asks for.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope(ctx.oidc.params.scope || 'openid');
    await grant.save();
    return grant;
  },
});
// Tests run Django on ports chosen at random: any redirect URI of a registered client is fine.
provider.Client.prototype.redirectUriAllowed = () => true;
provider.Client.prototype.postLogoutRedirectUriAllowed = () => true;

const page = (uid) => `<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Test provider login</title></head><body><main><h1>Test provider login</h1>
<form method="post" action="/interaction/${uid}">
<p><label for="login">Login</label> <input id="login" name="login" autocomplete="off"></p>
<p><label for="amr">Methods (amr)</label> <input id="amr" name="amr" value="pwd"></p>
<p><button type="submit">Sign in</button></p></form></main></body></html>`;

const callback = provider.callback();
http.createServer(async (req, res) => {
  const match = req.url.match(/^\/interaction\/([^/?]+)/);
  if (!match) return callback(req, res);
  try {
    const details = await provider.interactionDetails(req, res);
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(page(details.uid));
    }
    let body = '';
    for await (const chunk of req) body += chunk;
    const form = new URLSearchParams(body);
    const accountId = form.get('login');
    if (!read().accounts[accountId]) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(page(details.uid).replace('<form', '<p role="alert">Unknown login</p><form'));
    }
    const amr = (form.get('amr') || 'pwd').split(/[\s,]+/).filter(Boolean);
    await provider.interactionFinished(req, res, { login: { accountId, amr } }, { mergeWithLastSubmission: false });
  } catch (error) {
    res.writeHead(400, { 'content-type': 'text/plain' });
    res.end(String(error));
  }
}).listen(port, '127.0.0.1', () => console.log(`oidc-provider listening on ${issuer}`));
