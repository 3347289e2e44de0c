// A real OpenID provider for the tests: the npm package oidc-provider (a certified
// implementation) with its development login pages, on 127.0.0.1:$PORT, for one client.
//
// The test harness copies this file next to the installed package (target/browser-tools) and
// starts it with PORT, CLIENT_ID, CLIENT_SECRET and REDIRECT_URI. It prints "ready" when it
// listens. Any login name signs in; the account's e-mail claim is that name.
//
// GET /__mode?m=… makes the provider misbehave from the next token response on, so that the
// tests can check that klimaspor refuses what a broken or hostile provider sends:
//   normal    as the provider means it
//   tamper    the ID token's payload changed after signing (the signature no longer fits)
//   nonce     a validly signed ID token with another nonce
//   audience  a validly signed ID token for another client
//   expire    authorisation codes live one second
//   rotate    the provider has rotated its keys: it publishes a second key and signs with it
//   unverified  the ID token says the e-mail address is not verified
import Provider from 'oidc-provider';
import * as jose from 'jose';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await jose.exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
// The key the provider rotates to: published (and used) only in the mode 'rotate'.
const rotated = await jose.generateKeyPair('RS256', { extractable: true });
const rotatedJwk = { ...(await jose.exportJWK(rotated.publicKey)), kid: 'rotated-key', alg: 'RS256', use: 'sig' };
let mode = 'normal';

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.CLIENT_ID,
    client_secret: process.env.CLIENT_SECRET,
    redirect_uris: [process.env.REDIRECT_URI],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [jwk] },
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'] },
  conformIdTokenClaims: false,
  cookies: { keys: ['klimaspor-test-cookie-key'] },
  ttl: { AuthorizationCode: () => (mode === 'expire' ? 1 : 60) },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: id, email_verified: true, name: id, preferred_username: id };
      },
    };
  },
  // A first-party client: no consent screen.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
});

async function resign(idToken, change, key = privateKey, kid = 'test-key') {
  const claims = jose.decodeJwt(idToken);
  change(claims);
  return new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(key);
}

provider.use(async (ctx, next) => {
  if (ctx.path === '/__mode') {
    mode = String(ctx.query.m || 'normal');
    ctx.body = { mode };
    return;
  }
  await next();
  if (ctx.path === '/jwks' && mode === 'rotate' && ctx.body && ctx.body.keys) {
    ctx.body = { keys: [...ctx.body.keys, rotatedJwk] };
  }
  if (ctx.path === '/token' && ctx.status === 200 && ctx.body && ctx.body.id_token) {
    const token = ctx.body.id_token;
    if (mode === 'tamper') {
      const [h, p, s] = token.split('.');
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
      claims.email = 'someone.else@ballerup.example';
      ctx.body = { ...ctx.body, id_token: [h, Buffer.from(JSON.stringify(claims)).toString('base64url'), s].join('.') };
    } else if (mode === 'nonce') {
      ctx.body = { ...ctx.body, id_token: await resign(token, (c) => { c.nonce = 'not-the-nonce'; }) };
    } else if (mode === 'rotate') {
      ctx.body = { ...ctx.body, id_token: await resign(token, () => {}, rotated.privateKey, 'rotated-key') };
    } else if (mode === 'unverified') {
      ctx.body = { ...ctx.body, id_token: await resign(token, (c) => { c.email_verified = false; }) };
    } else if (mode === 'audience') {
      ctx.body = { ...ctx.body, id_token: await resign(token, (c) => { c.aud = 'another-client'; c.azp = 'another-client'; }) };
    }
  }
});

provider.listen(port, '127.0.0.1', () => console.log('ready'));
