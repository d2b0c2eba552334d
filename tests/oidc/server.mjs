// A real OpenID provider (oidc-provider) on loopback for llo-match's sign-in tests.
// tests/oidc/provider.py starts it with its issuer, one client and the test people in the
// environment. Its own login page stands in for a region's identity provider; consent is
// implied (a first-party client), as regions configure it for their own portal.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

const issuer = process.env.OIDC_ISSUER;
const client = JSON.parse(process.env.OIDC_CLIENT);
const people = JSON.parse(process.env.OIDC_PEOPLE); // login -> { password, claims }

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-signing-1', use: 'sig', alg: 'RS256' };

const page = (title, body) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>
<body><h1>${title}</h1>${body}</body></html>`;
const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const provider = new Provider(issuer, {
  clients: [{ ...client, grant_types: ['authorization_code'], response_types: ['code'] }],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  scopes: ['openid', 'profile', 'llo'],
  claims: { openid: ['sub'], profile: ['name'], llo: ['role', 'org', 'region'] },
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = page('Sign out', `${form}<button type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button>`);
      },
    },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  findAccount: async (ctx, id) =>
    people[id] && { accountId: id, claims: async () => ({ sub: id, ...people[id].claims }) },
});

async function formBody(req) {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  return new URLSearchParams(raw);
}

async function consent(ctx, details) {
  const { prompt, params, session, grantId } = details;
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  const result = { consent: { grantId: await grant.save() } };
  ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: true }));
}

const loginForm = (uid, error = '') =>
  page('Sign in', `${error ? `<p role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${uid}">
  <label>Username <input name="login" autocomplete="username"></label>
  <label>Password <input name="password" type="password" autocomplete="current-password"></label>
  <button type="submit">Sign in</button>
</form>`);

provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([\w-]+)$/);
  if (!match) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (details.prompt.name === 'consent') return consent(ctx, details);
  if (ctx.method === 'GET') {
    ctx.body = loginForm(match[1]);
    return undefined;
  }
  const form = await formBody(ctx.req);
  const person = people[form.get('login')];
  if (!person || person.password !== form.get('password')) {
    ctx.status = 401;
    ctx.body = loginForm(match[1], 'Unknown username or wrong password');
    return undefined;
  }
  const result = { login: { accountId: form.get('login') } };
  ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false }));
  return undefined;
});

// In a container the issuer's name is an alias of the network, so listen on every interface.
const { hostname, port } = new URL(issuer);
const listenHost = process.env.OIDC_LISTEN_HOST || hostname;
provider.listen(Number(port), listenHost, () => console.log(`oidc-provider listening on ${issuer}`));
