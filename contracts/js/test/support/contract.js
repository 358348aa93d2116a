// The pieces the consumer tests are made of: the pact, request parts, response shapes, and
// `contract`, which registers one interaction and drives the client against Pact's mock.
//
// Responses use matchers (type, regex, each-like) and literal values only where the value is
// the contract. Ids and tokens the provider makes reach requests through provider-state
// generators (`fromProviderState('${projectId}', ...)`), so a pact holds for a provider that
// makes its own ids.

import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { MatchersV3, PactV4, SpecificationVersion } from '@pact-foundation/pact';

import { PlatformClient } from '../../src/client.js';

const { eachLike, fromProviderState, integer, like, regex, string } = MatchersV3;

export const CONSUMER = 'platform-web-js';
export const PROVIDER = 'platform-api';
export const BASE = '/api/v1';
// `make pacts` writes next to the Python consumer's pact; the drift test writes elsewhere.
export const PACT_DIR =
  process.env.PACT_DIR ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../pacts');

export const IDS = {
  projectId: '4b5f4d3e-8a1c-4a55-9c43-1d2f3b4a5c6d',
  taskId: '9d1c2b3a-4e5f-4a6b-8c7d-0e1f2a3b4c5d',
  orderId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  paymentId: '1f0e2d3c-4b5a-4968-8776-a5b4c3d2e1f0',
  sessionId: '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9',
  userId: '2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d',
};
export const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
export const EXAMPLE_TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJl';
export const EXAMPLE_REFRESH = 'rt_3q2-example-refresh-token';
export const ADA = { email: 'ada@example.com', password: 'correct-horse-7' };
// The problem `type` URIs the frontend switches on: the spec's own (openapi/openapi.yaml).
export const PROBLEM_TYPES = 'https://errors.platform.example/';

const UUID = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
const RFC3339 = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$';

// -- request pieces ------------------------------------------------------------------------

/** A path whose `{id}` parts the provider state injects (`${projectId}`). */
export function apiPath(template) {
  const example = BASE + template.replace(/\{(\w+)\}/g, (_, name) => IDS[name]);
  if (!template.includes('{')) return example;
  return fromProviderState(BASE + template.replace(/\{/g, '${'), example);
}

/** A request value the provider state answers as `name`. */
export function injected(name, example) {
  return fromProviderState('${' + name + '}', example);
}

export function bearer() {
  return fromProviderState('Bearer ${accessToken}', `Bearer ${EXAMPLE_TOKEN}`);
}

// -- response shapes -----------------------------------------------------------------------

export const uuid = () => regex(UUID, IDS.userId);
export const timestamp = () => regex(RFC3339, '2026-11-02T09:30:00.000Z');
export const oneOf = (example, ...values) => regex(`^(${values.join('|')})$`, example);

export function user(fixed = {}) {
  return {
    id: uuid(),
    email: string('ada@example.com'),
    name: string('Ada Lovelace'),
    role: oneOf('user', 'user', 'admin'),
    status: oneOf('active', 'active', 'deactivated', 'suspended'),
    createdAt: timestamp(),
    updatedAt: timestamp(),
    ...fixed,
  };
}

export function tokenPair() {
  return {
    accessToken: string(EXAMPLE_TOKEN),
    refreshToken: string(EXAMPLE_REFRESH),
    tokenType: 'Bearer',
    expiresIn: integer(900),
  };
}

export function project(fixed = {}) {
  return {
    id: uuid(),
    ownerId: uuid(),
    name: string('Website relaunch'),
    description: string('Redesign and migrate the marketing site'),
    status: oneOf('active', 'active', 'on_hold', 'completed', 'archived'),
    createdAt: timestamp(),
    updatedAt: timestamp(),
    ...fixed,
  };
}

export function task(fixed = {}) {
  return {
    id: uuid(),
    projectId: uuid(),
    title: string('Design the landing page'),
    description: null,
    status: oneOf('todo', 'todo', 'in_progress', 'done'),
    priority: oneOf('medium', 'low', 'medium', 'high'),
    dueDate: regex('^\\d{4}-\\d{2}-\\d{2}$', '2026-12-01'),
    createdAt: timestamp(),
    updatedAt: timestamp(),
    ...fixed,
  };
}

export const ORDER_ITEMS = [
  { productId: 'sku-keyboard', name: 'Mechanical keyboard', quantity: 1, unitPrice: 12900 },
  { productId: 'sku-cable', name: 'USB-C cable', quantity: 2, unitPrice: 1500 },
];

export function order(fixed = {}) {
  return {
    id: uuid(),
    userId: uuid(),
    status: oneOf('pending', 'pending', 'paid', 'cancelled', 'refunded'),
    currency: 'USD',
    items: eachLike({
      productId: string('sku-keyboard'),
      name: string('Mechanical keyboard'),
      quantity: integer(1),
      unitPrice: integer(12900),
      lineTotal: integer(12900),
    }),
    subtotal: 15900,
    total: 15900,
    createdAt: timestamp(),
    updatedAt: timestamp(),
    ...fixed,
  };
}

export function payment(fixed = {}) {
  return {
    id: uuid(),
    orderId: uuid(),
    userId: uuid(),
    amount: 15900,
    currency: 'USD',
    status: 'succeeded',
    paymentMethod: 'pm_card_visa',
    failureCode: null,
    createdAt: timestamp(),
    refundedAt: null,
    ...fixed,
  };
}

export function session(fixed = {}) {
  return {
    id: uuid(),
    userId: uuid(),
    name: string('Editor tab'),
    status: oneOf('active', 'active', 'idle', 'ended'),
    metadata: like({ client: 'web' }),
    createdAt: timestamp(),
    updatedAt: timestamp(),
    endedAt: null,
    ...fixed,
  };
}

export function page(item) {
  return {
    data: eachLike(item),
    pagination: { page: integer(1), limit: integer(20), total: integer(1), pages: integer(1) },
  };
}

/** A problem the UI tells apart by `type` (the spec's URI for `code`) and `code`. */
export function problem(status, code) {
  return {
    type: PROBLEM_TYPES + code.replaceAll('_', '-'),
    title: string('Problem'),
    status,
    detail: string('What went wrong.'),
    code,
  };
}

export function location(collection) {
  return regex(`^${BASE}/${collection}/[0-9a-f-]{36}$`, `${BASE}/${collection}/${IDS.userId}`);
}

// -- one interaction -----------------------------------------------------------------------

/**
 * Register one interaction on a fresh pact and run `exercise(client)` against Pact's mock
 * server; the pact file is merged into PACT_DIR when the client met the interaction.
 */
export async function contract(interaction) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await once(interaction);
    } catch (error) {
      // Pact's mock server sometimes answers a request yet reports it "expected but not
      // received" when the machine is busy (pact-foundation/pact-reference#535, open): that
      // alone, the client having raised nothing, is tried once more on a fresh pact. A client that
      // sent nothing, or something else, fails both times (or with its own error).
      if (attempt >= 2 || !onlyMissed(error)) throw error;
    }
  }
}

function onlyMissed(error) {
  const message = String(error?.message ?? '');
  if (!message.startsWith('Test failed for the following reasons')) return false;
  const mismatches = message.match(/^\s*\d+\) /gm) ?? [];
  const missed = message.match(/was expected but not received/g) ?? [];
  return mismatches.length > 0 && mismatches.length === missed.length;
}

async function once({
  description,
  states,
  method,
  path: requestPath,
  status,
  exercise,
  body,
  response,
  headers = {},
  responseHeaders = {},
  authorized = true,
}) {
  const pact = new PactV4({
    consumer: CONSUMER,
    provider: PROVIDER,
    dir: PACT_DIR,
    spec: SpecificationVersion.SPECIFICATION_VERSION_V4,
    logLevel: process.env.PACT_LOG_LEVEL ?? 'error',
  });
  let interaction = pact.addInteraction();
  for (const [state, params] of states) {
    interaction = params ? interaction.given(state, params) : interaction.given(state);
  }
  const requested = interaction.uponReceiving(description).withRequest(method, requestPath, (request) => {
    const sent = { ...headers };
    if (authorized) sent.Authorization = bearer();
    if (Object.keys(sent).length > 0) request.headers(sent);
    if (body !== undefined) request.jsonBody(body);
  });
  const answered = requested.willRespondWith(status, (answer) => {
    const received = { ...responseHeaders };
    // Set before the body: the content type of a problem is not the JSON default.
    if (response !== undefined && status >= 400) received['Content-Type'] = 'application/problem+json';
    if (Object.keys(received).length > 0) answer.headers(received);
    if (response !== undefined) answer.jsonBody(response);
  });
  await answered.executeTest(async (server) => {
    const api = new PlatformClient(server.url + BASE, { token: authorized ? EXAMPLE_TOKEN : null });
    await exercise(api);
  });
}

/** An exercise expecting `call` to fail with `Kind` carrying the problem `code` and its type. */
export function rejects(Kind, code, call) {
  return async (api) => {
    await assert.rejects(call(api), (error) => {
      assert.ok(error instanceof Kind, `expected ${Kind.name}, got ${error}`);
      assert.equal(error.problem.code, code);
      assert.equal(error.problem.type, PROBLEM_TYPES + code.replaceAll('_', '-'));
      return true;
    });
  };
}
