// The web consumer's expectations of the auth API: register, login, refresh, logout, the
// user, and the token lifecycle the UI relies on (a rotated or logged-out refresh token is
// refused, a throttled login says when to retry, a blocked account is told apart).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { MatchersV3 } from '@pact-foundation/pact';

import { Conflict, Forbidden, TooManyRequests, Unauthorized } from '../src/client.js';
import {
  ADA,
  EXAMPLE_REFRESH,
  EXAMPLE_TOKEN,
  PROBLEM_TYPES,
  apiPath,
  contract,
  injected,
  problem,
  rejects,
  tokenPair,
  user,
} from './support/contract.js';

const { regex, string } = MatchersV3;
const GRACE = { email: 'grace@example.com', password: 'hopper-1906-x', name: 'Grace Hopper' };
const LIN = { email: 'lin@example.com', password: 'correct-horse-7' };
// RFC 9110: a 401 names the scheme to use; the spec marks the header required.
const CHALLENGE = regex('^Bearer\\b.*$', 'Bearer realm="api"');

test('a sign-up creates an active account', () =>
  contract({
    description: 'a sign-up from the web',
    states: [['no data']],
    method: 'POST',
    path: apiPath('/auth/register'),
    status: 201,
    body: { ...GRACE, acceptTerms: true },
    response: user({ email: string(GRACE.email), status: 'active' }),
    authorized: false,
    exercise: async (api) => {
      const created = await api.register(GRACE.email, GRACE.password, GRACE.name);
      assert.equal(created.status, 'active');
    },
  }));

test('a sign-up with a taken email is told so', () =>
  contract({
    description: 'a sign-up from the web with a taken email',
    states: [['a user exists', { email: GRACE.email }]],
    method: 'POST',
    path: apiPath('/auth/register'),
    status: 409,
    body: { ...GRACE, acceptTerms: true },
    response: problem(409, 'email_taken'),
    authorized: false,
    exercise: rejects(Conflict, 'email_taken', (api) => api.register(GRACE.email, GRACE.password, GRACE.name)),
  }));

test('a sign-in keeps the access token', () =>
  contract({
    description: 'a sign-in from the web',
    states: [['a user exists', ADA]],
    method: 'POST',
    path: apiPath('/auth/login'),
    status: 200,
    body: ADA,
    response: { user: user({ email: ADA.email }), tokens: tokenPair() },
    authorized: false,
    exercise: async (api) => {
      const { tokens } = await api.login(ADA.email, ADA.password);
      assert.equal(tokens.tokenType, 'Bearer');
      assert.equal(api.token, tokens.accessToken);
    },
  }));

test('a sign-in with a wrong password is refused', () =>
  contract({
    description: 'a sign-in from the web with a wrong password',
    states: [['a user exists', ADA]],
    method: 'POST',
    path: apiPath('/auth/login'),
    status: 401,
    body: { email: ADA.email, password: 'nope-1' },
    response: problem(401, 'invalid_credentials'),
    authorized: false,
    exercise: rejects(Unauthorized, 'invalid_credentials', (api) => api.login(ADA.email, 'nope-1')),
  }));

test('a sign-in to a suspended account is told apart', () =>
  contract({
    description: 'a sign-in from the web to a suspended account',
    states: [['a user exists', { ...ADA, status: 'suspended' }]],
    method: 'POST',
    path: apiPath('/auth/login'),
    status: 403,
    body: ADA,
    response: problem(403, 'account_suspended'),
    authorized: false,
    exercise: rejects(Forbidden, 'account_suspended', (api) => api.login(ADA.email, ADA.password)),
  }));

test('a throttled sign-in says when to retry', () =>
  contract({
    description: 'a sign-in from the web to a throttled account',
    states: [["an account's logins are throttled", { email: LIN.email }]],
    method: 'POST',
    path: apiPath('/auth/login'),
    status: 429,
    body: LIN,
    response: problem(429, 'too_many_attempts'),
    responseHeaders: { 'Retry-After': regex('^[1-9][0-9]*$', '900') },
    authorized: false,
    exercise: async (api) => {
      await assert.rejects(api.login(LIN.email, LIN.password), (error) => {
        assert.ok(error instanceof TooManyRequests);
        assert.equal(error.problem.type, `${PROBLEM_TYPES}too-many-attempts`);
        assert.ok(error.retryAfter >= 1);
        return true;
      });
    },
  }));

test('a silent token refresh replaces the access token', () =>
  contract({
    description: 'a silent token refresh from the web',
    states: [['a user exists']],
    method: 'POST',
    path: apiPath('/auth/refresh'),
    status: 200,
    body: { refreshToken: injected('refreshToken', EXAMPLE_REFRESH) },
    response: tokenPair(),
    authorized: false,
    exercise: async (api) => {
      const pair = await api.refresh(EXAMPLE_REFRESH);
      assert.equal(api.token, pair.accessToken);
    },
  }));

test('a refresh with a rotated token sends the user to sign in', () =>
  contract({
    description: 'a silent token refresh from the web with a token already rotated',
    states: [['a refresh token was rotated']],
    method: 'POST',
    path: apiPath('/auth/refresh'),
    status: 401,
    body: { refreshToken: injected('refreshToken', EXAMPLE_REFRESH) },
    response: problem(401, 'invalid_refresh_token'),
    authorized: false,
    exercise: rejects(Unauthorized, 'invalid_refresh_token', (api) => api.refresh(EXAMPLE_REFRESH)),
  }));

test('the current user is shown', () =>
  contract({
    description: 'a request from the web for the current user',
    states: [['a user exists']],
    method: 'GET',
    path: apiPath('/auth/me'),
    status: 200,
    response: user({ email: ADA.email }),
    exercise: async (api) => assert.equal((await api.me()).email, ADA.email),
  }));

test('without a token the user is asked to sign in', () =>
  contract({
    description: 'a request from the web for the current user without a token',
    states: [['no data']],
    method: 'GET',
    path: apiPath('/auth/me'),
    status: 401,
    response: problem(401, 'unauthorized'),
    responseHeaders: { 'WWW-Authenticate': CHALLENGE },
    authorized: false,
    exercise: rejects(Unauthorized, 'unauthorized', (api) => api.me()),
  }));

test('a sign-out everywhere ends every session', () =>
  contract({
    description: 'a sign-out from the web of all devices',
    states: [['a user exists']],
    method: 'POST',
    path: apiPath('/auth/logout'),
    status: 204,
    body: { allDevices: true },
    exercise: async (api) => {
      await api.logout({ allDevices: true });
      assert.equal(api.token, null);
    },
  }));

test('an access token issued before a sign-out everywhere is refused', () =>
  contract({
    description: 'a request from the web for the current user after a logout of all devices',
    states: [['a user logged out of all devices']],
    method: 'GET',
    path: apiPath('/auth/me'),
    status: 401,
    response: problem(401, 'unauthorized'),
    responseHeaders: { 'WWW-Authenticate': CHALLENGE },
    exercise: rejects(Unauthorized, 'unauthorized', (api) => api.me()),
  }));

// The example token is what the generated requests carry until a state injects a real one.
assert.ok(EXAMPLE_TOKEN.split('.').length === 3);
