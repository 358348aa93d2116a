// The web consumer's expectations of interactive sessions: a tab opens one, marks it idle,
// ends it, and is told when it changes one that has ended.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { MatchersV3 } from '@pact-foundation/pact';

import { Conflict, Forbidden } from '../src/client.js';
import { IDS, apiPath, contract, location, problem, rejects, session, timestamp } from './support/contract.js';

const { like } = MatchersV3;
const SESSION = '/sessions/{sessionId}';

test('a tab opens a session', () =>
  contract({
    description: 'a session opening from the web',
    states: [['a user exists']],
    method: 'POST',
    path: apiPath('/sessions'),
    status: 201,
    body: { name: 'Editor tab', metadata: { client: 'web', locale: 'en-GB' } },
    response: session({ status: 'active', metadata: like({ client: 'web', locale: 'en-GB' }) }),
    responseHeaders: { Location: location('sessions') },
    exercise: async (api) => {
      const opened = await api.openSession('Editor tab', { metadata: { client: 'web', locale: 'en-GB' } });
      assert.equal(opened.status, 'active');
    },
  }));

test('a session opens', () =>
  contract({
    description: 'a request from the web for a session',
    states: [['a session exists', { name: 'Editor tab' }]],
    method: 'GET',
    path: apiPath(SESSION),
    status: 200,
    response: session({ name: 'Editor tab' }),
    exercise: async (api) => assert.equal((await api.getSession(IDS.sessionId)).name, 'Editor tab'),
  }));

test('an idle tab marks its session idle', () =>
  contract({
    description: 'a session going idle from the web',
    states: [['a session exists', { status: 'active' }]],
    method: 'PATCH',
    path: apiPath(SESSION),
    status: 200,
    body: { status: 'idle' },
    response: session({ status: 'idle' }),
    exercise: async (api) => assert.equal((await api.updateSession(IDS.sessionId, { status: 'idle' })).status, 'idle'),
  }));

test('a closed tab ends its session', () =>
  contract({
    description: 'a session ending from the web',
    states: [['a session exists']],
    method: 'POST',
    path: apiPath(`${SESSION}/end`),
    status: 200,
    response: session({ status: 'ended', endedAt: timestamp() }),
    exercise: async (api) => {
      const ended = await api.endSession(IDS.sessionId);
      assert.equal(ended.status, 'ended');
      assert.ok(ended.endedAt);
    },
  }));

test('an ended session cannot be changed', () =>
  contract({
    description: 'a change from the web to an ended session',
    states: [['an ended session exists']],
    method: 'PATCH',
    path: apiPath(SESSION),
    status: 409,
    body: { name: 'Renamed' },
    response: problem(409, 'session_ended'),
    exercise: rejects(Conflict, 'session_ended', (api) => api.updateSession(IDS.sessionId, { name: 'Renamed' })),
  }));

test("another user's session cannot be ended", () =>
  contract({
    description: "an end from the web of another user's session",
    states: [['records of another user exist']],
    method: 'POST',
    path: apiPath(`${SESSION}/end`),
    status: 403,
    response: problem(403, 'forbidden'),
    exercise: rejects(Forbidden, 'forbidden', (api) => api.endSession(IDS.sessionId)),
  }));
